"""The health dashboard reads a stored summary computed by a job; a change marks it stale and queues a recompute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

import matching.graph
from mentoring.extensions import db
from mentoring.models import HealthSummary, Person
from mentoring.models.health import cohort_scope
from mentoring.services.infra import jobs
from mentoring.services.readmodels import health_figures
from mentoring.services.usecases import health_summary, past_sessions
from tests.conftest import login
from tests.mentoring.queue_helpers import queue_settings

PAIRS = 2_000
MOST_STATEMENTS = 15  # a per-row query, or computing the cohort, would run far more at this size


def _no_whole_cohort(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make computing a cohort's metrics fail loudly: a page must only read the stored summary."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a page computed the whole cohort's metrics")

    monkeypatch.setattr(health_figures, "cohort_figures", refuse)
    monkeypatch.setattr(matching.graph, "session_metrics", refuse)


def _statements(action) -> list[str]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return seen


def _summary(cohort_id: int) -> HealthSummary | None:
    db.session.commit()
    scope = cohort_scope(cohort_id)
    return db.session.execute(select(HealthSummary).where(HealthSummary.scope == scope)).scalar_one_or_none()


@pytest.fixture
def published(app, make_manager, password_hash):
    """A published cohort of 2,000 pairs with a session each, loaded in bulk, and a manager."""
    from mentoring.services.demo import company as loader
    from mentoring.services.usecases import publishing

    manager = make_manager()
    cohort = loader.load_cohort(PAIRS, PAIRS, seed=9, password_hash=password_hash)
    loader.fake_run(cohort, run_by_id=manager.id)
    publishing.publish(manager, cohort.cohort_id, deliver=False)
    loader.add_sessions(cohort.cohort_id, per_pair=1)
    return manager, cohort.cohort_id


def test_the_dashboard_reads_the_stored_summary_in_a_few_statements(published, login_as, monkeypatch):
    # Given 2,000 published pairs whose summary the job has computed (inline in tests)
    manager, cohort_id = published
    client = login_as(manager)
    assert 'id="stat-pairs">2000<' in client.get(f"/programme/health/{cohort_id}").text
    summary = _summary(cohort_id)
    assert summary is not None and not summary.stale and summary.figures["programme"]["pairs"] == PAIRS
    # And the stored figures say something only the stored row can say
    summary.figures = {**summary.figures, "programme": {**summary.figures["programme"], "held": 987_654}}
    db.session.commit()
    _no_whole_cohort(monkeypatch)
    # When the manager looks at the dashboard: sorted, filtered, searched, on a later page
    for query in ("", "?sort=mean_rating_by_leader&dir=desc", "?status=attention", "?q=a&page=3", "?page=40"):
        url = f"/programme/health/{cohort_id}{query}"
        statements = _statements(lambda url=url: client.get(url))
        page = client.get(url)
        # Then it answers from the stored summary, in a handful of statements, within the page budget
        assert page.status_code == 200, url
        assert len(statements) <= MOST_STATEMENTS, (url, len(statements))
        assert 'id="stat-held">987654<' in page.text and "Computed at" in page.text, url
        assert len(page.data) < 300_000, url
    # And the overview reads stored summaries too
    statements = _statements(lambda: client.get("/programme/health/"))
    assert len(statements) <= MOST_STATEMENTS and "987654" in client.get("/programme/health/").text


@pytest.fixture
def queued_app(make_app, tmp_path, app):
    """An app whose jobs wait on a real queue (SQLite file) until the test runs them, with no delay."""
    queued = make_app(**queue_settings("sqlite", tmp_path, "health-summary"), HEALTH_SUMMARY_DELAY_S=0)
    with queued.app_context():
        yield queued
        jobs.queue_of(queued).huey.flush()


def _run_queued(app) -> int:
    """Run every job waiting on the app's queue, as a consumer would; how many ran."""
    huey = jobs.queue_of(app).huey
    db.session.commit()  # the test's own transaction (SQLite: its write lock) ends before the consumer writes
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    # The consumer wrote in its own session: the test's (shared with its requests) starts afresh to see it.
    db.session.commit()
    return ran


def test_a_held_session_marks_the_summary_stale_and_the_job_brings_it_up_to_date(
    queued_app, make_pair, add_meeting, make_manager, monkeypatch
):
    # Given a published pair with two held sessions, and a manager signed in
    today = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    match = make_pair(published_at=today - timedelta(days=40))
    add_meeting(match, today - timedelta(days=30))
    add_meeting(match, today - timedelta(days=20))
    client = queued_app.test_client()
    login(client, make_manager())
    url = f"/programme/health/{match.cohort_id}"
    # When the manager opens the dashboard before any summary exists
    with monkeypatch.context() as patched:
        _no_whole_cohort(patched)
        page = client.get(url).text
        overview = client.get("/programme/health/").text
    # Then the page says it is being computed (nothing computed in the request) and a job waits
    assert "The summary is being computed" in page and 'id="stat-held"' not in page
    assert "The summary is being computed; refresh in a moment." in overview
    assert jobs.queue_of(queued_app).huey.pending_count() >= 1
    # When the consumer runs it
    assert _run_queued(queued_app) >= 1
    # Then the page shows the figures and when they were computed
    page = client.get(url).text
    assert 'id="stat-held">2<' in page and "Computed at" in page and "being updated" not in page
    # When the leader records a held session
    leader = db.session.get(Person, match.leader_id)
    past_sessions.record_past_session(
        leader,
        match.id,
        (today - timedelta(days=5)).replace(tzinfo=None),
        60,
        "remote",
        [match_goal.skill_id for match_goal in _goals(match)][:1],
    )
    # Then the summary is stale, a recompute waits, and the page shows the last figures as being updated
    assert _summary(match.cohort_id).stale
    assert jobs.queue_of(queued_app).huey.pending_count() >= 1
    page = client.get(url).text
    assert 'id="stat-held">2<' in page and "being updated" in page
    # When the job runs, the summary is up to date again
    _run_queued(queued_app)
    summary = _summary(match.cohort_id)
    assert not summary.stale and summary.figures["programme"]["held"] == 3
    page = client.get(url).text
    assert 'id="stat-held">3<' in page and "being updated" not in page


def _goals(match):
    from mentoring.services.usecases import meetings

    return meetings.pair_goals(match)


def test_with_inline_jobs_a_change_brings_the_summary_up_to_date_at_once(app, make_pair, add_meeting, add_fit):
    # Given a pair whose summary has been computed
    today = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    match = make_pair(published_at=today - timedelta(days=40))
    health_summary.request(cohort_scope(match.cohort_id), today.date())
    assert _summary(match.cohort_id).figures["programme"]["held"] == 0
    # When a session is logged as held, and the mentor says "not a good fit"
    add_meeting(match, today - timedelta(days=3))
    add_fit(match, "mentor", False)
    # Then the stored summary already holds both (the jobs ran inline), and it is not stale
    summary = _summary(match.cohort_id)
    assert summary.figures["programme"]["held"] == 1 and summary.figures["fit_answers"]["no"] == 1
    assert not summary.stale and summary.computed_at is not None


def test_the_sweep_catches_a_change_written_behind_the_orms_back(app, make_pair):
    from sqlalchemy import update

    from mentoring.models import Person as People

    # Given a pair whose summary has been computed
    match = make_pair()
    health_summary.request(cohort_scope(match.cohort_id), health_summary.today())
    # When a leader is renamed by a bulk UPDATE (no ORM flush to watch)
    db.session.execute(update(People).where(People.id == match.leader_id).values(name="Renamed In Bulk"))
    db.session.commit()
    # Then the periodic sweep finds the fingerprint changed and the recompute (inline) stores the new name
    assert health_summary.sweep() == [cohort_scope(match.cohort_id)]
    rows = db.session.execute(
        select(HealthSummary).where(HealthSummary.scope == cohort_scope(match.cohort_id))
    ).scalar_one()
    assert not rows.stale
    assert health_summary.sweep() == []
