"""The per-cohort run lock: one matching run at a time, taken with one atomic UPDATE of the cohort row.

A run writes a random token and its start time into the cohort row only where no live run holds it
(no token, or one older than the solver's time limit plus a margin: a run that died). It gives the
lock back by clearing the token, but only its own token.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, update

from mentoring.extensions import db
from mentoring.models import Cohort
from mentoring.services import Conflict, NotFound

LOCK_MARGIN = timedelta(minutes=10)  # beyond the solver's time limit, for reading and storing


def window(time_limit_s: float) -> timedelta:
    """How long a run may hold the lock before another may take it over."""
    return timedelta(seconds=float(time_limit_s)) + LOCK_MARGIN


def take(cohort_id: int, statuses: tuple[str, ...], now: datetime, hold: timedelta) -> str:
    """Take the cohort's lock (or a stale one) and commit; return the token, or raise Conflict/NotFound."""
    token = secrets.token_hex(16)
    taken = db.session.execute(
        update(Cohort)
        .where(
            Cohort.id == cohort_id,
            Cohort.status.in_(statuses),
            or_(Cohort.run_token.is_(None), Cohort.run_started_at < now - hold),
        )
        .values(run_token=token, run_started_at=now)
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


def release(cohort_id: int, token: str) -> None:
    """Give the lock back (only if this token still holds it) and commit."""
    db.session.rollback()
    db.session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id, Cohort.run_token == token)
        .values(run_token=None, run_started_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def is_live(cohort: Cohort, now: datetime, hold: timedelta) -> bool:
    """Whether a run that is not stale holds the cohort's lock."""
    if cohort.run_token is None or cohort.run_started_at is None:
        return False
    return cohort.run_started_at >= now - hold
