"""Recording a session that already took place, straight from the pair page (no proposal, no answer)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Meeting, Person
from mentoring.models.people import FORMATS
from mentoring.services import InvalidField
from mentoring.services.usecases import meetings

# The session use cases' own steps (pair still open, the email with the session's details, commit then send).
from mentoring.services.usecases.meetings import _commit_and_deliver, _details, _notify, _require_open

RECORD_BACK = timedelta(days=366)


def record_past_session(
    person: Person,
    match_id: int,
    starts_local: datetime,
    duration_minutes: int,
    meeting_format: str,
    skill_ids: list[int],
    now: datetime | None = None,
) -> Meeting:
    """Record a session that was held in the past; the partner is told and asked for feedback."""
    now = now or utcnow()
    match = meetings.pair_of(person.id, match_id, lock=True)
    _require_open(match)
    if not meetings.DURATION_MIN <= duration_minutes <= meetings.DURATION_MAX:
        raise InvalidField("duration", f"A session lasts {meetings.DURATION_MIN} to {meetings.DURATION_MAX} minutes.")
    if meeting_format not in FORMATS:
        raise InvalidField("format", "Choose remote or in person.")
    starts_at = meetings.local_to_utc(starts_local, person.timezone)
    if starts_at > now:
        raise InvalidField("date", "Choose a date in the past. To plan a session, propose it below.")
    if starts_at < now - RECORD_BACK:
        raise InvalidField("date", "Choose a date within the past year.")
    goal_ids = [goal.skill_id for goal in meetings.pair_goals(match)]
    chosen = sorted(set(skill_ids))
    if any(skill_id not in goal_ids for skill_id in chosen):
        raise InvalidField("skills", "Choose skills from the leader's goals.")
    if goal_ids and not chosen:
        raise InvalidField("skills", "Choose at least one of the leader's goals you worked on.")
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    others = db.session.execute(
        select(Meeting).where(Meeting.match_id == match.id, Meeting.status.in_(("held", "accepted")))
    ).scalars()
    if any(m.starts_at < ends_at and starts_at < meetings.ends_at(m) for m in others):
        raise InvalidField("time", "This overlaps a session of this pair that is already recorded or planned.")
    meeting = Meeting(
        match_id=match.id,
        proposed_by_id=person.id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        format=meeting_format,
        skills=chosen,
        status="held",
        proposed_at=now,
        answered_at=now,
        answered_by_id=person.id,
        logged_at=now,
    )
    db.session.add(meeting)
    db.session.flush()
    other = match.other(person.id)
    _notify(
        other,
        meeting,
        "meeting-held",
        "How did your mentoring session go?",
        f"{person.name} recorded a session you held together.\n\n{_details(meeting, other)}\n\n"
        "Leave your feedback (a rating and a few words) on the pair's page:",
    )
    _commit_and_deliver()
    return meeting
