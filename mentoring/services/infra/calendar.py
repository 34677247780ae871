"""Calendar invites (.ics) for planned sessions, built with the icalendar package."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from icalendar import Calendar, Event

from mentoring.database import utcnow
from mentoring.models import Meeting
from mentoring.services import Conflict
from mentoring.services.usecases import meetings

PRODUCT_ID = "-//Reverse mentoring//Sessions//EN"


def meeting_uid(meeting: Meeting) -> str:
    """A UID that stays the same for a session, so a re-downloaded invite updates the calendar entry."""
    domain = current_app.config.get("CALENDAR_UID_DOMAIN") or "reverse-mentoring.invalid"
    return f"meeting-{meeting.id}@{domain}"


def invite_for(person_id: int, meeting_id: int, now: datetime | None = None) -> tuple[str, bytes]:
    """The file name and .ics bytes of an accepted session, for one of its pair; NotFound for anyone else."""
    meeting = meetings.meeting_of(person_id, meeting_id)
    if meeting.status != "accepted":
        raise Conflict("Only a planned (accepted) session has a calendar invite.")
    return f"mentoring-session-{meeting.id}.ics", build_invite(meeting, now or utcnow())


def build_invite(meeting: Meeting, now: datetime, cancelled: bool = False) -> bytes:
    """A VCALENDAR with one VEVENT in UTC; it names the pair, the format and the skills, never feedback.

    `cancelled` gives the cancellation (METHOD:CANCEL, same UID, a higher SEQUENCE) that removes the entry.
    """
    match = meeting.match
    skills = ", ".join(meetings.skill_names(list(meeting.skills))) or "to be agreed"
    fmt = meetings.FORMAT_LABELS.get(meeting.format, meeting.format)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", now)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meetings.ends_at(meeting))
    event.add("summary", f"Reverse mentoring: {match.leader.name} & {match.mentor.name}")
    event.add(
        "description",
        f"Format: {fmt}\nSkills to cover: {skills}\n"
        f"Pair page: {meetings.site_link('sessions.pair', match_id=match.id)}",
    )
    event.add("location", "Remote" if meeting.format == "remote" else "In person (agree the place together)")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", 1 if cancelled else 0)
    calendar.add_component(event)
    return calendar.to_ical()
