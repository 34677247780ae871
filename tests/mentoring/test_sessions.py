"""Sessions of a published pair through the pages: propose, answer, log, cancel, and who may do what."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import Meeting
from mentoring.services import Conflict
from mentoring.services.usecases import meetings


def _propose_form(
    day: date, at: str = "10:00", minutes: int = 60, skill_ids: tuple[int, ...] = (), fmt: str = "remote"
) -> dict:
    return {
        "propose-date": day.isoformat(),
        "propose-time": at,
        "propose-duration": str(minutes),
        "propose-format": fmt,
        "propose-skills": [str(s) for s in skill_ids],
    }


def _next(month: int, day: int) -> date:
    """The next date with this month and day, at least two days from today (within the year ahead)."""
    today = date.today()
    for year in (today.year, today.year + 1):
        candidate = date(year, month, day)
        if candidate >= today + timedelta(days=2):
            return candidate
    raise AssertionError("unreachable")


def _uk_clocks_go_forward() -> date:
    """The next last Sunday of March, when 01:00-02:00 does not exist in Europe/London."""
    end_of_march = _next(3, 31)
    return end_of_march - timedelta(days=(end_of_march.weekday() + 1) % 7)


SOON = date.today() + timedelta(days=30)


def _meetings(match_id: int) -> list[Meeting]:
    db.session.expire_all()
    return list(db.session.execute(select(Meeting).where(Meeting.match_id == match_id).order_by(Meeting.id)).scalars())


def test_session_journey_propose_accept_log_feedback_and_fit_check(make_pair, login_as, client, skills):
    # Given a published pair
    match = make_pair(
        leader={"name": "Lena Leader", "timezone": "Europe/Paris"},
        mentor={"name": "Milo Mentor", "timezone": "Europe/London"},
    )
    leader, mentor = match.leader, match.mentor
    day = date.today() + timedelta(days=7)

    # When the mentor proposes a session on a goal of the leader
    login_as(mentor)
    response = client.post(
        f"/sessions/pair/{match.id}/propose",
        data=_propose_form(day, "10:00", 45, (skills["linkedin/personal-branding"],)),
    )
    assert response.status_code == 302
    [meeting] = _meetings(match.id)
    assert (meeting.status, meeting.proposed_by_id, meeting.duration_minutes) == ("proposed", mentor.id, 45)

    # Then the leader sees it highlighted on "my sessions", in their own time zone, and accepts it
    client.post("/auth/logout")
    login_as(leader)
    page = client.get("/sessions/").get_data(as_text=True)
    assert "Proposals waiting for your answer" in page and "Milo Mentor" in page
    london_ten = datetime.combine(day, datetime.min.time()).replace(hour=10)
    paris_hour = meetings.local_to_utc(london_ten, "Europe/London").astimezone(meetings.zone_of("Europe/Paris")).hour
    assert f"{paris_hour:02d}:00 (Europe/Paris)" in page
    assert client.post(f"/sessions/meeting/{meeting.id}/accept").status_code == 302
    [meeting] = _meetings(match.id)
    assert meeting.status == "accepted" and meeting.answered_by_id == leader.id and meeting.answered_at is not None

    # When the session's time has passed, the leader logs it as held
    meeting.starts_at = datetime.now(UTC) - timedelta(hours=2)
    db.session.commit()
    response = client.post(f"/sessions/meeting/{meeting.id}/log", data={f"log-{meeting.id}-outcome": "held"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/meeting/{meeting.id}/feedback")
    assert _meetings(match.id)[0].status == "held"

    # And both leave feedback, and both answer the fit check
    response = client.post(
        f"/sessions/meeting/{meeting.id}/feedback",
        data={
            "rating": "5",
            "what_worked": "Headline rewrite",
            "try_next": "A video",
            "visibility": "manager",
            "private_note": "",
        },
    )
    assert response.status_code == 302
    assert "Is this a good fit?" in client.get(f"/sessions/pair/{match.id}").get_data(as_text=True)
    assert client.post(f"/sessions/pair/{match.id}/fit", data={"fit-good_fit": "yes"}).status_code == 302
    client.post("/auth/logout")
    login_as(mentor)
    client.post(
        f"/sessions/meeting/{meeting.id}/feedback",
        data={"rating": "4", "what_worked": "Came prepared", "try_next": "Analytics", "visibility": "pair"},
    )
    client.post(f"/sessions/pair/{match.id}/fit", data={"fit-good_fit": "yes"})

    # Then the pair page shows the goal covered and both feedbacks
    page = client.get(f"/sessions/pair/{match.id}").get_data(as_text=True)
    assert "1 of 2 goals covered" in page
    assert "Headline rewrite" in page and "Came prepared" in page
    assert "You answered <strong>yes</strong>" in page
    assert meetings.fit_answer(leader.id, match.id) is True and meetings.fit_answer(mentor.id, match.id) is True


def test_a_time_is_entered_in_the_proposers_zone_and_stored_in_utc(make_pair, login_as, client, skills):
    match = make_pair(mentor={"timezone": "America/New_York"})
    login_as(match.mentor)
    client.post(
        f"/sessions/pair/{match.id}/propose",
        data=_propose_form(_next(1, 15), "09:00", skill_ids=(skills["linkedin/personal-branding"],)),
    )
    [meeting] = _meetings(match.id)
    assert meeting.starts_at == datetime.combine(_next(1, 15), datetime.min.time(), UTC).replace(hour=14)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"propose-duration": "10"}, "duration", "15 to 240 minutes"),
        ({"propose-duration": "241"}, "duration", "15 to 240 minutes"),
        ({"propose-date": "2001-01-01"}, "date", "in the future"),
        ({"propose-date": "0001-01-01", "propose-time": "00:10"}, "date", ""),
        ({"propose-skills": ["999999"]}, "skills", ""),
        ({"propose-skills": []}, "skills", "at least one"),
        ({"propose-format": "carrier pigeon"}, "format", ""),
        ({"propose-date": _uk_clocks_go_forward().isoformat(), "propose-time": "01:30"}, "time", "clocks change"),
        ({"propose-date": (date.today() + timedelta(days=400)).isoformat()}, "date", "within the next year"),
        ({"propose-time": "noon"}, "time", ""),
    ],
)
def test_a_bad_proposal_is_refused_next_to_its_field(make_pair, login_as, client, skills, change, field, message):
    # Given a mentor in London with a pair whose goals do not include skill 999999
    match = make_pair()
    login_as(match.mentor)
    data = _propose_form(SOON, skill_ids=(skills["linkedin/personal-branding"],))
    data.update(change)
    # When they propose with one bad value
    response = client.post(f"/sessions/pair/{match.id}/propose", data=data)
    # Then the form comes back with the message and nothing is stored
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="error"' in page and message in page
    assert _meetings(match.id) == []


def test_a_skill_outside_the_leaders_goals_is_refused(make_pair, login_as, client, skills):
    match = make_pair()
    login_as(match.mentor)
    data = _propose_form(SOON, skill_ids=(skills["youtube/analytics"],))
    response = client.post(f"/sessions/pair/{match.id}/propose", data=data)
    assert response.status_code == 400 and _meetings(match.id) == []


def test_overlapping_proposals_are_refused(make_pair, login_as, client, skills):
    match = make_pair()
    login_as(match.mentor)
    data = _propose_form(SOON, "10:00", 60, (skills["linkedin/personal-branding"],))
    client.post(f"/sessions/pair/{match.id}/propose", data=data)
    data["propose-time"] = "10:30"
    response = client.post(f"/sessions/pair/{match.id}/propose", data=data)
    assert response.status_code == 400 and "overlaps" in response.get_data(as_text=True)
    assert len(_meetings(match.id)) == 1


def test_only_the_partner_answers_a_proposal(make_pair, add_meeting, login_as, client):
    match = make_pair()
    meeting = add_meeting(match, datetime.now(UTC) + timedelta(days=3), status="proposed", answer_hours=None)
    login_as(match.mentor)  # the proposer
    client.post(f"/sessions/meeting/{meeting.id}/accept")
    assert _meetings(match.id)[0].status == "proposed"
    client.post("/auth/logout")
    login_as(match.leader)
    client.post(f"/sessions/meeting/{meeting.id}/decline")
    [declined] = _meetings(match.id)
    assert declined.status == "declined" and declined.answered_by_id == match.leader_id


def test_a_proposal_whose_time_has_passed_cannot_be_accepted(make_pair, add_meeting):
    match = make_pair()
    meeting = add_meeting(match, datetime(2030, 5, 1, 9, tzinfo=UTC), status="proposed", answer_hours=None)
    with pytest.raises(Conflict):
        meetings.answer(match.leader, meeting.id, accept=True, now=datetime(2030, 5, 1, 9, 1, tzinfo=UTC))


@pytest.mark.parametrize("outcome", ["held", "missed", "cancelled-by-me"])
def test_a_session_is_logged_only_after_it_started_and_only_once(make_pair, add_meeting, outcome):
    # Given an accepted session at 09:00
    match = make_pair()
    start = datetime(2030, 5, 1, 9, tzinfo=UTC)
    meeting = add_meeting(match, start, status="accepted")
    # Then it cannot be logged before 09:00
    with pytest.raises(Conflict):
        meetings.log_outcome(match.leader, meeting.id, outcome, now=start - timedelta(minutes=1))
    # But can be at 09:00, once
    meetings.log_outcome(match.leader, meeting.id, outcome, now=start)
    with pytest.raises(Conflict):
        meetings.log_outcome(match.mentor, meeting.id, "held", now=start + timedelta(hours=1))


def test_a_proposal_cannot_be_logged(make_pair, add_meeting):
    match = make_pair()
    meeting = add_meeting(match, datetime(2030, 5, 1, 9, tzinfo=UTC), status="proposed", answer_hours=None)
    with pytest.raises(Conflict):
        meetings.log_outcome(match.leader, meeting.id, "held", now=datetime(2030, 5, 2, tzinfo=UTC))


def test_logging_a_cancellation_records_who_cancelled(make_pair, add_meeting, login_as, client):
    match = make_pair()
    meeting = add_meeting(match, datetime.now(UTC) - timedelta(hours=1), status="accepted")
    login_as(match.mentor)
    client.post(f"/sessions/meeting/{meeting.id}/log", data={f"log-{meeting.id}-outcome": "cancelled-by-them"})
    [logged] = _meetings(match.id)
    assert (logged.status, logged.cancelled_by_id) == ("cancelled", match.leader_id)
    assert "cancelled by " + match.leader.name in client.get(f"/sessions/pair/{match.id}").get_data(as_text=True)


def test_cancelling_before_the_session(make_pair, add_meeting, login_as, client):
    # Given a proposal by the mentor and a planned session
    match = make_pair()
    soon = datetime.now(UTC) + timedelta(days=2)
    proposal = add_meeting(match, soon, status="proposed", answer_hours=None)
    planned = add_meeting(match, soon + timedelta(days=7), status="accepted")
    # When the leader tries to cancel the mentor's proposal, it is refused (they decline instead)
    login_as(match.leader)
    client.post(f"/sessions/meeting/{proposal.id}/cancel")
    assert _meetings(match.id)[0].status == "proposed"
    # And when the leader cancels the planned session, it is recorded as theirs
    client.post(f"/sessions/meeting/{planned.id}/cancel")
    assert (_meetings(match.id)[1].status, _meetings(match.id)[1].cancelled_by_id) == ("cancelled", match.leader_id)
    # And the mentor withdraws their own proposal
    client.post("/auth/logout")
    login_as(match.mentor)
    client.post(f"/sessions/meeting/{proposal.id}/cancel")
    assert (_meetings(match.id)[0].status, _meetings(match.id)[0].cancelled_by_id) == ("cancelled", match.mentor_id)


def test_an_ended_pair_is_read_only(make_pair, add_meeting, login_as, client):
    match = make_pair()
    meeting = add_meeting(match, datetime.now(UTC) + timedelta(days=2), status="proposed", answer_hours=None)
    match.status = "ended"
    db.session.commit()
    login_as(match.leader)
    page = client.get(f"/sessions/pair/{match.id}").get_data(as_text=True)
    assert "This pair has ended" in page and "Propose a session" not in page
    client.post(f"/sessions/meeting/{meeting.id}/accept")
    assert _meetings(match.id)[0].status == "proposed"
    assert f"pair-{match.id}" not in client.get("/sessions/").get_data(as_text=True)


# ---------------------------------------------------------------- who may see and act

PAIR_URLS = [
    ("get", "/sessions/pair/{match}"),
    ("post", "/sessions/pair/{match}/propose"),
    ("post", "/sessions/pair/{match}/fit"),
    ("post", "/sessions/meeting/{meeting}/accept"),
    ("post", "/sessions/meeting/{meeting}/decline"),
    ("post", "/sessions/meeting/{meeting}/cancel"),
    ("post", "/sessions/meeting/{meeting}/log"),
    ("get", "/sessions/meeting/{meeting}/feedback"),
    ("post", "/sessions/meeting/{meeting}/feedback"),
    ("get", "/sessions/meeting/{meeting}/invite.ics"),
]


@pytest.mark.parametrize("outsider", ["stranger", "manager", "other-pair-leader"])
@pytest.mark.parametrize(("method", "url"), PAIR_URLS)
def test_no_one_outside_the_pair_sees_or_acts_on_it(
    make_pair, add_meeting, make_person, make_manager, login_as, client, outsider, method, url, skills
):
    # Given a pair with a held and an accepted session, and someone outside it
    match = make_pair()
    held = add_meeting(match, datetime.now(UTC) - timedelta(days=1), status="held")
    add_meeting(match, datetime.now(UTC) + timedelta(days=3), status="accepted")
    person = {
        "stranger": lambda: make_person(is_mentor=True),
        "manager": make_manager,
        "other-pair-leader": lambda: make_pair().leader,
    }[outsider]()
    login_as(person)
    before = [(m.status, m.answered_at, m.cancelled_by_id) for m in _meetings(match.id)]
    data = {
        "propose-date": "2099-01-01",
        "propose-time": "10:00",
        "propose-duration": "60",
        "propose-format": "remote",
        "propose-skills": [str(skills["linkedin/personal-branding"])],
        "fit-good_fit": "no",
        f"log-{held.id}-outcome": "missed",
        "rating": "1",
        "visibility": "pair",
    }
    # When they use the pair's URL
    target = url.format(match=match.id, meeting=held.id)
    response = client.get(target) if method == "get" else client.post(target, data=data)
    # Then it is a 404 and nothing changed
    assert response.status_code == 404
    assert [(m.status, m.answered_at, m.cancelled_by_id) for m in _meetings(match.id)] == before
    assert meetings.fit_answer(person.id, match.id) is None


@pytest.mark.parametrize(("method", "url"), PAIR_URLS)
def test_sign_in_is_required(make_pair, add_meeting, client, method, url):
    match = make_pair()
    held = add_meeting(match, datetime.now(UTC) - timedelta(days=1), status="held")
    target = url.format(match=match.id, meeting=held.id)
    response = client.get(target) if method == "get" else client.post(target)
    assert response.status_code in (302, 401) and "/auth/login" in response.headers.get("Location", "/auth/login")


@pytest.mark.parametrize("bad_id", ["0", "-1", str(2**63), "abc"])
def test_tampered_ids_are_404(make_pair, login_as, client, bad_id):
    match = make_pair()
    login_as(match.leader)
    assert client.get(f"/sessions/pair/{bad_id}").status_code == 404
    assert client.post(f"/sessions/meeting/{bad_id}/accept").status_code == 404
