"""Each person downloads all their own data, and can delete their account leaving nothing behind."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from mentoring.database import utcnow
from mentoring.extensions import db as database
from mentoring.models import (
    AuditEvent,
    Feedback,
    FitCheck,
    LeaderRequest,
    LoginAttempt,
    Match,
    MatchRun,
    Meeting,
    Notification,
    PairRule,
    Person,
    RunPair,
)
from tests.conftest import DEFAULT_PASSWORD, login

LEADER_PRIVATE = "LEADER-PRIVATE-NOTE-5e1"
MENTOR_PRIVATE = "MENTOR-PRIVATE-NOTE-77c"


def pair_history(db, cohort, leader, mentor, skills: dict[str, int]) -> Match:
    """A published pair with a held session, feedback both ways (with private notes), fit checks and emails."""
    run = MatchRun(
        cohort_id=cohort.id,
        run_by_id=None,
        status="optimal",
        rules={},
        matched=1,
        total_score=80.0,
        unmatched=[{"leader_id": leader.id, "reason": "earlier run", "unfilled": 1}],
        mentor_loads=[{"mentor_id": mentor.id, "load": 1, "capacity": 1}],
    )
    run.pairs = [RunPair(leader_id=leader.id, mentor_id=mentor.id, score=80.0, reasons=[])]
    db.add(run)
    db.flush()
    match = Match(
        cohort_id=cohort.id,
        leader_id=leader.id,
        mentor_id=mentor.id,
        run_id=run.id,
        score=80.0,
        reasons=[{"criterion": "skills", "points": 60.0}],
    )
    db.add(match)
    db.add(PairRule(cohort_id=cohort.id, leader_id=leader.id, mentor_id=mentor.id, kind="pin"))
    db.flush()
    held = utcnow() - timedelta(days=3)
    meeting = Meeting(
        match_id=match.id,
        proposed_by_id=leader.id,
        answered_by_id=mentor.id,
        starts_at=held,
        status="held",
        skills=[skills["linkedin/personal-branding"]],
        answered_at=held,
        logged_at=held,
    )
    meeting.feedback = [
        Feedback(
            author_id=leader.id,
            rating=5,
            what_worked="Leader says: the hashtags",
            try_next="video",
            visibility="pair",
            private_note=LEADER_PRIVATE,
        ),
        Feedback(
            author_id=mentor.id,
            rating=4,
            what_worked="Mentor says: good questions",
            try_next="analytics",
            visibility="manager",
            private_note=MENTOR_PRIVATE,
        ),
    ]
    db.add(meeting)
    db.add_all(
        [
            FitCheck(match_id=match.id, person_id=leader.id, good_fit=True),
            FitCheck(match_id=match.id, person_id=mentor.id, good_fit=True),
        ]
    )
    for person in (leader, mentor):
        db.add(
            Notification(
                occasion=f"published:{match.id}:{person.id}",
                kind="published",
                person_id=person.id,
                match_id=match.id,
                cohort_id=cohort.id,
                to_address=person.email,
                subject=f"Your pair, {person.name}",
                body="You have been paired.",
            )
        )
    db.commit()
    return match


@pytest.fixture
def pair(db, make_cohort, make_mentor, make_leader, skills) -> dict[str, Any]:
    """A cohort with one published pair and its history."""
    cohort = make_cohort(status="published")
    mentor = make_mentor(cohort=cohort, name="Mina Mentor", skill_levels={"linkedin/personal-branding": 5})
    leader = make_leader(cohort, name="Leo Leader")
    match = pair_history(db, cohort, leader, mentor, skills)
    return {"cohort": cohort, "mentor": mentor, "leader": leader, "match": match}


def download(client) -> tuple[dict[str, Any], str]:
    """The signed-in person's data download, parsed and raw."""
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return json.loads(response.text), response.text


def test_a_mentor_downloads_all_their_data_and_of_others_only_names(app, client, db, pair):
    mentor, leader = pair["mentor"], pair["leader"]
    login(client, mentor)
    token = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("rm_session").value)["_user_id"]
    # When the mentor downloads their data
    data, raw = download(client)
    # Then it holds their profile, skills, cohorts, pair, session, feedback with private note, fit check, emails
    assert data["profile"]["email"] == mentor.email and data["profile"]["roles"] == ["mentor"]
    assert data["mentor_profile"]["skills"] == [
        {"skill": "linkedin/personal-branding", "name": data["mentor_profile"]["skills"][0]["name"], "proficiency": 5}
    ]
    assert [c["cohort"] for c in data["mentor_cohorts"]] == [pair["cohort"].name]
    assert [(p["your_role"], p["other_person"]) for p in data["pairs"]] == [("mentor", "Leo Leader")]
    assert [(s["status"], s["proposed_by"], s["answered_by"]) for s in data["sessions"]] == [
        ("held", "the other person", "you")
    ]
    assert [f["private_note"] for f in data["feedback_given"]] == [MENTOR_PRIVATE]
    assert [f["good_fit"] for f in data["fit_checks"]] == [True]
    assert [e["subject"] for e in data["emails_to_you"]] == ["Your pair, Mina Mentor"]
    assert data["sign_ins"] and all(
        set(s) == {"created_at", "last_seen_at", "ended_at", "ip", "browser"} for s in data["sign_ins"]
    )
    # And nothing of the other person beyond their name, nor anything that could sign in
    for secret in (
        leader.email,
        LEADER_PRIVATE,
        "Leo Leader says",
        "Your pair, Leo Leader",
        token,
        hashlib.sha256(token.encode()).hexdigest(),
        mentor.password_hash,
    ):
        assert secret not in raw
    # And the download is audited
    exported = db.execute(select(AuditEvent).where(AuditEvent.action == "account.exported")).scalar_one()
    assert (exported.actor_id, exported.object_id) == (mentor.id, str(mentor.id))


def test_a_leader_downloads_their_requests_and_goals(client, pair):
    login(client, pair["leader"])
    data, raw = download(client)
    assert [(r["cohort"], r["achieve"]) for r in data["leader_requests"]] == [
        (pair["cohort"].name, "Post weekly on LinkedIn.")
    ]
    assert data["leader_requests"][0]["goals"][0]["skill"] == "linkedin/personal-branding"
    assert data["leader_requests"][0]["goals"][0]["priority"] == "must"
    assert data["mentor_profile"] is None
    assert [p["other_person"] for p in data["pairs"]] == ["Mina Mentor"]
    assert [f["private_note"] for f in data["feedback_given"]] == [LEADER_PRIVATE]
    assert MENTOR_PRIVATE not in raw and pair["mentor"].email not in raw


def rows_referencing_person(person_id: int) -> dict[str, int]:
    """Every foreign-key column pointing at person.id, with how many rows hold `person_id`."""
    found: dict[str, int] = {}
    for table in database.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == "person":
                count = database.session.execute(
                    select(func.count()).select_from(table).where(key.parent == person_id)
                ).scalar_one()
                if count:
                    found[f"{table.name}.{key.parent.name}"] = count
    return found


def _delete(client, password: str = DEFAULT_PASSWORD, understood: str | None = "y"):
    data = {"password": password}
    if understood:
        data["understood"] = understood
    return client.post("/account/delete", data=data)


@pytest.mark.parametrize("leaving", ["mentor", "leader"])
def test_deleting_an_account_leaves_no_row_behind_and_tells_the_other_person(
    app: Flask, client, db, pair, make_person, leaving
):
    leaver = pair[leaving]
    stayer = pair["leader" if leaving == "mentor" else "mentor"]
    leaver_id, leaver_email, leaver_name = leaver.id, leaver.email, leaver.name
    # Given a person with a history everywhere: a pair, sessions, feedback, a report, failed sign-ins
    make_person(manager_id=leaver_id)
    client.post("/auth/login", data={"email": leaver_email, "password": "a wrong pass phrase"})
    login(client, leaver)
    other_browser = app.test_client()
    login(other_browser, leaver)
    before = rows_referencing_person(leaver_id)
    assert len(before) >= 10, before
    # When they delete their account with their password
    response = _delete(client)
    # Then they are signed out everywhere and no row anywhere refers to them
    assert response.status_code == 302
    assert "deleted" in client.get("/").text
    assert client.get("/account/").status_code == 302
    assert other_browser.get("/account/").status_code == 302
    db.expire_all()
    assert db.get(Person, leaver_id) is None
    assert rows_referencing_person(leaver_id) == {}
    assert db.execute(select(func.count(LoginAttempt.id))).scalar_one() == 0
    for run in db.execute(select(MatchRun)).scalars():
        assert leaver_id not in [u["leader_id"] for u in run.unmatched] + [x["mentor_id"] for x in run.mentor_loads]
    # And the other person is told by email, delivered, and keeps their own account
    told = db.execute(select(Notification).where(Notification.kind == "account_deleted")).scalar_one()
    assert told.person_id == stayer.id and told.sent_at is not None and leaver_name in told.body
    outbox = list(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))
    assert any(stayer.email in path.read_text() for path in outbox)
    assert db.get(Person, stayer.id) is not None
    # And the audit log records the deletion by id only, and keeps no name or email of the person
    deleted = db.execute(select(AuditEvent).where(AuditEvent.action == "account.deleted")).scalar_one()
    assert (deleted.object_type, deleted.object_id, deleted.actor_label) == ("person", str(leaver_id), "")
    for event in db.execute(select(AuditEvent)).scalars():
        text = " ".join(str(value) for value in (event.actor_label, event.object_id, event.detail))
        assert leaver_email not in text and leaver_name not in text


def test_the_other_persons_own_data_stays(client, db, pair):
    leader_id = pair["leader"].id
    login(client, pair["mentor"])
    _delete(client)
    db.expire_all()
    assert db.execute(select(LeaderRequest).where(LeaderRequest.person_id == leader_id)).scalar_one()
    assert db.execute(select(func.count(Match.id))).scalar_one() == 0


@pytest.mark.parametrize(
    ("password", "understood", "message"),
    [
        ("a wrong pass phrase", "y", "Your password is not right."),
        (DEFAULT_PASSWORD, None, "Tick the box to confirm."),
    ],
)
def test_deleting_needs_the_password_and_the_tick(client, db, make_person, password, understood, message):
    person = make_person(is_mentor=True)
    login(client, person)
    response = _delete(client, password, understood)
    assert response.status_code == 200
    assert message in response.text
    db.expire_all()
    assert db.get(Person, person.id) is not None


def test_the_only_manager_cannot_delete_their_account_but_one_of_two_can(client, db, make_manager):
    only = make_manager()
    login(client, only)
    response = _delete(client)
    assert "only programme manager" in response.text
    assert db.get(Person, only.id) is not None
    make_manager()
    assert _delete(client).status_code == 302
    db.expire_all()
    assert db.get(Person, only.id) is None


def test_deleting_is_a_post_only(client, make_person):
    login(client, make_person(is_mentor=True))
    assert client.get("/account/delete").status_code == 405
