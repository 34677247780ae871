"""Each score criterion alone, and the three scoring paths (one pair, vectorised, fast tables) agreeing exactly."""

import random

import numpy as np
import pytest

from matching import DEFAULT_WEIGHTS, Goal, Leader, Mentor, Rules
from matching.fast import FastScorer
from matching.features import build_features
from matching.generate import generate
from matching.io import problem_from_dict
from matching.scoring import criterion_cents, score_pair, shared_workday_minutes
from matching.vectorised import Grid, Pairs, evaluate
from matching.vectorised import criterion_cents as grid_cents

RULES = Rules()


def points(leader: Leader, mentor: Mentor, rules: Rules = RULES, repeat: bool = False) -> dict[str, float]:
    return {name: value / 100 for name, value in criterion_cents(leader, mentor, rules, repeat).items()}


def test_goals_weight_priority_and_how_far_proficiency_meets_the_target():
    leader = Leader("L", goals=(Goal("video", priority=3, level=4), Goal("posts", priority=1, level=2)))
    # video: 3/4 of the target met with priority 3; posts: fully met with priority 1 -> (3*0.75 + 1*1) / 4
    assert points(leader, Mentor("M", skills={"Video": 3, "posts": 5}))["goals"] == round(60 * 3.25 / 4, 2)
    assert points(leader, Mentor("M", skills={"video": 5, "posts": 2}))["goals"] == 60
    assert points(leader, Mentor("M", skills={"other": 5}))["goals"] == 0
    assert points(Leader("L"), Mentor("M", skills={"video": 5}))["goals"] == 0


def test_language_full_for_the_leaders_first_language_half_for_another():
    leader = Leader("L", languages=("French", "English"))
    assert points(leader, Mentor("M", languages=("french",)))["language"] == 5
    assert points(leader, Mentor("M", languages=("English",)))["language"] == 2.5
    assert points(leader, Mentor("M", languages=("German",)))["language"] == 0
    assert points(leader, Mentor("M"))["language"] == 0


def test_timezone_counts_shared_working_hours_on_a_winter_and_a_summer_day():
    assert shared_workday_minutes("Europe/London", "Europe/London") == 960
    assert shared_workday_minutes("Europe/London", "Europe/Paris") == 2 * 420
    assert shared_workday_minutes("Europe/London", "Asia/Tokyo") == 0
    # New York is 5 hours behind London in January and in July.
    assert points(Leader("L", timezone="Europe/London"), Mentor("M", timezone="America/New_York"))["timezone"] == 3.75
    assert points(Leader("L", timezone="Europe/London"), Mentor("M"))["timezone"] == 0


def test_format_needs_a_common_format_and_location_needs_the_same_place_in_person():
    remote, both = ("remote",), ("remote", "in-person")
    assert points(Leader("L", formats=remote), Mentor("M", formats=both))["format"] == 5
    assert points(Leader("L", formats=("in-person",)), Mentor("M", formats=remote))["format"] == 0
    assert points(Leader("L", location="Paris"), Mentor("M", location="paris"))["location"] == 5
    assert points(Leader("L", location="Paris", formats=remote), Mentor("M", location="Paris"))["location"] == 0
    assert points(Leader("L", location="Paris"), Mentor("M", location="Berlin"))["location"] == 0


def test_cross_department_rewards_a_bridge_only_when_both_departments_are_known():
    assert points(Leader("L", department="Sales"), Mentor("M", department="IT"))["cross_department"] == 10
    assert points(Leader("L", department="Sales"), Mentor("M", department="sales"))["cross_department"] == 0
    assert points(Leader("L", department="Sales"), Mentor("M"))["cross_department"] == 0


def test_repeat_penalty_applies_only_to_history_pairs_under_penalize():
    leader, helper = Leader("L"), Mentor("M")
    assert points(leader, helper, Rules(repeat_pairs="penalize"), repeat=True)["repeat_penalty"] == -20
    assert points(leader, helper, Rules(repeat_pairs="penalize"), repeat=False)["repeat_penalty"] == 0
    assert points(leader, helper, Rules(repeat_pairs="allow"), repeat=True)["repeat_penalty"] == 0


def test_weights_scale_each_criterion_and_reasons_add_up_to_the_score():
    leader = Leader("L", department="Sales", languages=("English",), goals=(Goal("video", 2, 3),))
    helper = Mentor("M", department="IT", languages=("English",), skills={"video": 2})
    rules = Rules(weights={"goals": 30, "cross_department": 0})
    score, reasons = score_pair(leader, helper, rules)
    assert dict(reasons) == {"goals": 20.0, "language": 5.0}
    assert score == 25.0 and abs(sum(p for _, p in reasons) - score) < 1e-9
    assert set(DEFAULT_WEIGHTS) >= {name for name, _ in reasons}


@pytest.mark.parametrize(
    "rules",
    [
        Rules(),
        Rules(repeat_pairs="penalize", same_department="allow", min_grade_gap=None),
        Rules(weights={"goals": 33.3, "timezone": 7.77, "language": 0.01}, common_language=False, min_score=40),
    ],
)
def test_one_pair_vectorised_and_fast_scores_agree_on_every_pair(rules):
    data = generate(40, 90, seed=5, two_mentor_share=0.2)
    rng = random.Random(1)
    for person in data["leaders"] + data["mentors"]:  # blank some fields: rules apply only where both have them
        for key in ("department", "grade", "languages", "timezone", "formats", "location", "goals", "skills"):
            if key in person and rng.random() < 0.15:
                del person[key]
    problem = problem_from_dict(data)
    problem = type(problem)(
        problem.leaders, problem.mentors, problem.org, None, problem.forbidden, (), problem.history, rules
    )
    feats = build_features(problem)
    rows = np.arange(len(feats.leaders.ids))
    grid = sum(grid_cents(Grid(feats, rows), rules).values()) / 100
    li, mj = (a.ravel() for a in np.meshgrid(rows, np.arange(len(feats.mentors.ids)), indexing="ij"))
    listed = sum(grid_cents(Pairs(feats, li, mj), rules).values()) / 100
    assert np.array_equal(grid.ravel(), listed)
    by_id = {p.id: p for p in (*problem.leaders, *problem.mentors)}
    history = set(problem.history)
    one = [
        [score_pair(by_id[a], by_id[b], rules, (a, b) in history)[0] for b in feats.mentors.ids]
        for a in feats.leaders.ids
    ]
    assert np.array_equal(np.array(one), grid)
    fast = FastScorer(feats, rules).block(rows)
    assert np.array_equal(fast, evaluate(Grid(feats, rows), rules))
    assert np.isfinite(fast).any() and not np.isfinite(fast).all()


def test_fast_scorer_falls_back_to_the_reference_when_profiles_are_too_many(monkeypatch):
    import matching.fast as fast

    problem = problem_from_dict(generate(15, 30, seed=2))
    feats = build_features(problem)
    monkeypatch.setattr(fast, "TABLE_LIMIT", 1)
    scorer = fast.FastScorer(feats, problem.rules)
    assert scorer.factors is None
    rows = np.arange(15)
    assert np.array_equal(scorer.block(rows), evaluate(Grid(feats, rows), problem.rules))


def test_fast_scorer_uses_one_table_per_criterion_group_when_the_combined_table_is_too_big(monkeypatch):
    import matching.fast as fast

    problem = problem_from_dict(generate(30, 60, seed=4))
    feats = build_features(problem)
    combined = fast.FastScorer(feats, problem.rules).factors[0].table.size
    monkeypatch.setattr(fast, "TABLE_LIMIT", combined - 1)
    scorer = fast.FastScorer(feats, problem.rules)
    assert scorer.factors is not None and len(scorer.factors) == len(fast.GROUPS)
    rows = np.arange(30)
    assert np.array_equal(scorer.block(rows), evaluate(Grid(feats, rows), problem.rules))


def test_candidates_scored_on_two_threads_equal_those_scored_on_one():
    from matching import candidates
    from matching.candidates import top_candidates

    problem = problem_from_dict(generate(300, 120, seed=6))  # crowded: mentors keep their best leaders too
    scorer = FastScorer(build_features(problem), problem.rules)
    one, two = top_candidates(scorer, 3, threads=1), top_candidates(scorer, 3, threads=2)
    for name in ("li", "mj", "score", "theta", "compatible", "best_abs"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
    assert candidates.mentor_side_k(scorer.feats, 3) > 0
