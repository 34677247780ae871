"""solve(): pins, pin errors naming both ids, unmatched reasons, objectives, loads, determinism."""

import random

import pytest
from matching_cases import pairs_and_unmatched

from matching import Goal, InputError, Leader, Mentor, Problem, Rules, solve
from matching.generate import generate
from matching.io import problem_from_dict

VIDEO = (Goal("video", 3, 4),)


def people(n: int, m: int, capacity: int = 1) -> tuple[tuple[Leader, ...], tuple[Mentor, ...]]:
    leaders = tuple(Leader(f"L{i}", goals=VIDEO) for i in range(1, n + 1))
    mentors = tuple(Mentor(f"M{j}", skills={"video": j}, capacity=capacity) for j in range(1, m + 1))
    return leaders, mentors


def test_pinned_pairs_are_always_in_the_solution_and_flagged():
    leaders, mentors = people(2, 2)
    solution = solve(Problem(leaders, mentors, pinned=(("L1", "M1"),)))
    pairs = {(p.leader, p.mentor): p for p in solution.pairs}
    assert pairs["L1", "M1"].pinned and not pairs["L2", "M2"].pinned


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        (
            {"pinned": (("L1", "M1"), ("L2", "M1"))},
            "pinned[1]: mentor 'M1' has capacity 1 and is already pinned to 'L1'",
        ),
        (
            {"pinned": (("L1", "M1"),), "forbidden": (("L1", "M1"),)},
            "pinned[0]: leader 'L1' and mentor 'M1' are also listed in forbidden",
        ),
        (
            {"pinned": (("L1", "M1"), ("L1", "M2"))},
            "pinned[1]: leader 'L1' wants 1 mentor(s) and is already pinned to 'M1'",
        ),
        (
            {"pinned": (("L1", "M1"),), "history": (("L1", "M1"),)},
            "pinned[0]: leader 'L1' and mentor 'M1' were paired in an earlier cohort",
        ),
    ],
)
def test_a_pin_that_breaks_capacity_or_a_forbid_is_an_input_error_naming_both(kw, message):
    leaders, mentors = people(2, 2)
    with pytest.raises(InputError) as caught:
        solve(Problem(leaders, mentors, **kw))
    assert message in str(caught.value)


def test_a_pin_that_breaks_a_hard_rule_names_the_rule():
    leaders = (Leader("L1", department="Sales", grade=3),)
    mentors = (Mentor("M1", department="Sales", grade=2), Mentor("M2", grade=3))
    with pytest.raises(InputError, match="'L1' and mentor 'M1' work in the same department"):
        solve(Problem(leaders, mentors, pinned=(("L1", "M1"),)))
    with pytest.raises(InputError, match=r"'L1' and mentor 'M2' are fewer than rules\.min_grade_gap = 1 grades apart"):
        solve(Problem(leaders, mentors, pinned=(("L1", "M2"),)))
    with pytest.raises(InputError, match=r"pinned\[1\]: mentor 'M1' is already pinned to 'L1' from Sales"):
        two = (Leader("L1", department="Sales"), Leader("L2", department="Sales"))
        rules = Rules(same_department="allow", max_per_department_per_mentor=1)
        solve(Problem(two, (Mentor("M1", capacity=2),), pinned=(("L2", "M1"), ("L1", "M1"))[::-1], rules=rules))


def test_unmatched_reason_says_every_compatible_mentor_was_full():
    leaders, mentors = people(3, 2)
    solution = solve(Problem(leaders, mentors))
    (unmatched,) = solution.unmatched
    assert unmatched.reason == "All 2 compatible mentors (M1, M2) are already at capacity with other leaders."
    assert [(x.mentor, x.load, x.capacity) for x in solution.mentors] == [("M1", 1, 1), ("M2", 1, 1)]


def test_unmatched_reason_names_the_department_cap():
    leaders = tuple(Leader(f"L{i}", department="Sales") for i in (1, 2))
    mentors = (Mentor("M1", department="IT", capacity=2),)
    solution = solve(Problem(leaders, mentors, rules=Rules(max_per_department_per_mentor=1)))
    assert len(solution.pairs) == 1
    assert "already have 1 leader(s) from Sales" in solution.unmatched[0].reason


def test_a_leader_wanting_two_mentors_who_gets_one_is_told_why():
    leaders = (Leader("L1", mentors_wanted=2, department="Sales"),)
    mentors = (Mentor("M1"), Mentor("M2", department="Sales"))
    solution = solve(Problem(leaders, mentors))
    assert [p.mentor for p in solution.pairs] == ["M1"]
    (short,) = solution.unmatched
    assert short.unfilled == 1 and short.reason == "Wanted 2 mentors, got 1: no other mentor passes the rules."


def test_coverage_matches_more_leaders_than_score_when_they_conflict():
    # L1 scores high with both mentors; L2 only fits M1. Score: L1-M1 (+ nothing for L2 via M2? it cannot).
    scores = (("L1", "M1", 10.0), ("L1", "M2", 1.0), ("L2", "M1", 8.0))
    leaders, mentors = (Leader("L1"), Leader("L2")), (Mentor("M1"), Mentor("M2"))
    best_total = solve(Problem(leaders, mentors, scores=scores, rules=Rules(objective="score")))
    most_leaders = solve(Problem(leaders, mentors, scores=scores, rules=Rules(objective="coverage")))
    assert (best_total.matched, best_total.total_score) == (2, 11.0) or best_total.total_score >= 10.0
    assert (most_leaders.matched, most_leaders.total_score) == (2, 9.0)
    assert best_total.total_score >= most_leaders.total_score
    only = solve(Problem(leaders, (Mentor("M1"),), scores=scores[::2], rules=Rules(objective="score")))
    assert [(p.leader, p.mentor) for p in only.pairs] == [("L1", "M1")]


def test_given_scores_are_the_only_candidates_and_are_explained_as_given():
    leaders, mentors = people(3, 2)
    solution = solve(Problem(leaders, mentors, scores=(("L1", "M2", 7.5), ("L2", "M2", 3.0))))
    assert [(p.leader, p.mentor, p.score, p.reasons) for p in solution.pairs] == [("L1", "M2", 7.5, (("given", 7.5),))]
    reasons = {u.leader: u.reason for u in solution.unmatched}
    assert reasons["L2"] == "The only compatible mentor (M2) is already at capacity with other leaders."
    assert reasons["L3"] == "No mentor passes the rules: of 2 mentors, 2 have no score with this leader in scores."


def test_pairs_are_sorted_in_natural_id_order_and_stats_are_reported():
    leaders = tuple(Leader(f"L{i}") for i in (10, 2, 1))
    mentors = tuple(Mentor(f"M{j}") for j in (3, 20, 1))
    solution = solve(Problem(leaders, mentors))
    assert [p.leader for p in solution.pairs] == ["L1", "L2", "L10"]
    assert [x.mentor for x in solution.mentors] == ["M1", "M3", "M20"]
    assert solution.stats["solver"] == "OR-Tools min-cost flow" and solution.stats["model"] == "network flow"
    assert solution.stats["candidates"] == 9
    assert set(solution.stats["times"]) >= {"scoring_s", "model_s", "solve_s", "total_s"}


def test_the_same_input_gives_byte_identical_pairs_and_unmatched_whatever_the_input_order():
    data = generate(40, 30, seed=11, two_mentor_share=0.3)
    first = pairs_and_unmatched(solve(problem_from_dict(data)))
    assert pairs_and_unmatched(solve(problem_from_dict(data))) == first
    rng = random.Random(3)
    rng.shuffle(data["leaders"])
    rng.shuffle(data["mentors"])
    assert pairs_and_unmatched(solve(problem_from_dict(data))) == first


def test_empty_problems_solve():
    assert solve(Problem((), ())).status == "optimal"
    lonely = solve(Problem((Leader("L1"),), ()))
    assert lonely.unmatched[0].reason == "There are no mentors in this problem."
    assert solve(Problem((), (Mentor("M1"),))).mentors[0].load == 0


@pytest.mark.parametrize(("n", "m", "rules"), [(2000, 1000, {}), (600, 150, {"max_per_department_per_mentor": 1})])
def test_crowded_cohorts_are_proven_optimal_and_byte_identical_whatever_the_input_order(n, m, rules):
    data = generate(n, m, seed=5, two_mentor_share=0.2)
    data["rules"] = rules
    first = solve(problem_from_dict(data))
    assert first.status == "optimal" and first.matched < n  # places are scarce: not everyone can be matched
    rng = random.Random(8)
    rng.shuffle(data["leaders"])
    rng.shuffle(data["mentors"])
    assert pairs_and_unmatched(solve(problem_from_dict(data))) == pairs_and_unmatched(first)
