"""Two-way feedback and the fit check: who reads what, one feedback per side, and the fit prompt."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mentoring.extensions import db
from mentoring.models import AuditEvent, Feedback, FitCheck, Notification
from mentoring.services.usecases import nudges
from tests.mentoring.world import export_text

PAIR_ONLY = "SENTINEL-PAIR-ONLY-7f3a"
LEADER_NOTE = "SENTINEL-LEADER-PRIVATE-91c2"
MENTOR_NOTE = "SENTINEL-MENTOR-PRIVATE-5d0e"
FOR_MANAGER = "SENTINEL-FOR-MANAGER-33b8"
SECRETS = (PAIR_ONLY, LEADER_NOTE, MENTOR_NOTE)


def _feedback_form(rating: str = "4", worked: str = "", next_: str = "", visibility: str = "pair", note: str = ""):
    return {"rating": rating, "what_worked": worked, "try_next": next_, "visibility": visibility, "private_note": note}


def _pages(client, urls: list[str]) -> str:
    texts = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        texts.append(response.get_data(as_text=True))
    return "\n".join(texts)


def test_the_feedback_form_comes_back_with_ones_own_answers(make_pair, add_meeting, login_as):
    # Given a leader who left feedback on a held session
    match = make_pair()
    held = add_meeting(match, datetime.now(UTC) - timedelta(days=2), status="held")
    client = login_as(match.leader)
    url = f"/sessions/meeting/{held.id}/feedback"
    client.post(url, data=_feedback_form("2", "Clear examples", "Short videos", "manager", "Bring the export"))
    # When they open the form again to edit it
    page = client.get(url).get_data(as_text=True)
    # Then it holds their rating, texts, choice of readers and private note
    assert re.search(r'<input checked[^>]*name="rating"[^>]*value="2"', page)
    assert re.search(r'<input checked[^>]*name="visibility"[^>]*value="manager"', page)
    assert all(text in page for text in ("Clear examples", "Short videos", "Bring the export"))


def test_feedback_privacy_sentinels_reach_only_their_readers(
    make_pair, add_meeting, make_manager, make_person, login_as, client, tmp_path: Path
):
    # Given a held session on which the leader wrote pair-only text and a private note, and the mentor
    # wrote text shared with the manager and a private note; plus a planned session and due nudges
    match = make_pair(leader={"name": "Leah"}, mentor={"name": "Max"})
    held = add_meeting(match, datetime.now(UTC) - timedelta(days=5), status="held")
    planned = add_meeting(match, datetime.now(UTC) + timedelta(days=5), status="accepted")
    manager = make_manager()
    login_as(match.leader)
    client.post(
        f"/sessions/meeting/{held.id}/feedback", data=_feedback_form("2", PAIR_ONLY, PAIR_ONLY, "pair", LEADER_NOTE)
    )
    client.post("/auth/logout")
    login_as(match.mentor)
    client.post(
        f"/sessions/meeting/{held.id}/feedback",
        data=_feedback_form("5", FOR_MANAGER, FOR_MANAGER, "manager", MENTOR_NOTE),
    )
    nudges.send_due_nudges(now=datetime.now(UTC) + timedelta(days=60))
    pair_pages = [
        "/sessions/",
        f"/sessions/pair/{match.id}",
        f"/sessions/meeting/{held.id}/feedback",
        f"/sessions/meeting/{planned.id}/invite.ics",
    ]

    # Then the mentor reads the leader's shared text, and their own note, but never the leader's note
    mentor_sees = _pages(client, pair_pages)
    assert PAIR_ONLY in mentor_sees and MENTOR_NOTE in mentor_sees and FOR_MANAGER in mentor_sees
    assert LEADER_NOTE not in mentor_sees
    client.post("/auth/logout")

    # And the leader reads the mentor's text and their own note, never the mentor's note
    login_as(match.leader)
    leader_sees = _pages(client, pair_pages)
    assert FOR_MANAGER in leader_sees and LEADER_NOTE in leader_sees
    assert MENTOR_NOTE not in leader_sees
    client.post("/auth/logout")

    # And the manager sees the ratings and only the text shared with managers, on every page and export
    login_as(manager)
    cohort = match.cohort_id
    manager_pair_page = _pages(client, [f"/programme/health/{cohort}/pairs/{match.id}"])
    assert FOR_MANAGER in manager_pair_page and "2/5" in manager_pair_page and "5/5" in manager_pair_page
    manager_sees = _pages(
        client,
        [
            f"/programme/health/{cohort}",
            "/programme/health/",
            f"/programme/health/{cohort}/pairs/{match.id}",
            "/programme/audit",
        ],
    )
    manager_sees += export_text(client, cohort, "pairs-csv") + export_text(client, cohort, "graphml")
    for secret in SECRETS:
        assert secret not in manager_sees

    # And no email, queued or sent, and no audit entry carries any feedback text
    emails = [n.subject + n.body for n in db.session.execute(select(Notification)).scalars()]
    emails += [p.read_text(errors="replace") for p in (tmp_path / "outbox").glob("*.eml")]
    assert emails, "the scenario sends emails (proposals, feedback notices, nudges)"
    audit_rows = [
        f"{e.action} {e.object_type} {e.object_id} {e.detail} {e.actor_label}"
        for e in db.session.execute(select(AuditEvent)).scalars()
    ]
    for text in emails + audit_rows:
        for secret in (*SECRETS, FOR_MANAGER):
            assert secret not in text


def test_a_stranger_never_reads_feedback(make_pair, add_meeting, make_person, login_as, client):
    match = make_pair()
    add_meeting(
        match,
        datetime.now(UTC) - timedelta(days=1),
        status="held",
        ratings={"leader": 3},
        texts={"leader": {"what_worked": PAIR_ONLY, "private_note": LEADER_NOTE}},
    )
    login_as(make_person(is_mentor=True))
    assert PAIR_ONLY not in client.get("/sessions/").get_data(as_text=True)
    assert client.get(f"/sessions/pair/{match.id}").status_code == 404


def test_feedback_opens_only_once_the_session_is_held(make_pair, add_meeting, login_as, client):
    match = make_pair()
    planned = add_meeting(match, datetime.now(UTC) - timedelta(hours=1), status="accepted")
    login_as(match.leader)
    assert client.get(f"/sessions/meeting/{planned.id}/feedback").status_code == 302
    client.post(f"/sessions/meeting/{planned.id}/feedback", data=_feedback_form())
    assert db.session.execute(select(func.count(Feedback.id))).scalar_one() == 0


def test_feedback_is_one_per_side_and_can_be_edited(make_pair, add_meeting, login_as, client):
    # Given a held session
    match = make_pair()
    held = add_meeting(match, datetime.now(UTC) - timedelta(days=1), status="held")
    login_as(match.leader)
    # When the leader saves feedback twice
    client.post(f"/sessions/meeting/{held.id}/feedback", data=_feedback_form("3", "first"))
    client.post(f"/sessions/meeting/{held.id}/feedback", data=_feedback_form("4", "second", visibility="manager"))
    # Then there is one row with the latest answers, and the mentor was told once
    db.session.expire_all()
    [row] = db.session.execute(select(Feedback)).scalars()
    assert (row.rating, row.what_worked, row.visibility) == (4, "second", "manager")
    notices = db.session.execute(select(Notification).where(Notification.kind == "feedback-received")).scalars()
    assert [n.person_id for n in notices] == [match.mentor_id]
    # And the form comes back filled in
    assert "second" in client.get(f"/sessions/meeting/{held.id}/feedback").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rating": "0"}, "Not a valid choice"),
        ({"rating": "6"}, "Not a valid choice"),
        ({"rating": ""}, "rating"),
        ({"visibility": "everyone"}, "Not a valid choice"),
        ({"what_worked": "x" * 2001}, "2000"),
        ({"private_note": "bad\x00byte"}, "NUL"),
    ],
)
def test_bad_feedback_is_refused_next_to_its_field(make_pair, add_meeting, login_as, client, change, message):
    match = make_pair()
    held = add_meeting(match, datetime.now(UTC) - timedelta(days=1), status="held")
    login_as(match.mentor)
    data = _feedback_form("4", "fine")
    data.update(change)
    response = client.post(f"/sessions/meeting/{held.id}/feedback", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="error"' in page and message.lower() in page.lower()
    assert db.session.execute(select(func.count(Feedback.id))).scalar_one() == 0


# ---------------------------------------------------------------- fit check


def test_the_fit_check_opens_after_the_first_held_session(make_pair, add_meeting, login_as, client):
    # Given a pair that has not met yet
    match = make_pair()
    login_as(match.leader)
    # Then there is no prompt and an answer is refused
    assert "Is this a good fit?" not in client.get(f"/sessions/pair/{match.id}").get_data(as_text=True)
    client.post(f"/sessions/pair/{match.id}/fit", data={"fit-good_fit": "no"})
    assert db.session.execute(select(func.count(FitCheck.id))).scalar_one() == 0
    # When their first session is held, the prompt shows until answered
    add_meeting(match, datetime.now(UTC) - timedelta(days=1), status="held")
    page = client.get(f"/sessions/pair/{match.id}").get_data(as_text=True)
    assert "please answer" in page
    assert "Is this pair a good fit?" in client.get("/sessions/").get_data(as_text=True)


def test_a_no_puts_the_pair_on_the_attention_list_and_the_answer_can_change(
    make_pair, add_meeting, make_manager, login_as, client
):
    # Given a pair that met once
    match = make_pair(leader={"name": "Lou Leader"})
    add_meeting(match, datetime.now(UTC) - timedelta(days=1), status="held")
    login_as(match.mentor)
    # When the mentor answers "no"
    client.post(f"/sessions/pair/{match.id}/fit", data={"fit-good_fit": "no"})
    [check] = db.session.execute(select(FitCheck)).scalars()
    assert (check.person_id, check.good_fit) == (match.mentor_id, False)
    assert "please answer" not in client.get(f"/sessions/pair/{match.id}").get_data(as_text=True)
    # Then the manager's attention list shows the pair
    client.post("/auth/logout")
    login_as(make_manager())
    page = client.get(f"/programme/health/{match.cohort_id}").get_data(as_text=True)
    attention = page.split('id="attention"')[1].split("</section>")[0]
    assert "Lou Leader" in attention and "mentor answered that this is not a good fit" in attention
    # And when the mentor changes their answer to yes, the same row is updated
    client.post("/auth/logout")
    login_as(match.mentor)
    client.post(f"/sessions/pair/{match.id}/fit", data={"fit-good_fit": "yes"})
    db.session.expire_all()
    [check] = db.session.execute(select(FitCheck)).scalars()
    assert check.good_fit is True


def test_a_fit_answer_must_be_yes_or_no(make_pair, add_meeting, login_as, client):
    match = make_pair()
    add_meeting(match, datetime.now(UTC) - timedelta(days=1), status="held")
    login_as(match.leader)
    response = client.post(f"/sessions/pair/{match.id}/fit", data={"fit-good_fit": "maybe"})
    assert response.status_code == 400
    assert db.session.execute(select(func.count(FitCheck.id))).scalar_one() == 0
