"""The independent checker: it agrees with solve on generated instances and catches each kind of violation."""

import dataclasses

import pytest

from matching import Goal, Leader, Mentor, Pair, Problem, Rules, solve
from matching.check import check
from matching.generate import generate
from matching.io import problem_from_dict


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    "rules",
    [
        {},
        {"objective": "score", "min_score": 30},
        {"max_per_department_per_mentor": 1, "repeat_pairs": "penalize"},
        {"same_department": "allow", "reporting_line": "allow", "common_language": False, "min_grade_gap": 2},
    ],
)
def test_check_agrees_with_solve_on_generated_instances(seed, rules):
    data = generate(50, 40, seed=seed, two_mentor_share=0.2)
    data["rules"] = rules
    problem = problem_from_dict(data)
    solution = solve(problem, top_k=3)
    assert check(problem, solution) == []


def base() -> tuple[Problem, object]:
    leaders = (Leader("L1", department="Sales", goals=(Goal("video", 3, 4),)), Leader("L2", department="Sales"))
    mentors = (Mentor("M1", skills={"video": 4}, capacity=2), Mentor("M2"))
    problem = Problem(leaders, mentors, pinned=(("L2", "M2"),), rules=Rules(max_per_department_per_mentor=1))
    return problem, solve(problem)


def test_a_correct_solution_passes():
    problem, solution = base()
    assert check(problem, solution) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda s: dataclasses.replace(s, pairs=(dataclasses.replace(s.pairs[0], score=59.0), *s.pairs[1:])),
            "pairs[0] (L1, M1): score 59 differs from the 60 the rules give.",
        ),
        (
            lambda s: dataclasses.replace(s, pairs=(dataclasses.replace(s.pairs[0], reasons=()), *s.pairs[1:])),
            "pairs[0] (L1, M1): the reasons add up to 0, not to the score 60.",
        ),
        (
            lambda s: dataclasses.replace(s, pairs=s.pairs[:1], matched=1, total_score=60.0),
            "pinned[0] (L2, M2): the pinned pair is missing.",
        ),
        (
            lambda s: dataclasses.replace(s, pairs=(*s.pairs[:1], Pair("L2", "M1", 0.0)), total_score=60.0),
            "mentor M1: 2 leaders from department 'Sales' exceed max_per_department_per_mentor = 1.",
        ),
        (
            lambda s: dataclasses.replace(s, pairs=(*s.pairs, Pair("L1", "M2", 0.0))),
            "leader L1: 2 mentors exceed mentors_wanted = 1.",
        ),
        (
            lambda s: dataclasses.replace(s, total_score=1.0),
            "total_score 1 differs from the sum of the pair scores, 60.",
        ),
        (
            lambda s: dataclasses.replace(s, mentors=(dataclasses.replace(s.mentors[0], load=2), *s.mentors[1:])),
            "mentor M1: load is reported as 2 but 1 leaders are paired with them.",
        ),
        (lambda s: dataclasses.replace(s, pairs=(*s.pairs, s.pairs[0])), "pairs[2] (L1, M1): the pair appears twice."),
    ],
)
def test_each_violation_is_reported_in_one_sentence(change, expected):
    problem, solution = base()
    assert expected in check(problem, change(solution))
