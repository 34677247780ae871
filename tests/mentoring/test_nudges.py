"""Nudges with a frozen clock, delivered through a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import AuditEvent, Notification
from mentoring.services.usecases import nudges
from tests.conftest import login

START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        """Keep the message."""
        self.messages.append(message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 Message accepted"

    def take(self) -> list[tuple[str, str]]:
        """(recipient, subject) of the messages received since the last take, sorted."""
        received = sorted((m["To"], m["Subject"]) for m in self.messages)
        self.messages.clear()
        return received


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A local SMTP server on a free port, and what it received."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def smtp_app(app: Flask, make_app, inbox: tuple[Inbox, int]) -> Iterator[Flask]:
    """The app (on the cleaned test database) sending its email to the local SMTP server."""
    application = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox[1])
    with application.app_context():
        yield application


@pytest.fixture
def received(inbox: tuple[Inbox, int]) -> Inbox:
    """The messages the SMTP server received."""
    return inbox[0]


def _emails(*people: object) -> list[str]:
    return [p.email for p in people]


# ---------------------------------------------------------------- stalled pairs


def test_a_stalled_pair_is_nudged_once_the_day_after_the_limit(smtp_app, make_pair, add_meeting, received):
    # Given a pair with a 30-day stall limit whose last session was held on 10 January
    match = make_pair(published_at=START, stall_days=30)
    add_meeting(match, datetime(2030, 1, 10, 15, tzinfo=UTC))
    leader, mentor = match.leader, match.mentor
    # When nudges run late on 9 February (exactly 30 days later), nothing is sent
    assert nudges.send_due_nudges(now=datetime(2030, 2, 9, 23, 59, tzinfo=UTC)).stalled == 0
    assert received.take() == []
    # When they run on 10 February (31 days), both people get one email
    report = nudges.send_due_nudges(now=datetime(2030, 2, 10, 0, 1, tzinfo=UTC))
    assert (report.stalled, report.delivered) == (2, 2)
    assert received.take() == sorted(
        [
            (leader.email, f"Time for your next session with {mentor.name}"),
            (mentor.email, f"Time for your next session with {leader.name}"),
        ]
    )
    # And running again, then a week later, sends nothing more
    nudges.send_due_nudges(now=datetime(2030, 2, 10, 6, tzinfo=UTC))
    nudges.send_due_nudges(now=datetime(2030, 2, 17, tzinfo=UTC))
    assert received.take() == []
    # When the pair meets again and then stalls again, they are nudged again
    add_meeting(match, datetime(2030, 2, 20, 15, tzinfo=UTC))
    assert nudges.send_due_nudges(now=datetime(2030, 3, 22, 12, tzinfo=UTC)).stalled == 0
    assert nudges.send_due_nudges(now=datetime(2030, 3, 23, 12, tzinfo=UTC)).stalled == 2
    assert sorted(to for to, _ in received.take()) == sorted(_emails(leader, mentor))


def test_a_pair_that_never_met_stalls_from_its_publish_date(smtp_app, make_pair, received):
    match = make_pair(published_at=START, stall_days=14)
    assert nudges.send_due_nudges(now=START + timedelta(days=14)).stalled == 0
    assert nudges.send_due_nudges(now=START + timedelta(days=15)).stalled == 2
    assert sorted(to for to, _ in received.take()) == sorted(_emails(match.leader, match.mentor))


def test_a_pair_with_a_session_planned_is_not_nudged_for_stalling(smtp_app, make_pair, add_meeting, received):
    match = make_pair(published_at=START, stall_days=30)
    add_meeting(match, START + timedelta(days=40), status="accepted")
    assert nudges.send_due_nudges(now=START + timedelta(days=35)).stalled == 0
    assert received.take() == []


def test_ended_pairs_and_other_cohorts_are_left_alone(smtp_app, make_pair, make_cohort, received):
    ended = make_pair(published_at=START, stall_days=30)
    ended.status = "ended"
    db.session.commit()
    closed = make_pair(published_at=START, cohort=make_cohort(status="closed"))
    other = make_pair(published_at=START, stall_days=30)
    report = nudges.send_due_nudges(now=START + timedelta(days=60), cohort_id=other.cohort_id)
    assert report.stalled == 2
    assert sorted(to for to, _ in received.take()) == sorted(_emails(other.leader, other.mentor))
    assert closed.id and nudges.send_due_nudges(now=START + timedelta(days=60)).stalled == 0


# ---------------------------------------------------------------- unanswered proposals


def test_an_unanswered_proposal_nudges_the_partner_once_after_seven_days(smtp_app, make_pair, add_meeting, received):
    # Given the mentor's proposal, made on 1 February for 1 March, that the leader has not answered
    match = make_pair(published_at=START)
    proposed = datetime(2030, 2, 1, 9, tzinfo=UTC)
    add_meeting(match, datetime(2030, 3, 1, 9, tzinfo=UTC), status="proposed", answer_hours=None, proposed_at=proposed)
    # When seven days have passed exactly, nothing is sent
    assert nudges.send_due_nudges(now=proposed + timedelta(days=7)).unanswered == 0
    # When more than seven days have passed, the leader (not the mentor) is nudged, once
    assert nudges.send_due_nudges(now=proposed + timedelta(days=7, minutes=1)).unanswered == 1
    assert nudges.send_due_nudges(now=proposed + timedelta(days=9)).unanswered == 0
    assert [(to, subject) for to, subject in received.take() if "waiting for your answer" in subject] == [
        (match.leader.email, f"{match.mentor.name} is waiting for your answer")
    ]


def test_a_proposal_whose_time_has_passed_is_not_nudged(smtp_app, make_pair, add_meeting, received):
    match = make_pair(published_at=START)
    add_meeting(match, START + timedelta(days=5), status="proposed", answer_hours=None, proposed_at=START)
    assert nudges.send_due_nudges(now=START + timedelta(days=8)).unanswered == 0
    assert match.id


# ---------------------------------------------------------------- leader feedback


def test_a_leader_is_nudged_when_the_mentors_feedback_waits_for_theirs(smtp_app, make_pair, add_meeting, received):
    # Given a session held at 10:00 on 1 March, with the mentor's feedback at 13:00 and none from the leader
    match = make_pair(published_at=START)
    held = datetime(2030, 3, 1, 10, tzinfo=UTC)
    add_meeting(match, held, ratings={"mentor": 5})
    mentor_feedback_at = held + timedelta(hours=3)
    # When three days have passed since the mentor's feedback, nothing yet
    assert nudges.send_due_nudges(now=mentor_feedback_at + timedelta(days=3)).feedback == 0
    # Then just after, the leader alone is nudged, once
    assert nudges.send_due_nudges(now=mentor_feedback_at + timedelta(days=3, minutes=1)).feedback == 1
    assert nudges.send_due_nudges(now=mentor_feedback_at + timedelta(days=6)).feedback == 0
    assert received.take() == [(match.leader.email, f"{match.mentor.name} is waiting for your feedback")]


@pytest.mark.parametrize("ratings", [{"mentor": 4, "leader": 4}, {"leader": 4}, {}])
def test_no_feedback_nudge_unless_only_the_mentor_answered(smtp_app, make_pair, add_meeting, received, ratings):
    match = make_pair(published_at=START)
    add_meeting(match, datetime(2030, 3, 1, 10, tzinfo=UTC), ratings=ratings)
    assert nudges.send_due_nudges(now=datetime(2030, 3, 10, tzinfo=UTC)).feedback == 0
    assert match.id


def test_old_sessions_get_no_feedback_nudge(smtp_app, make_pair, add_meeting):
    match = make_pair(published_at=START)
    add_meeting(match, datetime(2030, 3, 1, 10, tzinfo=UTC), ratings={"mentor": 4})
    assert nudges.send_due_nudges(now=datetime(2030, 4, 15, tzinfo=UTC)).feedback == 0
    assert match.id


# ---------------------------------------------------------------- the command and the dashboard button


def test_the_send_nudges_command_uses_the_given_clock(smtp_app, make_pair, received):
    match = make_pair(published_at=START, stall_days=30)
    runner = smtp_app.test_cli_runner()
    result = runner.invoke(args=["send-nudges", "--now", "2030-01-31T12:00:00Z"])
    assert result.exit_code == 0 and "0 stalled" in result.output
    result = runner.invoke(args=["send-nudges", "--now", "2030-02-01T12:00:00Z"])
    assert result.exit_code == 0 and "2 stalled" in result.output and "delivered: 2" in result.output
    assert sorted(to for to, _ in received.take()) == sorted(_emails(match.leader, match.mentor))
    assert runner.invoke(args=["send-nudges", "--now", "next tuesday"]).exit_code == 2
    unknown = runner.invoke(args=["send-nudges", "--cohort", str(match.cohort_id + 1)])
    assert unknown.exit_code == 1 and "no such cohort" in unknown.output


def test_a_manager_sends_due_nudges_from_the_dashboard(smtp_app, make_pair, make_manager, make_person, received):
    # Given a pair stalled since its publication 40 days ago
    match = make_pair(published_at=datetime.now(UTC) - timedelta(days=40), stall_days=30)
    client = smtp_app.test_client()
    # When a mentor tries the button, it is refused
    login(client, make_person(is_mentor=True))
    assert client.post(f"/programme/health/{match.cohort_id}/nudges").status_code == 403
    client.post("/auth/logout")
    # When a manager presses it, both people are emailed, it is audited and listed on the dashboard
    manager = make_manager()
    login(client, manager)
    assert client.post(f"/programme/health/{match.cohort_id}/nudges").status_code == 302
    assert sorted(to for to, _ in received.take()) == sorted(_emails(match.leader, match.mentor))
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "nudges.send")).scalar_one()
    page = client.get(f"/programme/health/{match.cohort_id}").get_data(as_text=True)
    nudge_list = page.split('id="nudges"')[1]
    assert match.leader.name in nudge_list and match.mentor.name in nudge_list and "stalled" in nudge_list
    kinds = db.session.execute(select(Notification.kind).where(Notification.match_id == match.id)).scalars()
    assert sorted(kinds) == ["nudge-stalled", "nudge-stalled"]
