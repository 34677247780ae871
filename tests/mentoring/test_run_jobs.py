"""Matching runs as jobs: queued from the page, run by a real consumer, followed, cancelled, never stuck."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, MatchRun, RunJob, RunStage
from mentoring.services.infra import run_lock
from mentoring.services.usecases import matching_runs, run_jobs
from tests.conftest import DEFAULT_PASSWORD, login
from tests.mentoring.programme_fixtures import flashes
from tests.mentoring.queue_helpers import queue_settings, running_consumer, wait_until


def jobs_of(cohort_id: int) -> list[tuple[int, str]]:
    """(id, stage) of the cohort's jobs; the test's transaction is ended (SQLite has one writer at a time)."""
    query = select(RunJob.id, RunJob.stage).where(RunJob.cohort_id == cohort_id).order_by(RunJob.id)
    found = [tuple(row) for row in db.session.execute(query)]
    db.session.rollback()
    return found


def runs_of(cohort_id: int) -> list[MatchRun]:
    found = list(db.session.execute(select(MatchRun).where(MatchRun.cohort_id == cohort_id)).scalars())
    return found


def sign_in(client, person) -> None:
    """Sign in on another app's client, without holding this test's transaction open meanwhile."""
    email = person.email
    db.session.rollback()
    response = client.post("/auth/login", data={"email": email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def queued_site(make_app, tmp_path, request):
    """An app whose jobs wait on a real queue (SQLite file by default) until a consumer runs them."""
    kind = getattr(request, "param", "sqlite")
    return make_app(**queue_settings(kind, tmp_path, f"test-run-jobs-{kind}"))


@pytest.mark.parametrize("queued_site", ["sqlite", "redis"], indirect=True)
def test_a_run_is_queued_shown_in_progress_and_done_by_a_consumer(queued_site, programme):
    # Given a manager on a site whose jobs go through a real queue
    client = queued_site.test_client()
    cohort_id = programme.cohort.id
    sign_in(client, programme.manager)
    # When she runs the matching
    response = client.post(f"/programme/cohorts/{cohort_id}/run", follow_redirects=True)
    # Then the review page says it is queued, with a refresh link and a cancel button, and nothing ran yet
    assert any("queued" in message for message in flashes(response.text))
    assert "Queued: waiting for a job worker" in response.text and ">Refresh</a>" in response.text
    assert "Cancel this run" in response.text and runs_of(cohort_id) == []
    db.session.rollback()
    status = client.get(f"/programme/cohorts/{cohort_id}/run-progress").get_json()
    assert status["stage"] == "queued" and status["active"] is True
    # When she asks again while it waits, she is answered with the same job
    again = client.post(f"/programme/cohorts/{cohort_id}/run", follow_redirects=True)
    assert any("already queued or running" in message for message in flashes(again.text))
    assert len(jobs_of(cohort_id)) == 1
    # When a consumer runs
    with running_consumer(queued_site):
        wait_until(lambda: not client.get(f"/programme/cohorts/{cohort_id}/run-progress").get_json()["active"])
    # Then the run is stored once, the job is done and points at it, and the cohort is free
    status = client.get(f"/programme/cohorts/{cohort_id}/run-progress").get_json()
    (run,) = runs_of(cohort_id)
    assert status["stage"] == "done" and status["run"] == run.id and run.matched == 3
    cohort = db.session.get(Cohort, cohort_id)
    assert cohort.status == "matched" and cohort.run_token is None
    db.session.rollback()
    review = client.get(f"/programme/cohorts/{cohort_id}/review")
    assert review.status_code == 200 and "Cancel this run" not in review.text and "Run 1" in review.text


def test_a_queued_run_can_be_cancelled_and_the_consumer_then_skips_it(queued_site, programme):
    client = queued_site.test_client()
    cohort_id = programme.cohort.id
    sign_in(client, programme.manager)
    client.post(f"/programme/cohorts/{cohort_id}/run")
    ((job_id, _),) = jobs_of(cohort_id)
    # When she cancels it
    response = client.post(f"/programme/cohorts/{cohort_id}/jobs/{job_id}/cancel", follow_redirects=True)
    # Then it is cancelled, the cohort is free at once, and a consumer does not run it
    assert any("cancelled" in message for message in flashes(response.text))
    assert db.session.get(Cohort, cohort_id).run_token is None
    db.session.rollback()
    with running_consumer(queued_site):
        wait_until(lambda: queued_site.extensions["jobs"].huey.pending_count() == 0)
    assert jobs_of(cohort_id) == [(job_id, RunStage.CANCELLED)] and runs_of(cohort_id) == []
    db.session.rollback()
    # And cancelling it twice says it has finished
    response = client.post(f"/programme/cohorts/{cohort_id}/jobs/{job_id}/cancel", follow_redirects=True)
    assert any("already finished" in message for message in flashes(response.text))


def test_an_inline_run_reports_each_stage_in_order_and_the_page_shows_the_result(client, programme):
    # Given the test config (jobs run inline when enqueued)
    login(client, programme.manager)
    response = client.post(f"/programme/cohorts/{programme.cohort.id}/run", follow_redirects=True)
    assert any("proposed 3 pairs" in message for message in flashes(response.text))
    (job,) = db.session.execute(select(RunJob)).scalars()
    assert job.stage == RunStage.DONE and job.run_id is not None and job.attempts == 1
    # And the stages a run goes through are reported in order around build, solve and store
    seen: list[str] = []
    token = run_lock.take(programme.cohort.id, ("matched",), utcnow(), timedelta(minutes=1))
    matching_runs.run_locked(
        programme.cohort.id, token, None, ("matched",), None, utcnow(), lambda stage, gap=None: seen.append(stage)
    )
    assert seen == [RunStage.BUILDING, RunStage.SOLVING, RunStage.EXPLAINING]


def test_a_worker_that_died_frees_the_cohort_and_its_job_is_retried_once_then_failed(app, programme, make_app):
    # Given a job whose worker died while solving: its heartbeat and lease stopped an hour ago
    cohort_id = programme.cohort.id
    requested = run_jobs.request_run(programme.manager, cohort_id)
    job_id = requested.job.id
    long_ago = utcnow() - timedelta(hours=1)
    db.session.execute(
        update(RunJob)
        .where(RunJob.id == job_id)
        .values(stage=RunStage.SOLVING, heartbeat_at=long_ago, attempts=run_jobs.MAX_ATTEMPTS, run_id=None)
    )
    db.session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id)
        .values(run_token=requested.job.token, run_lease_until=long_ago, status="matched")
    )
    db.session.commit()
    # Then the cohort is not locked any more: a new run is accepted and runs
    again = run_jobs.request_run(programme.manager, cohort_id)
    assert not again.already and again.job.stage == RunStage.DONE
    # And the sweep marks the dead job failed (its attempts are used up and its lock is gone), with the reason
    assert run_jobs.sweep_stalled() == 1
    dead = db.session.get(RunJob, job_id)
    assert dead.stage == RunStage.FAILED and "worker" in dead.detail


def test_a_stalled_job_that_still_holds_the_cohort_is_retried(app, programme):
    cohort_id = programme.cohort.id
    requested = run_jobs.request_run(programme.manager, cohort_id)
    db.session.execute(update(MatchRun).values(cohort_id=cohort_id))  # keep the first run
    long_ago = utcnow() - timedelta(hours=1)
    db.session.execute(
        update(RunJob)
        .where(RunJob.id == requested.job.id)
        .values(stage=RunStage.BUILDING, heartbeat_at=long_ago, attempts=1, run_id=None, finished_at=None)
    )
    db.session.execute(
        update(Cohort).where(Cohort.id == cohort_id).values(run_token=requested.job.token, run_lease_until=long_ago)
    )
    db.session.commit()
    # When the sweep finds it, it is queued again (and, inline here, run to the end)
    assert run_jobs.sweep_stalled() == 1
    job = db.session.get(RunJob, requested.job.id)
    db.session.refresh(job)
    assert job.stage == RunStage.DONE and job.attempts == 2 and len(runs_of(cohort_id)) == 2
    assert db.session.get(Cohort, cohort_id).run_token is None


def test_the_lock_of_a_running_job_is_kept_alive_by_its_heartbeat(app, programme):
    cohort_id = programme.cohort.id
    token = run_lock.take(cohort_id, ("open",), utcnow(), timedelta(minutes=1), lease=timedelta(seconds=1))

    def lease() -> object:
        until = db.session.execute(select(Cohort.run_lease_until).where(Cohort.id == cohort_id)).scalar_one()
        db.session.rollback()
        return until

    first = lease()
    with run_lock.Heartbeat(cohort_id, token, every=0.05):
        wait_until(lambda: lease() > first)
    assert matching_runs.run_in_progress(db.session.get(Cohort, cohort_id))
    run_lock.release(cohort_id, token)
    assert not matching_runs.run_in_progress(db.session.get(Cohort, cohort_id))
