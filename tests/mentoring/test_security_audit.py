"""The audit log: security events and manager actions with UTC time, actor and object; never secrets."""

from __future__ import annotations

import hashlib
from datetime import UTC, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from mentoring.database import utcnow
from mentoring.models import AuditEvent
from mentoring.services.infra import audit
from mentoring.services.usecases import accounts
from tests.conftest import login
from tests.mentoring.test_account_data import LEADER_PRIVATE, MENTOR_PRIVATE, pair_history

FIRST_PASSWORD = "first pass phrase of the journey"
SECOND_PASSWORD = "second pass phrase after change"
TYPED_IN_EMAIL_FIELD = "oops-my-pass-phrase-in-the-email-box"


def _path_of(app: Flask, endpoint: str) -> str:
    """The URL of a manager page without arguments, from the app's own URL map."""
    return next(rule.rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)


def _events(db, action: str) -> list[AuditEvent]:
    return list(db.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).scalars())


def _token(app: Flask, client) -> str:
    return app.session_interface.get_signing_serializer(app).loads(client.get_cookie("rm_session").value)["_user_id"]


def test_a_journey_is_audited_without_passwords_tokens_or_feedback(
    app, client, db, make_manager, make_cohort, make_leader, skills
):
    # Given a manager, and a newcomer who registers, mistypes, signs in, changes password...
    manager = make_manager(name="Mia Manager")
    client.post(
        "/auth/register",
        data={"name": "Nia Newcomer", "email": "nia@example.com", "password": FIRST_PASSWORD, "as_mentor": "y"},
    )
    client.post("/auth/logout")  # registering signed her in
    client.post("/auth/login", data={"email": "nia@example.com", "password": "a wrong pass phrase here"})
    client.post("/auth/login", data={"email": TYPED_IN_EMAIL_FIELD, "password": FIRST_PASSWORD})
    client.post("/auth/login", data={"email": "nia@example.com", "password": FIRST_PASSWORD})
    tokens = [_token(app, client)]
    client.post(
        "/account/password", data={"current": FIRST_PASSWORD, "new": SECOND_PASSWORD, "confirm": SECOND_PASSWORD}
    )
    nia = accounts.find_by_email("nia@example.com")
    # ... is paired, writes feedback, opens a manager page, downloads their data ...
    cohort = make_cohort(status="published")
    pair_history(db, cohort, make_leader(cohort), nia, skills)
    manager_page = _path_of(app, "programme.cohorts")
    assert client.get(manager_page).status_code == 403
    client.get("/account/data.json")
    # ... is made a leader by the manager, and finally deletes the account
    accounts.set_roles(manager, nia, mentor=True, leader=True, is_manager=False)
    login(client, nia, password=SECOND_PASSWORD)
    tokens.append(_token(app, client))
    nia_id = nia.id
    assert client.post("/account/delete", data={"password": SECOND_PASSWORD, "understood": "y"}).status_code == 302

    # Then each step is in the audit log with a UTC time, an actor where there is one, and an object
    expected = {
        "account.registered": ("person", str(nia_id)),
        "login.failure": ("person", str(nia_id)),
        "login.success": ("person", str(nia_id)),
        "account.password_changed": ("person", str(nia_id)),
        "access.forbidden": ("path", manager_page),
        "account.exported": ("person", str(nia_id)),
        "role.changed": ("person", str(nia_id)),
        "account.deleted": ("person", str(nia_id)),
    }
    now = utcnow()
    for action, target in expected.items():
        events = _events(db, action)
        assert events, action
        event = events[0]
        assert (event.object_type, event.object_id) == target
        assert event.at.tzinfo == UTC and now - timedelta(minutes=5) < event.at <= now
    assert _events(db, "role.changed")[0].actor_id == manager.id
    assert _events(db, "role.changed")[0].detail == "mentor -> mentor,leader"
    # A mistyped sign-in to an unknown "email" names no account at all
    assert ("account", "unknown") in [(e.object_type, e.object_id) for e in _events(db, "login.failure")]

    # And nowhere in the log is a password, a session token (or its hash), or feedback text
    secrets = [
        FIRST_PASSWORD,
        SECOND_PASSWORD,
        TYPED_IN_EMAIL_FIELD,
        LEADER_PRIVATE,
        MENTOR_PRIVATE,
        "Leader says",
        "Mentor says",
        "argon2",
    ]
    secrets += tokens + [hashlib.sha256(token.encode()).hexdigest() for token in tokens]
    columns = [c for c in AuditEvent.__table__.columns if c.name not in ("id", "at", "actor_id")]
    for row in db.execute(select(*columns)).all():
        text = " | ".join(str(value) for value in row)
        for secret in secrets:
            assert secret not in text, (secret, text)


def test_a_403_is_audited_with_the_person_and_the_path(app, client, db, make_person):
    person = make_person(is_leader=True)
    login(client, person)
    page = _path_of(app, "programme.skills")
    assert client.get(page).status_code == 403
    event = _events(db, "access.forbidden")[0]
    assert (event.actor_id, event.object_id, event.detail) == (person.id, page, "GET")


@pytest.mark.parametrize(
    "name", ["Eve\nFAKE\tlogin.success\tadmin", "Eve\r\nX", "Eve\u2028X", "Eve\x85X", "Eve\x1b[31mX"]
)
def test_a_name_with_a_newline_still_makes_one_log_line(client, db, make_person, name):
    # Given a person whose name holds line breaks, tabs or escape codes, acting and being named in an event
    person = make_person(name=name)
    event = audit.record(
        "test.renamed", actor=person, object_type="person", object_id=person.id, detail=f"renamed to {name}"
    )
    db.commit()
    # Then the event is one line of exactly six tab-separated fields
    line = audit.as_log_line(event)
    assert len(line.splitlines()) == 1
    assert not {"\n", "\r", "\u2028", "\x85", "\x1b"} & set(line)
    assert len(line.split("\t")) == 6
    assert "renamed to Eve" in line


def test_a_name_with_a_newline_registered_through_the_form_makes_one_log_line(client, db):
    client.post(
        "/auth/register",
        data={"name": "Eve\nINJECTED\tline", "email": "eve@example.com", "password": FIRST_PASSWORD, "as_leader": "y"},
    )
    event = _events(db, "account.registered")[0]
    assert "Eve INJECTED line" in event.actor_label
    assert len(audit.as_log_line(event).splitlines()) == 1
