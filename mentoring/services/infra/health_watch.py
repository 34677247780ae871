"""Watches the session for changes that health summaries are made of, and marks those summaries stale.

Every flush is looked at: new, changed or deleted sessions, feedback, fit checks, pairs, goals and
requests, people renamed or moved, cohorts whose status or stall limit changed, and renamed skills.
The summaries concerned are marked stale in the same transaction; once it commits, a recompute of each
newly stale one is queued (services.usecases.health_summary). Bulk writes that bypass the ORM call
`health_summary.cohorts_changed` themselves; the periodic sweep catches anything else.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, or_, select
from sqlalchemy.orm import Session

from mentoring.models import (
    Cohort,
    Feedback,
    FitCheck,
    Goal,
    HealthPairRow,
    HealthSummary,
    LeaderRequest,
    Match,
    Meeting,
    Person,
    Skill,
)

PENDING = "health_summaries_to_queue"
_WATCHED_PERSON = ("name", "department")
_WATCHED_COHORT = ("status", "stall_days")
_installed: list[Any] = []


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _touched(session: Session) -> dict[str, set[int]]:
    """Ids by kind of what this flush wrote that the figures are made of."""
    found: dict[str, set[int]] = {k: set() for k in ("cohort", "match", "meeting", "person", "request", "all")}
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (HealthSummary, HealthPairRow)):
            continue
        dirty = obj in session.dirty
        if isinstance(obj, Meeting | FitCheck):
            found["match"].add(obj.match_id)
        elif isinstance(obj, Feedback):
            found["meeting"].add(obj.meeting_id)
        elif isinstance(obj, Match):
            found["cohort"].add(obj.cohort_id)
        elif isinstance(obj, Goal):
            found["request"].add(obj.request_id)
        elif isinstance(obj, LeaderRequest):
            found["cohort"].add(obj.cohort_id)
        elif isinstance(obj, Person) and (not dirty or _changed(obj, _WATCHED_PERSON)):
            found["person"].add(obj.id)
        elif isinstance(obj, Cohort) and dirty and _changed(obj, _WATCHED_COHORT):
            found["cohort"].add(obj.id)
        elif isinstance(obj, Skill) and dirty and _changed(obj, ("name",)):
            found["all"].add(1)
    return {kind: {i for i in ids if i is not None} for kind, ids in found.items()}


def _cohorts(connection: Any, touched: dict[str, set[int]]) -> set[int]:
    """The cohorts whose figures these writes change (a few set-based queries)."""
    cohorts = set(touched["cohort"])
    if touched["meeting"]:
        query = select(Meeting.match_id).where(Meeting.id.in_(touched["meeting"]))
        touched["match"] |= set(connection.execute(query).scalars())
    if touched["match"]:
        query = select(Match.cohort_id).where(Match.id.in_(touched["match"])).distinct()
        cohorts |= set(connection.execute(query).scalars())
    if touched["request"]:
        query = select(LeaderRequest.cohort_id).where(LeaderRequest.id.in_(touched["request"])).distinct()
        cohorts |= set(connection.execute(query).scalars())
    if touched["person"]:
        ids = touched["person"]
        query = select(Match.cohort_id).where(or_(Match.leader_id.in_(ids), Match.mentor_id.in_(ids))).distinct()
        cohorts |= set(connection.execute(query).scalars())
    return cohorts


def _after_flush(session: Session, _context: Any) -> None:
    from mentoring.services.usecases import health_summary

    touched = _touched(session)
    if not any(touched.values()):
        return
    connection = session.connection()
    everything = bool(touched["all"])
    cohorts = None if everything else _cohorts(connection, touched)
    if cohorts is not None and not cohorts:
        return
    fresh = health_summary.mark_stale(connection, cohorts)
    session.info.setdefault(PENDING, set()).update(fresh)


def _after_commit(session: Session) -> None:
    scopes = session.info.pop(PENDING, None)
    if scopes:
        from mentoring.services.usecases import health_summary

        health_summary.queue_after_commit(scopes)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


def install(session_target: Any) -> None:
    """Listen to flushes and commits of the app's session (once per process)."""
    if _installed:
        return
    event.listen(session_target, "after_flush", _after_flush)
    event.listen(session_target, "after_commit", _after_commit)
    event.listen(session_target, "after_rollback", _after_rollback)
    _installed.append(session_target)
