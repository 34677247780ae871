"""`flask --app mentoring match COHORT`: the same run as the page, from the terminal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import AuditEvent, Cohort, MatchRun
from tests.mentoring.programme_fixtures import BRANDING


def run_count() -> int:
    return db.session.execute(select(func.count(MatchRun.id))).scalar_one()


@pytest.mark.parametrize("by", ["id", "name"])
def test_match_prints_a_summary_table(app, programme, make_leader, by):
    # Given a cohort with a leader nobody can take (no common language)
    make_leader(programme.cohort, goals=[(BRANDING, 3, 4)], name="Una Matched", languages=["de"])
    cohort = str(programme.cohort.id) if by == "id" else "Spring 2027"
    # When the manager runs the command
    result = app.test_cli_runner().invoke(args=["match", cohort])
    # Then it succeeds and prints the status, the counts, the pairs and the unmatched leader with the reason
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Solver status: optimal in" in out
    assert "Matched: 3 of 4 leaders; total score" in out
    assert "Lena Lead" in out and "Ada Brand" in out
    assert "Unmatched leader" in out and "Una Matched" in out and "language" in out
    # And the run is stored like a page run, by nobody in particular, and audited as the command line
    run = db.session.execute(select(MatchRun)).scalar_one()
    assert run.run_by_id is None and db.session.get(Cohort, programme.cohort.id).status == "matched"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "matching.run")).scalar_one()
    assert "command line" in event.detail and event.actor_id is None


@pytest.mark.parametrize("name", ["Winter 2030", "999", "0", "spring 2027 "])
def test_an_unknown_cohort_is_one_plain_sentence_and_a_failure(app, programme, name):
    result = app.test_cli_runner().invoke(args=["match", name])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "There is no cohort with the id or name" in lines[0]
    assert run_count() == 0


def test_a_run_in_progress_stops_the_command(app, programme):
    db.session.execute(
        update(Cohort)
        .where(Cohort.id == programme.cohort.id)
        .values(run_token="page-run", run_started_at=utcnow() - timedelta(seconds=30))
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["match", str(programme.cohort.id)])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "in progress" in lines[0]
    assert run_count() == 0
