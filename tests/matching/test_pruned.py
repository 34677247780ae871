"""Top-K without scoring every pair: the same best mentors, scores, bars and counts as the full block."""

import numpy as np
import pytest

from matching import pruned
from matching.candidates import best_columns, chunks
from matching.fast import NEG, FastScorer
from matching.features import build_features
from matching.generate import generate
from matching.io import problem_from_dict


def scorer_for(seed: int, n: int, m: int, **rules) -> FastScorer:
    data = generate(n, m, seed=seed, two_mentor_share=0.2)
    data["rules"] = rules
    problem = problem_from_dict(data)
    return FastScorer(build_features(problem), problem.rules)


@pytest.mark.parametrize(
    ("seed", "rules", "prunes"),
    [
        (0, {}, True),
        (1, {"repeat_pairs": "penalize"}, True),
        (2, {"common_language": False, "min_grade_gap": 3}, True),
        (3, {"same_department": "allow", "weights": {"goals": 10, "timezone": 50}}, False),  # goals decide little
    ],
)
@pytest.mark.parametrize("keep", [1, 10])
def test_the_pruned_pick_equals_the_full_block(seed, rules, prunes, keep):
    scorer = scorer_for(seed, 200, 2400, **rules)
    bounds = pruned.bounds(scorer)
    assert bounds is not None
    picked = 0
    for rows in chunks(np.arange(200), 2400, cells=50 * 2400):
        values = scorer.block_cents(rows)
        r, c, theta = best_columns(values, keep, NEG)
        got = pruned.pick(scorer, bounds, rows, keep)
        if got is None:
            continue
        picked += 1
        gr, gc, gv, gtheta, count = got
        assert sorted(zip(gr.tolist(), gc.tolist(), strict=True)) == sorted(zip(r.tolist(), c.tolist(), strict=True))
        assert sorted(gv.tolist()) == sorted(values[r, c].tolist())
        assert np.array_equal(gtheta, theta)
        assert np.array_equal(count, np.count_nonzero(values != NEG, axis=1))
    assert picked or not prunes  # where goals weigh most, the bound prunes


def test_ties_at_the_boundary_go_to_the_lowest_mentor_index():
    values = np.array([[5, 7, 7, 7, NEG, 7], [NEG, NEG, 3, NEG, NEG, NEG]], dtype=np.int32)
    r, c, theta = best_columns(values, 2, NEG)
    assert sorted(zip(r.tolist(), c.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 2)]
    assert theta.tolist() == [7, NEG]


@pytest.mark.parametrize("rules", [{"objective": "score"}, {"min_score": 30}])
def test_rules_that_read_the_score_take_the_full_block(rules):
    assert pruned.bounds(scorer_for(0, 50, 200, **rules)) is None
