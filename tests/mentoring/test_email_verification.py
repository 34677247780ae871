"""Registration by setting: open signs in at once, verified waits for the email link, off sends people to HR."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import Person
from tests.mentoring.mail_links import finished, links_to, sent_mail

PASSWORD = "a quiet walk along the river"


def register(client, email: str, role: str = "as_mentor"):
    """Post the registration form and let the after-response work run."""
    return finished(
        client.post("/auth/register", data={"name": "New Person", "email": email, "password": PASSWORD, role: "y"})
    )


@pytest.fixture
def verified_client(make_app):
    """A client of an app with SELF_REGISTRATION=verified (its context pushed, on the clean database)."""
    from tests.conftest import clean_database

    app = make_app(SELF_REGISTRATION="verified")
    with app.app_context():
        clean_database()
        yield app, app.test_client()


def test_open_registration_signs_the_person_in_and_lands_on_their_form(client) -> None:
    response = register(client, "ada@example.com")
    assert response.headers["Location"] == "/mentor/profile"
    assert "Welcome! Your account is ready." in client.get("/mentor/profile").text
    leader = register(client.application.test_client(), "grace@example.com", role="as_leader")
    assert leader.headers["Location"] == "/leader/request"


def test_verified_registration_waits_for_the_link_then_signs_in(verified_client) -> None:
    app, client = verified_client
    response = register(client, "ada@example.com")
    assert response.headers["Location"] == "/auth/login"
    assert "open it within 48 hours" in client.get("/auth/login").text
    # The right password does not sign in before the address is confirmed; the message says why
    page = client.post("/auth/login", data={"email": "ada@example.com", "password": PASSWORD})
    assert page.status_code == 200 and "Confirm your email address first" in page.text
    # Opening the link shows a button (a mail scanner's GET uses nothing); pressing it signs in
    link = links_to(app, "ada@example.com", "confirm")[-1]
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 200
    confirmed = client.post(link)
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/mentor/profile"
    assert client.get("/mentor/profile").status_code == 200
    assert db.session.execute(select(Person.email_verified)).scalar_one() is True
    # The link works once
    assert client.post(link).status_code == 410


def test_verified_registration_answers_the_same_for_a_taken_address(verified_client) -> None:
    app, client = verified_client
    existing = Person(name="Taken", email="taken@example.com", languages=[], formats=[])
    db.session.add(existing)
    db.session.commit()
    answers = [register(client, email) for email in ["fresh@example.com", existing.email]]
    assert {(r.status_code, r.headers["Location"]) for r in answers} == {(302, "/auth/login")}
    # Only the owner of the taken address learns it was tried, and gets no link
    subjects = {to: subject for to, subject, _ in sent_mail(app)}
    assert "you already have an account" in subjects["taken@example.com"]
    assert "confirm your email" in subjects["fresh@example.com"]
    assert links_to(app, "taken@example.com", "confirm") == []


def test_registering_again_sends_a_new_link_and_ends_the_old_one(verified_client) -> None:
    app, client = verified_client
    register(client, "ada@example.com")
    register(client, "ada@example.com")
    first, second = links_to(app, "ada@example.com", "confirm")
    assert client.get(first).status_code == 410
    assert client.post(second).status_code == 302


def test_with_registration_off_there_is_no_form_and_no_link(make_app) -> None:
    from tests.conftest import clean_database

    app = make_app(SELF_REGISTRATION="off")
    with app.app_context():
        clean_database()
        client = app.test_client()
        assert "Accounts come from the HR records" in client.get("/auth/register").text
        register(client, "ada@example.com")
        assert db.session.execute(select(Person)).first() is None
        assert 'href="/auth/register"' not in client.get("/auth/login").text
