"""python -m matching: exit codes (0 solved, 1 check found violations, 2 bad input) and what is printed."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from matching.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "leaders": [{"id": "L1", "goals": [{"skill": "video", "priority": 3, "level": 4}]}, {"id": "L2"}],
    "mentors": [{"id": "M1", "skills": {"video": 4}, "capacity": 1}],
}


def write(tmp_path: Path, name: str, data) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "matching", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_solve_prints_the_solution_json_and_exits_0_even_with_unmatched_leaders(tmp_path):
    done = run("solve", write(tmp_path, "p.json", GOOD))
    assert done.returncode == 0, done.stderr
    solution = json.loads(done.stdout)
    assert solution["status"] == "optimal" and solution["matched"] == 1
    assert solution["pairs"] == [
        {
            "leader": "L1",
            "mentor": "M1",
            "score": 60,
            "pinned": False,
            "reasons": [{"criterion": "goals", "points": 60}],
        }
    ]
    assert solution["unmatched"][0]["leader"] == "L2"
    assert solution["mentors"] == [{"mentor": "M1", "load": 1, "capacity": 1}]
    assert {"candidates", "solver", "times"} <= set(solution["stats"])


def test_solve_writes_the_file_and_the_output_is_byte_identical_across_runs(tmp_path, capsys):
    problem = write(tmp_path, "p.json", GOOD)
    out1, out2 = tmp_path / "s1.json", tmp_path / "s2.json"
    assert main(["solve", problem, "-o", str(out1)]) == 0
    assert "optimal: 1 of 2 leaders matched" in capsys.readouterr().out
    assert main(["solve", problem, "-o", str(out2)]) == 0
    strip = lambda p: {k: v for k, v in json.loads(p.read_text()).items() if k != "stats"}  # noqa: E731
    assert strip(out1) == strip(out2)
    assert main(["check", problem, str(out1)]) == 0
    assert "OK: 1 pair(s) checked" in capsys.readouterr().out


BAD = [
    ({**GOOD, "pinned": [{"leader": "L1", "mentor": "M99"}]}, "pinned[0].mentor: unknown mentor id 'M99'."),
    (
        {**GOOD, "leaders": [{"id": "L1", "goals": [{"skill": "video", "level": 7}]}]},
        "leaders[0].goals[0].level: must be a whole number from 1 to 5, got 7.",
    ),
    ({**GOOD, "mentors": [{"id": "M1"}, {"id": "M1"}]}, "mentors[1].id: duplicate id 'M1'"),
    ('{"leaders": [', "is not valid JSON (line 1, column 14"),
    (
        {**GOOD, "pinned": [{"leader": "L1", "mentor": "M1"}, {"leader": "L2", "mentor": "M1"}]},
        "pinned[1]: mentor 'M1' has capacity 1 and is already pinned to 'L1'",
    ),
]


@pytest.mark.parametrize(
    ("data", "message"), BAD, ids=["unknown-pin-id", "level-7", "duplicate-id", "malformed", "pin-capacity"]
)
def test_bad_input_exits_2_with_one_sentence_naming_the_field(tmp_path, capsys, data, message):
    assert main(["solve", write(tmp_path, "p.json", data)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err and len(captured.err.strip().splitlines()) == 1


def test_the_real_entry_point_exits_2_on_bad_input_without_a_traceback(tmp_path):
    done = run("solve", write(tmp_path, "p.json", BAD[1][0]))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == BAD[1][1]


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["solve", str(tmp_path / "nope.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_check_prints_each_violation_and_exits_1(tmp_path, capsys):
    problem = write(
        tmp_path,
        "p.json",
        {**GOOD, "leaders": GOOD["leaders"] + [{"id": "L3"}], "forbidden": [{"leader": "L2", "mentor": "M1"}]},
    )
    bad = {
        "status": "optimal",
        "matched": 3,
        "total_score": 60,
        "pairs": [
            {
                "leader": "L1",
                "mentor": "M1",
                "score": 60,
                "pinned": False,
                "reasons": [{"criterion": "goals", "points": 60}],
            },
            {"leader": "L2", "mentor": "M1", "score": 0, "pinned": False, "reasons": []},
            {"leader": "L3", "mentor": "M7", "score": 0, "pinned": False, "reasons": []},
        ],
    }
    assert main(["check", problem, write(tmp_path, "s.json", bad)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert "pairs[1] (L2, M1): is forbidden." in lines
    assert "pairs[2] (L3, M7): unknown mentor id 'M7'." in lines
    assert "mentor M1: 2 leaders exceed the capacity of 1." in lines
    assert "matched is 3 but 2 leaders have a mentor." in lines


def test_generate_is_reproducible_and_solvable(tmp_path, capsys):
    assert main(["generate", "--leaders", "12", "--mentors", "20", "--seed", "4"]) == 0
    first = capsys.readouterr().out
    assert main(["generate", "--leaders", "12", "--mentors", "20", "--seed", "4"]) == 0
    assert capsys.readouterr().out == first
    data = json.loads(first)
    assert len(data["leaders"]) == 12 and len(data["mentors"]) == 20 and data["org"]
    path = write(tmp_path, "p.json", first)
    assert main(["solve", path, "-o", str(tmp_path / "s.json")]) == 0
    assert main(["check", path, str(tmp_path / "s.json")]) == 0


def test_graph_reports_bad_files_and_dates_as_one_sentence(tmp_path, capsys):
    assert main(["graph", str(tmp_path / "missing.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["graph", write(tmp_path, "s.json", "{not json")]) == 2
    assert "is not valid JSON" in capsys.readouterr().err
    assert (
        main(["graph", write(tmp_path, "s.json", {"people": [], "pairs": [], "sessions": []}), "--as-of", "yesterday"])
        == 2
    )
    assert capsys.readouterr().err.strip() == "--as-of: 'yesterday' is not a date in the form YYYY-MM-DD."


def test_graph_prints_the_metrics_from_the_graph_module(tmp_path, capsys):
    empty = {"people": [], "pairs": [], "sessions": []}
    assert main(["graph", write(tmp_path, "s.json", empty), "--as-of", "2024-06-30"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"pairs", "mentors", "departments", "programme"} <= set(result)


def test_separate_processes_with_different_hash_seeds_print_the_same_pairs_and_unmatched(tmp_path):
    problem = tmp_path / "p.json"
    assert main(["generate", "--leaders", "30", "--mentors", "25", "--seed", "9", "-o", str(problem)]) == 0
    outputs = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-m", "matching", "solve", str(problem)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin"},
        )
        data = json.loads(done.stdout)
        outputs.append(json.dumps([data["pairs"], data["unmatched"]]))
    assert outputs[0] == outputs[1]


def test_solve_can_write_the_model_as_an_lp_file_with_readable_names(tmp_path):
    lp = tmp_path / "model.lp"
    done = run("solve", write(tmp_path, "p.json", GOOD), "--write-lp", str(lp))
    assert done.returncode == 0, done.stderr
    text = lp.read_text()
    assert "x(L1,M1)" in text and "capacity(M1)" in text and "leader_slots(L1)" in text
    assert json.loads(done.stdout)["status"] == "optimal"
