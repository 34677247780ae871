"""`python -m matching graph SESSIONS.json`: the metrics as JSON, and a one-sentence error for bad input."""

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from matching.graph import metrics_from_json

ROOT = Path(__file__).resolve().parents[2]
PROGRAMME = {
    "people": [
        {"id": "L1", "role": "leader", "department": "Sales"},
        {"id": "M1", "role": "mentor", "department": "IT"},
    ],
    "pairs": [{"leader": "L1", "mentor": "M1", "started": "2024-05-01", "goals": ["video"]}],
    "sessions": [
        {"leader": "L1", "mentor": "M1", "date": "2024-05-31", "status": "held", "minutes": 45,
         "skills": ["video"], "ratings": {"leader": 5, "mentor": 4},
         "proposed_at": "2024-05-20T09:00:00Z", "answered_at": "2024-05-20T15:00:00Z"},
    ],
}  # fmt: skip


def _run(tmp_path: Path, data, *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "SESSIONS.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "matching", "graph", str(path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_prints_the_metrics_as_json(tmp_path):
    done = _run(tmp_path, PROGRAMME, "--as-of", "2024-06-30", "--stall-days", "30", "--min-sessions", "1")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == metrics_from_json(PROGRAMME, dt.date(2024, 6, 30), stall_days=30, min_sessions=1)
    pair = result["pairs"][0]
    assert (pair["days_since"], pair["stalled"], pair["median_response_hours"]) == (30, False, 6.0)
    assert result["programme"]["leaders_met_min_sessions"] == 1.0


def test_options_change_the_verdict(tmp_path):
    done = _run(tmp_path, PROGRAMME, "--as-of", "2024-06-30", "--stall-days", "29", "--min-sessions", "2")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["pairs"][0]["stalled"] is True
    assert result["programme"]["leaders_met_min_sessions"] == 0.0


def test_defaults_are_today_30_days_and_3_sessions(tmp_path):
    before = dt.date.today()
    done = _run(tmp_path, PROGRAMME)
    after = dt.date.today()
    assert done.returncode == 0, done.stderr
    programme = json.loads(done.stdout)["programme"]
    assert programme["as_of"] in {before.isoformat(), after.isoformat()}
    assert (programme["stall_days"], programme["min_sessions"]) == (30, 3)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["sessions"][0].update(status="done"), "sessions[0].status"),
        (lambda d: d["sessions"][0]["ratings"].update(leader=9), "sessions[0].ratings.leader"),
        (lambda d: d["pairs"][0].update(leader="L9"), "pairs[0].leader"),
        (lambda d: d["sessions"][0].update(mentor="M9"), "sessions[0]"),
    ],
)
def test_invalid_input_exits_2_with_one_sentence_naming_the_field(tmp_path, change, field):
    data = json.loads(json.dumps(PROGRAMME))
    change(data)
    done = _run(tmp_path, data, "--as-of", "2024-06-30")
    assert done.returncode == 2
    assert done.stdout == ""
    message = done.stderr.strip()
    assert field in message and "Traceback" not in message
    assert len(message.splitlines()) == 1


@pytest.mark.parametrize(
    ("data", "args", "mention"),
    [
        ("{not json", (), "sessions"),
        ([], (), "sessions"),
        (PROGRAMME, ("--as-of", "30/06/2024"), "--as-of"),
        (PROGRAMME, ("--stall-days", "-1"), "--stall-days"),
    ],
)
def test_unreadable_files_and_bad_options_exit_2(tmp_path, data, args, mention):
    done = _run(tmp_path, data, *args)
    assert done.returncode == 2
    assert mention in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
