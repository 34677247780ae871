"""Login sessions live on the server: logout, password changes and disabling end them; timeouts; cookies; SSO."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_login import login_user
from sqlalchemy import func, select, update

from mentoring.database import utcnow
from mentoring.models import AuditEvent, LoginSession
from mentoring.services.usecases import accounts
from tests.conftest import DEFAULT_PASSWORD, login

COOKIE = "rm_session"
HTTPS = "https://localhost"
PRODUCTION = {"CONFIG": "production", "SECRET_KEY": "x" * 40, "TRUSTED_HOSTS": ["localhost"]}


def session_token(app: Flask, client: FlaskClient, cookie: str = COOKIE) -> str:
    """The login-session token inside the signed session cookie (what Flask-Login keeps)."""
    value = client.get_cookie(cookie).value
    return app.session_interface.get_signing_serializer(app).loads(value)["_user_id"]


def signed_in(client: FlaskClient, **kwargs: object) -> bool:
    """Whether the client reaches a page behind login."""
    return client.get("/account/", **kwargs).status_code == 200


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """A second browser holding a copy of the client's session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def release(db) -> None:
    """End the test's own transaction, so another app instance (another engine) may write to SQLite."""
    db.rollback()


def test_a_cookie_copied_before_logout_is_refused_afterwards(app, client, make_person):
    # Given a signed-in person and a copy of their cookie
    login(client, make_person(is_mentor=True))
    thief = copy_of(app, client)
    assert signed_in(thief)
    # When they sign out
    client.post("/auth/logout")
    # Then the copy no longer works
    assert not signed_in(thief)
    assert not signed_in(client)


def test_every_login_gets_a_new_session_token_and_the_old_cookie_is_useless(app, client, make_person):
    # Given a person who signs in, out, and in again
    person = make_person(is_leader=True)
    login(client, person)
    first = session_token(app, client)
    old_cookie = copy_of(app, client)
    client.post("/auth/logout")
    login(client, person)
    second = session_token(app, client)
    # Then each sign-in has its own identifier, and only the new one works
    assert first != second
    assert signed_in(client)
    assert not signed_in(old_cookie)


def test_two_browsers_get_two_sessions(app, make_person):
    person = make_person(is_mentor=True)
    one, two = app.test_client(), app.test_client()
    login(one, person)
    login(two, person)
    assert session_token(app, one) != session_token(app, two)
    assert signed_in(one) and signed_in(two)


def test_changing_the_password_ends_the_other_sessions_only(app, make_person):
    # Given a person signed in on two browsers
    person = make_person(is_mentor=True)
    here, elsewhere = app.test_client(), app.test_client()
    login(here, person)
    login(elsewhere, person)
    # When they change their password on one
    new = "another long pass phrase here"
    response = here.post("/account/password", data={"current": DEFAULT_PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302
    # Then that browser stays signed in and the other is signed out
    assert signed_in(here)
    assert not signed_in(elsewhere)
    login(app.test_client(), person, password=new)


def test_a_manager_disabling_an_account_ends_its_sessions(app, client, db, make_person, make_manager):
    # Given a signed-in mentor
    person = make_person(is_mentor=True)
    login(client, person)
    # When a manager disables the account
    accounts.set_active(make_manager(), person, False)
    # Then the mentor's session has ended and they cannot sign in again
    assert not signed_in(client)
    live = select(func.count(LoginSession.id)).where(
        LoginSession.person_id == person.id, LoginSession.revoked_at.is_(None)
    )
    assert db.execute(live).scalar_one() == 0
    response = client.post("/auth/login", data={"email": person.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200


IDLE_CASES = [
    # (role, idle for, signed in afterwards)
    ("manager", timedelta(minutes=29), True),
    ("manager", timedelta(minutes=31), False),
    ("mentor", timedelta(minutes=31), True),
    ("mentor", timedelta(hours=7, minutes=59), True),
    ("mentor", timedelta(hours=8, minutes=1), False),
    ("leader", timedelta(hours=8, minutes=1), False),
]


@pytest.mark.parametrize(("role", "idle", "still_in"), IDLE_CASES)
def test_idle_timeout_is_30_minutes_for_managers_and_8_hours_for_others(client, db, make_person, role, idle, still_in):
    # Given a signed-in person whose last request was `idle` ago
    person = make_person(**{f"is_{role}": True})
    login(client, person)
    db.execute(update(LoginSession).where(LoginSession.person_id == person.id).values(last_seen_at=utcnow() - idle))
    db.commit()
    # Then the next request is still signed in, or not
    assert signed_in(client) is still_in


@pytest.mark.parametrize(
    ("age", "still_in"), [(timedelta(days=6, hours=23), True), (timedelta(days=7, minutes=1), False)]
)
def test_absolute_timeout_is_7_days_even_when_active(client, db, make_person, age, still_in):
    # Given a session opened `age` ago and used a minute ago
    person = make_person(is_leader=True)
    login(client, person)
    now = utcnow()
    db.execute(
        update(LoginSession)
        .where(LoginSession.person_id == person.id)
        .values(created_at=now - age, last_seen_at=now - timedelta(minutes=1))
    )
    db.commit()
    # Then it is still valid before 7 days and ended after
    assert signed_in(client) is still_in


def test_an_expired_session_is_marked_ended_on_the_server(client, db, make_person):
    person = make_person(is_mentor=True)
    login(client, person)
    db.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(days=1)))
    db.commit()
    assert not signed_in(client)
    assert db.execute(select(LoginSession.revoked_at)).scalar_one() is not None


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def production_login(client: FlaskClient, email: str) -> object:
    """Sign in through the real form with its CSRF token, over HTTPS, as a browser would."""
    page = client.get("/auth/login", base_url=HTTPS)
    return client.post(
        "/auth/login",
        base_url=HTTPS,
        headers={"Referer": f"{HTTPS}/auth/login"},
        data={"email": email, "password": DEFAULT_PASSWORD, "csrf_token": _csrf(page.text)},
    )


def _cookie_flags(header: str) -> set[str]:
    """The attributes of a Set-Cookie header, lower-cased: {"secure", "httponly", "samesite=lax", "path=/"}."""
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_production_session_cookie_is_secure_httponly_and_lax(make_app, db, make_person):
    # Given the production config
    email = make_person(is_mentor=True).email
    release(db)
    production = make_app(**PRODUCTION)
    client = production.test_client()
    # When someone signs in
    response = production_login(client, email)
    assert response.status_code == 302
    # Then the session cookie carries Secure, HttpOnly, SameSite=Lax and the __Host- prefix
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Host-rm_session=")]
    assert cookies
    for header in cookies:
        flags = _cookie_flags(header)
        assert {"secure", "httponly", "samesite=lax", "path=/"} <= flags
        assert not any(flag.startswith("domain=") for flag in flags)


def test_production_remember_me_cookie_has_the_same_flags(make_app, db, make_person):
    # Given the production config and a route that signs in with "remember me" (the site offers none yet)
    email = make_person(is_mentor=True).email
    release(db)
    production = make_app(**PRODUCTION)

    @production.route("/test-only/remember")
    def remember() -> str:
        person = accounts.find_by_email(email)
        accounts.start_login_session(person)
        login_user(person, remember=True)
        return "ok"

    # When it is used
    response = production.test_client().get("/test-only/remember", base_url=HTTPS)
    # Then the remember-me cookie is Secure, HttpOnly and SameSite=Lax too
    remember_cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Host-rm_remember=")]
    assert remember_cookies
    assert {"secure", "httponly", "samesite=lax"} <= _cookie_flags(remember_cookies[0])


def test_sso_header_is_ignored_unless_configured(client, make_person):
    # Given the default config and a request carrying an identity header
    person = make_person(is_mentor=True)
    # Then nobody is signed in by it
    assert not signed_in(client, headers={"X-Remote-User": person.email})
    assert not signed_in(client, headers={"X-Forwarded-User": person.email, "Remote-User": person.email})


@pytest.fixture
def sso_app(make_app, db) -> Flask:
    """An app that trusts the X-Remote-User header from its reverse proxy."""
    release(db)
    return make_app(TRUSTED_IDENTITY_HEADER="X-Remote-User")


def test_sso_header_signs_in_the_named_person_when_configured(sso_app, db, make_person):
    # Given a configured identity header
    person = make_person(is_leader=True, name="Ada Proxy")
    email, person_id = person.email, person.id
    release(db)
    client = sso_app.test_client()
    # When the proxy names the person (in any case)
    response = client.get("/account/", headers={"X-Remote-User": email.upper()})
    # Then they are signed in, with a server-side session, and the sign-in is audited
    assert response.status_code == 200
    assert "Ada Proxy" in response.text
    assert signed_in(client, headers={"X-Remote-User": email})
    sessions = select(func.count(LoginSession.id)).where(LoginSession.person_id == person_id)
    assert db.execute(sessions).scalar_one() == 1
    actions = select(AuditEvent.action).where(AuditEvent.actor_id == person_id)
    assert db.execute(actions).scalars().all() == ["login.sso"]


@pytest.mark.parametrize("who", ["unknown", "disabled"])
def test_sso_header_naming_no_active_account_signs_in_nobody(sso_app, db, make_person, who):
    email = make_person(is_active=False).email if who == "disabled" else "nobody@example.com"
    release(db)
    assert not signed_in(sso_app.test_client(), headers={"X-Remote-User": email})


def test_sso_header_naming_someone_else_replaces_the_old_session(sso_app, db, make_person):
    # Given a browser signed in through the proxy as Ann
    ann, bob = make_person(name="Ann Old"), make_person(name="Bob New")
    ann_email, bob_email = ann.email, bob.email
    release(db)
    client = sso_app.test_client()
    assert "Ann Old" in client.get("/account/", headers={"X-Remote-User": ann_email}).text
    # When the proxy now names Bob (a shared computer)
    page = client.get("/account/", headers={"X-Remote-User": bob_email})
    # Then the page is Bob's, and Ann's session has ended on the server
    assert "Bob New" in page.text and "Ann Old" not in page.text
    ann_live = select(func.count(LoginSession.id)).where(
        LoginSession.revoked_at.is_(None), LoginSession.person.has(email=ann_email)
    )
    assert db.execute(ann_live).scalar_one() == 0
