"""The per-cohort run lock: one matching run at a time, taken with one atomic UPDATE of the cohort row.

A run writes a random token and a lease into the cohort row only where no live run holds it (no token,
or a lease that has run out). A queued job holds a long lease; a working run renews a short one with a
heartbeat (a thread), so a worker that dies stops renewing and the cohort is free again within
LEASE. The lock is given back by clearing the token, but only by its own token.
"""

from __future__ import annotations

import secrets
import threading
from datetime import datetime, timedelta
from types import TracebackType

from flask import Flask, current_app
from sqlalchemy import and_, or_, update
from sqlalchemy.exc import SQLAlchemyError

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, RunJob
from mentoring.services import Conflict, NotFound

LOCK_MARGIN = timedelta(minutes=10)  # rows locked before leases existed: the solver's limit plus this
LEASE = timedelta(seconds=90)  # a working run that has not renewed its lease for this long has died
HEARTBEAT_EVERY = 10.0  # seconds between renewals


def window(time_limit_s: float) -> timedelta:
    """How long a lock without a lease (taken before leases existed) may be held before another takes it."""
    return timedelta(seconds=float(time_limit_s)) + LOCK_MARGIN


def _free(now: datetime, hold: timedelta) -> object:
    return or_(
        Cohort.run_token.is_(None),
        Cohort.run_lease_until < now,
        and_(
            Cohort.run_lease_until.is_(None), or_(Cohort.run_started_at.is_(None), Cohort.run_started_at < now - hold)
        ),
    )


def take(cohort_id: int, statuses: tuple[str, ...], now: datetime, hold: timedelta, lease: timedelta = LEASE) -> str:
    """Take the cohort's lock (or a lapsed one) for `lease` and commit; return the token, or raise Conflict/NotFound."""
    token = secrets.token_hex(16)
    taken = db.session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id, Cohort.status.in_(statuses), _free(now, hold))
        .values(run_token=token, run_started_at=now, run_lease_until=now + lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if taken == 1:
        return token
    cohort = db.session.get(Cohort, cohort_id)
    db.session.rollback()
    if cohort is None:
        raise NotFound("There is no such cohort.")
    if cohort.status not in statuses:
        raise Conflict(_wrong_status(cohort.status, statuses))
    raise Conflict(
        "Another matching run for this cohort is in progress. Wait for it to finish, then review its result."
    )


def _wrong_status(status: str, statuses: tuple[str, ...]) -> str:
    if "published" in statuses:
        return "Re-pairing is for a published cohort."
    if status == "published":
        return "This cohort is published: re-pair flagged pairs from its attention list instead."
    if status == "closed":
        return "This cohort is closed: nothing more is matched in it."
    return f"A {status} cohort cannot be matched."


def renew(cohort_id: int, token: str, now: datetime, lease: timedelta = LEASE) -> bool:
    """Extend the lease if this token still holds the lock, and commit; False if the lock was lost."""
    renewed = db.session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id, Cohort.run_token == token)
        .values(run_lease_until=now + lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return renewed == 1


def release(cohort_id: int, token: str) -> None:
    """Give the lock back (only if this token still holds it) and commit."""
    db.session.rollback()
    db.session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id, Cohort.run_token == token)
        .values(run_token=None, run_started_at=None, run_lease_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def is_live(cohort: Cohort, now: datetime, hold: timedelta) -> bool:
    """Whether a run whose lease has not run out holds the cohort's lock."""
    if cohort.run_token is None:
        return False
    if cohort.run_lease_until is not None:
        return cohort.run_lease_until >= now
    return cohort.run_started_at is not None and cohort.run_started_at >= now - hold


class Heartbeat:
    """While the block runs, a thread renews the lock's lease (and the job's heartbeat) every HEARTBEAT_EVERY s.

    It uses its own app context, so its own database session: the run's session is left alone.
    """

    def __init__(self, cohort_id: int, token: str, job_id: int | None = None, every: float = HEARTBEAT_EVERY) -> None:
        self.app: Flask = current_app._get_current_object()
        self.cohort_id, self.token, self.job_id, self.every = cohort_id, token, job_id, every
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"run-lock-heartbeat-{cohort_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        while not self.stopped.wait(self.every):
            with self.app.app_context():
                try:
                    now = utcnow()
                    if renew(self.cohort_id, self.token, now) and self.job_id is not None:
                        db.session.execute(update(RunJob).where(RunJob.id == self.job_id).values(heartbeat_at=now))
                        db.session.commit()
                except SQLAlchemyError as exc:  # a busy database: the next beat tries again, well within LEASE
                    db.session.rollback()
                    self.app.logger.warning("Run lock heartbeat for cohort %s failed: %s", self.cohort_id, exc)
