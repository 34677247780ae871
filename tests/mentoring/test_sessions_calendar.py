"""Calendar invites (.ics) of planned sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar


def test_an_accepted_session_downloads_as_an_ics_invite(make_pair, add_meeting, login_as, client):
    # Given an accepted 45-minute remote session on two goals
    match = make_pair(leader={"name": "Lara Lead"}, mentor={"name": "Mo Mentor"})
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    meeting = add_meeting(
        match, start, status="accepted", minutes=45, skill_keys=("linkedin/personal-branding", "tiktok/short-video")
    )
    login_as(match.mentor)
    # When the mentor downloads the invite twice
    first = client.get(f"/sessions/meeting/{meeting.id}/invite.ics")
    second = client.get(f"/sessions/meeting/{meeting.id}/invite.ics")
    # Then it is a calendar file with one event in UTC, the same UID each time
    assert first.mimetype == "text/calendar"
    assert first.headers["Content-Disposition"] == f'attachment; filename="mentoring-session-{meeting.id}.ics"'
    [event] = Calendar.from_ical(first.data).walk("VEVENT")
    [again] = Calendar.from_ical(second.data).walk("VEVENT")
    assert str(event["UID"]) == str(again["UID"]) and str(event["UID"]).startswith(f"meeting-{meeting.id}@")
    assert event.decoded("DTSTART") == start and event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == start + timedelta(minutes=45)
    assert b"DTSTART:" in first.data and b"Z\r\n" in first.data
    assert str(event["SUMMARY"]) == "Reverse mentoring: Lara Lead & Mo Mentor"
    description = str(event["DESCRIPTION"])
    assert "LinkedIn: Personal branding" in description and "TikTok: Short video" in description
    assert "Format: remote" in description


@pytest.mark.parametrize("status", ["proposed", "held", "cancelled", "declined"])
def test_only_an_accepted_session_has_an_invite(make_pair, add_meeting, login_as, client, status):
    match = make_pair()
    meeting = add_meeting(match, datetime.now(UTC) + timedelta(days=3), status=status)
    login_as(match.leader)
    response = client.get(f"/sessions/meeting/{meeting.id}/invite.ics")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/sessions/pair/{match.id}")


def test_the_invite_carries_no_feedback(make_pair, add_meeting, login_as, client):
    match = make_pair()
    add_meeting(
        match,
        datetime.now(UTC) - timedelta(days=3),
        ratings={"leader": 5},
        texts={"leader": {"what_worked": "SECRET-WORKED", "private_note": "SECRET-NOTE"}},
    )
    planned = add_meeting(match, datetime.now(UTC) + timedelta(days=3), status="accepted")
    login_as(match.leader)
    body = client.get(f"/sessions/meeting/{planned.id}/invite.ics").get_data(as_text=True)
    assert "SECRET" not in body


def _emails_with_calendars(outbox: str) -> list[tuple[str, str, bytes]]:
    """(To, Subject, .ics bytes) of each email in the outbox that carries a calendar file."""
    from email import message_from_bytes, policy
    from pathlib import Path

    found = []
    for path in sorted(Path(outbox).glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        for part in message.iter_attachments():
            if part.get_content_type() == "text/calendar":
                found.append((str(message["To"]), str(message["Subject"]), part.get_content().encode()))
    return found


def test_the_acceptance_email_carries_the_invite_and_the_cancellation_email_cancels_it(app, make_pair, add_meeting):
    from mentoring.services.usecases import meetings

    # Given a session the mentor proposed
    match = make_pair()
    meeting = add_meeting(match, datetime.now(UTC) + timedelta(days=3), status="proposed", answer_hours=None)
    leader, mentor = match.leader, match.mentor
    # When the leader accepts it, the mentor's email carries the invite
    meetings.answer(leader, meeting.id, accept=True)
    [(to, subject, ics)] = _emails_with_calendars(app.config["MAIL_OUTBOX"])
    invite = Calendar.from_ical(ics)
    assert to == mentor.email and "accepted" in subject and str(invite["METHOD"]) == "PUBLISH"
    # When the leader then cancels it, the mentor's email cancels the same calendar entry
    meetings.cancel(leader, meeting.id)
    cancels = [item for item in _emails_with_calendars(app.config["MAIL_OUTBOX"]) if "cancelled" in item[1]]
    [(to, _, ics)] = cancels
    cancellation = Calendar.from_ical(ics)
    [event] = cancellation.walk("VEVENT")
    [original] = invite.walk("VEVENT")
    assert to == mentor.email and str(cancellation["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(original["UID"]) and int(event["SEQUENCE"]) > int(original["SEQUENCE"])
