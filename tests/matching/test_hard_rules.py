"""Each hard rule alone: it removes the pair, the unmatched reason says so, and it applies only where both people
carry the field it needs."""

import pytest

from matching import Goal, Leader, Mentor, Problem, Rules, solve
from matching.check import check

SKILLED = {"skills": {"video": 4}}
WANTS = {"goals": (Goal("video", 3, 4),)}


def one_pair(leader_kw=None, mentor_kw=None, rules=None, **problem_kw) -> Problem:
    leader = Leader("L1", **{**WANTS, **(leader_kw or {})})
    mentor = Mentor("M1", **{**SKILLED, **(mentor_kw or {})})
    return Problem((leader,), (mentor,), rules=rules or Rules(), **problem_kw)


CASES = [
    ("same_department", {"department": "Sales"}, {"department": " sales "}, {}, {}, "work in the same department"),
    ("reporting_line (mentor above)", {"manager": "X"}, {}, {}, {"org": {"X": "M1"}}, "reporting line"),
    ("reporting_line (leader above)", {}, {"manager": "P7"}, {}, {"org": {"P7": "L1"}}, "reporting line"),
    ("grade_gap", {"grade": 5}, {"grade": 5}, {}, {}, "not at least 1 grade below"),
    ("common_language", {"languages": ("French",)}, {"languages": ("German",)}, {}, {}, "share no language"),
    ("repeat_pairs", {}, {}, {}, {"history": (("L1", "M1"),)}, "earlier cohort"),
    ("forbidden", {}, {}, {}, {"forbidden": (("L1", "M1"),)}, "forbidden"),
    ("min_score", {}, {}, {"min_score": 99}, {}, "below the minimum score of 99"),
    ("no_places", {}, {"capacity": 0}, {}, {}, "capacity 0"),
]


@pytest.mark.parametrize(
    ("rule", "leader_kw", "mentor_kw", "rules_kw", "problem_kw", "phrase"), CASES, ids=[c[0] for c in CASES]
)
def test_rule_removes_the_pair_and_the_reason_names_it(rule, leader_kw, mentor_kw, rules_kw, problem_kw, phrase):
    problem = one_pair(leader_kw, mentor_kw, Rules(**rules_kw), **problem_kw)
    solution = solve(problem)
    assert solution.pairs == () and solution.status == "optimal"
    (unmatched,) = solution.unmatched
    assert unmatched.leader == "L1" and unmatched.unfilled == 1
    assert unmatched.reason.startswith("No mentor passes the rules: of 1 mentor, 1 ")
    assert phrase in unmatched.reason


@pytest.mark.parametrize(
    ("rules_kw", "leader_kw", "mentor_kw", "problem_kw"),
    [
        ({"same_department": "allow"}, {"department": "Sales"}, {"department": "Sales"}, {}),
        ({"reporting_line": "allow"}, {"manager": "M1"}, {}, {}),
        ({"min_grade_gap": None}, {"grade": 5}, {"grade": 5}, {}),
        ({"min_grade_gap": 0}, {"grade": 5}, {"grade": 5}, {}),
        ({"common_language": False}, {"languages": ("French",)}, {"languages": ("German",)}, {}),
        ({"repeat_pairs": "allow"}, {}, {}, {"history": (("L1", "M1"),)}),
        ({"repeat_pairs": "penalize"}, {}, {}, {"history": (("L1", "M1"),)}),
    ],
)
def test_relaxed_rule_allows_the_pair(rules_kw, leader_kw, mentor_kw, problem_kw):
    solution = solve(one_pair(leader_kw, mentor_kw, Rules(**rules_kw), **problem_kw))
    assert [(p.leader, p.mentor) for p in solution.pairs] == [("L1", "M1")]


@pytest.mark.parametrize(
    ("leader_kw", "mentor_kw"),
    [({"department": "Sales"}, {}), ({"grade": 5}, {}), ({}, {"grade": 9}), ({"languages": ("French",)}, {})],
)
def test_rule_applies_only_where_both_people_carry_the_field(leader_kw, mentor_kw):
    solution = solve(one_pair(leader_kw, mentor_kw))
    assert len(solution.pairs) == 1


def test_reporting_line_is_followed_to_any_depth_through_people_outside_the_problem():
    org = {"A": "B", "B": "C", "C": "M1"}
    assert solve(one_pair({"manager": "A"}, {}, org=org)).pairs == ()
    assert solve(one_pair({}, {"manager": "A"}, org={"A": "B", "B": "L1"})).pairs == ()
    assert len(solve(one_pair({"manager": "A"}, {"manager": "B"}, org={"A": "B", "B": "C"})).pairs) == 1


def test_checker_reports_the_same_rules_the_solver_enforces():
    for rule, leader_kw, mentor_kw, rules_kw, problem_kw, _ in CASES:
        problem = one_pair(leader_kw, mentor_kw, Rules(**rules_kw), **problem_kw)
        relaxed = solve(
            Problem(
                problem.leaders,
                problem.mentors,
                problem.org,
                None,
                (),
                (),
                (),
                Rules(
                    same_department="allow",
                    reporting_line="allow",
                    min_grade_gap=None,
                    common_language=False,
                    repeat_pairs="allow",
                    min_score=None,
                ),
            )
        )
        if rule == "no_places":
            assert relaxed.pairs == ()
            continue
        assert check(problem, relaxed), rule
