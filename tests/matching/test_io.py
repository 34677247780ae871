"""The Solution JSON format and the file helpers."""

import json

from matching import Leader, Mentor, Problem, dump_solution, load_problem, solution_to_dict, solve
from matching.io import problem_to_dict, solution_from_dict


def test_solution_json_has_the_documented_keys_and_round_trips(tmp_path):
    problem = Problem((Leader("L1"), Leader("L2")), (Mentor("M1"),), scores=(("L1", "M1", 2.5),))
    solution = solve(problem)
    data = solution_to_dict(solution)
    assert list(data) == [
        "status",
        "objective",
        "gap",
        "reason",
        "matched",
        "total_score",
        "pairs",
        "unmatched",
        "mentors",
        "stats",
    ]
    assert data["pairs"] == [
        {
            "leader": "L1",
            "mentor": "M1",
            "score": 2.5,
            "pinned": False,
            "reasons": [{"criterion": "given", "points": 2.5}],
        }
    ]
    assert data["unmatched"][0]["leader"] == "L2" and data["unmatched"][0]["unfilled"] == 1
    path = tmp_path / "s.json"
    dump_solution(solution, path)
    again = solution_from_dict(json.loads(path.read_text()))
    assert again.pairs == solution.pairs and again.unmatched == solution.unmatched and again.mentors == solution.mentors


def test_load_problem_reads_what_problem_to_dict_writes(tmp_path):
    problem = Problem(
        (Leader("L1", department="Sales", languages=("English",)),),
        (Mentor("M1", skills={"x": 3}),),
        org=(("M1", "Boss"),),
        history=(("L1", "M1"),),
    )
    path = tmp_path / "p.json"
    path.write_text(json.dumps(problem_to_dict(problem)))
    assert load_problem(path) == problem
