"""Matching runs as jobs: asked for on the page, run by a job consumer, followed and cancelled on the page.

A request takes the cohort's run lock for the job (a long lease while it waits), writes a RunJob and
enqueues it. The consumer claims the job with one conditional UPDATE (so a job delivered twice runs
once), renews the lock with a heartbeat while it works, records each stage, and gives the lock back.
A job is retried only when that is safe: a database error before the result was stored (storing is one
transaction), or a worker that died (its heartbeat stopped). A solver failure is a result, not retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, OperationalError

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, Person, RunJob, RunStage
from mentoring.models.jobs import ACTIVE_STAGES, DETAIL_MAX, WORKING_STAGES
from mentoring.services import Conflict, NotFound, ServiceError
from mentoring.services.infra import audit, jobs, run_lock
from mentoring.services.usecases import matching_runs

__all__ = ["RunRequest", "RunStage", "active_job", "cancel", "execute", "request_run", "sweep_stalled"]

TASK = "matching.run"
QUEUED_LEASE = timedelta(minutes=30)  # how long a job may wait for a consumer before its lock lapses
MAX_ATTEMPTS = 3
RETRY_DELAY_S = 20


@dataclass(frozen=True)
class RunRequest:
    """The job that answers a run request, and whether it was already queued or running (not a new one)."""

    job: RunJob
    already: bool = False


def active_job(cohort_id: int) -> RunJob | None:
    """The queued or working job that holds the cohort's lock, if any."""
    query = (
        select(RunJob)
        .join(Cohort, Cohort.id == RunJob.cohort_id)
        .where(RunJob.cohort_id == cohort_id, RunJob.stage.in_(ACTIVE_STAGES), RunJob.token == Cohort.run_token)
        .order_by(RunJob.id.desc())
        .limit(1)
    )
    return db.session.execute(query).scalar_one_or_none()


def request_run(
    manager: Person, cohort_id: int, repair: list[int] | None = None, now: datetime | None = None
) -> RunRequest:
    """Queue a matching run (a re-pair of `repair` match ids when given), or answer with the one in progress."""
    now = now or utcnow()
    if repair is not None and not repair:
        raise Conflict("Choose at least one pair to re-pair.")
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("There is no such cohort.")
    statuses = matching_runs.FULL_RUN_STATUSES if repair is None else ("published",)
    try:
        token = run_lock.take(cohort_id, statuses, now, matching_runs.lock_window(cohort), lease=QUEUED_LEASE)
    except Conflict:
        running = active_job(cohort_id)
        if running is not None:
            return RunRequest(running, already=True)
        raise
    job = RunJob(
        cohort_id=cohort_id,
        kind="full" if repair is None else "repair",
        repair_of=sorted(set(repair or [])),
        requested_by_id=manager.id,
        token=token,
        stage=RunStage.QUEUED,
        created_at=now,
    )
    db.session.add(job)
    db.session.flush()
    audit.record("matching.queued", actor=manager, object_type="cohort", object_id=cohort_id, detail=f"job {job.id}")
    db.session.commit()
    job_id = job.id
    task_id = jobs.enqueue(TASK, job_id)
    db.session.execute(update(RunJob).where(RunJob.id == job_id).values(task_id=task_id[:64]))
    db.session.commit()
    return RunRequest(_reload(job_id))


def _reload(job_id: int) -> RunJob:
    job = db.session.execute(
        select(RunJob).where(RunJob.id == job_id).execution_options(populate_existing=True)
    ).scalar_one()
    return job


def _set(job_id: int, stages: tuple[str, ...], **values: object) -> bool:
    """Change the job only while it is in one of `stages` (a cancelled job stays cancelled); commit."""
    changed = db.session.execute(
        update(RunJob)
        .where(RunJob.id == job_id, RunJob.stage.in_(stages))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed == 1


def _finish(job: RunJob, stage: RunStage, detail: str, **values: object) -> None:
    """End the job (unless it was cancelled meanwhile) and give the cohort's lock back."""
    _set(
        job.id,
        ACTIVE_STAGES,
        stage=stage,
        detail=detail[:DETAIL_MAX],
        finished_at=utcnow(),
        **values,
    )
    run_lock.release(job.cohort_id, job.token)


def execute(job_id: int) -> str:
    """Run the job (the consumer's task): claim it, solve with a heartbeat, record the result; returns its stage."""
    now = utcnow()
    claimed = db.session.execute(
        update(RunJob)
        .where(RunJob.id == job_id, RunJob.stage == RunStage.QUEUED)
        .values(stage=RunStage.BUILDING, started_at=now, heartbeat_at=now, attempts=RunJob.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return "skipped"  # cancelled, or delivered twice and already taken by another worker
    job = _reload(job_id)
    if not run_lock.renew(job.cohort_id, job.token, now):
        _finish(job, RunStage.FAILED, "It waited so long that its turn lapsed and the cohort was freed. Run it again.")
        return RunStage.FAILED
    statuses = matching_runs.FULL_RUN_STATUSES if job.kind == "full" else ("published",)
    repair = list(job.repair_of) if job.kind == "repair" else None

    def report(stage: RunStage, gap: float | None = None) -> None:
        _set(job_id, WORKING_STAGES, stage=stage, gap=gap, heartbeat_at=utcnow())

    try:
        with run_lock.Heartbeat(job.cohort_id, job.token, job_id=job_id):
            run = matching_runs.run_locked(
                job.cohort_id, job.token, job.requested_by_id, statuses, repair, job.started_at or now, report
            )
    except ServiceError as exc:  # the lock was lost (cancelled) or the cohort changed: nothing was stored
        db.session.rollback()
        _finish(job, RunStage.FAILED, str(exc))
        return RunStage.FAILED
    except (OperationalError, DBAPIError) as exc:  # nothing stored (one transaction), so retrying is safe
        db.session.rollback()
        return _retry_or_fail(job, exc)
    except Exception as exc:
        db.session.rollback()
        current_app.logger.exception("Matching job %s failed", job_id)
        _finish(job, RunStage.FAILED, f"The matching stopped with an internal error ({type(exc).__name__}).")
        raise
    if run.status == "failed":
        _finish(job, RunStage.FAILED, matching_runs.failure_text(run), run_id=run.id)
        return RunStage.FAILED
    _finish(job, RunStage.DONE, run.message or "", run_id=run.id, gap=(run.stats or {}).get("solver", {}).get("gap"))
    return RunStage.DONE


def _retry_or_fail(job: RunJob, exc: Exception) -> str:
    """After a database error: queue the job again (keeping the lock) while attempts remain, else fail it."""
    reason = f"the database did not answer ({type(exc).__name__})"
    if job.attempts < MAX_ATTEMPTS and run_lock.renew(job.cohort_id, job.token, utcnow(), QUEUED_LEASE):
        _set(job.id, WORKING_STAGES, stage=RunStage.QUEUED, detail=f"Retrying: {reason}.")
        jobs.enqueue_later(TASK, RETRY_DELAY_S, job.id)
        return RunStage.QUEUED
    _finish(job, RunStage.FAILED, f"The matching stopped: {reason}. Run it again.")
    return RunStage.FAILED


def cancel(manager: Person, cohort_id: int, job_id: int, now: datetime | None = None) -> RunJob:
    """Cancel a queued or working job: the cohort is free at once, and a result that still arrives is dropped."""
    now = now or utcnow()
    job = db.session.get(RunJob, job_id)
    if job is None or job.cohort_id != cohort_id:
        raise NotFound("There is no such matching run.")
    token = job.token
    if not _set(
        job_id, ACTIVE_STAGES, stage=RunStage.CANCELLED, finished_at=now, detail=f"Cancelled by {manager.name}."
    ):
        raise Conflict("This matching run has already finished.")
    run_lock.release(cohort_id, token)
    audit.record("matching.cancelled", actor=manager, object_type="cohort", object_id=cohort_id, detail=f"job {job_id}")
    db.session.commit()
    return _reload(job_id)


def sweep_stalled(now: datetime | None = None) -> int:
    """Periodic: jobs whose worker died (no heartbeat within the lease) are queued again once, else failed."""
    now = now or utcnow()
    query = select(RunJob).where(RunJob.stage.in_(WORKING_STAGES), RunJob.heartbeat_at < now - run_lock.LEASE)
    stalled = list(db.session.execute(query).scalars())
    db.session.rollback()
    for job in stalled:
        if job.attempts < MAX_ATTEMPTS and run_lock.renew(job.cohort_id, job.token, now, QUEUED_LEASE):
            if _set(job.id, WORKING_STAGES, stage=RunStage.QUEUED, detail="Retrying: the worker running it stopped."):
                jobs.enqueue(TASK, job.id)
        else:
            _finish(job, RunStage.FAILED, "The worker running it stopped, and it was not retried. Run it again.")
    return len(stalled)
