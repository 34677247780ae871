"""Input on the sign-in and account forms: emails unique however typed, simultaneous sign-ups, NUL refused."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from mentoring.models import LoginAttempt, Person
from tests.conftest import DEFAULT_PASSWORD, login
from tests.mentoring.test_security_login import CHECK_EMAIL_ANSWER, NEW_PASSWORD, REGISTERED_ANSWER, register

NUL_MESSAGE = "Remove the NUL character"


def _count(db, email: str) -> int:
    return db.execute(select(func.count(Person.id)).where(Person.email == email)).scalar_one()


def test_emails_are_unique_regardless_of_case_and_surrounding_spaces(client, db):
    # Given an account registered with capitals and spaces around the email (which signs its owner in)
    assert register(client, "  Mixed.Case@Example.COM  ").status_code == 302
    client = client.application.test_client()
    # When the same address is registered again, typed differently
    response = register(client, "MIXED.case@example.com", name="Someone Else")
    # Then there is still one account, stored trimmed and lower-case, and the answer is the usual one
    assert response.status_code == 302
    assert REGISTERED_ANSWER in client.get("/auth/login").text
    assert _count(db, "mixed.case@example.com") == 1
    assert db.execute(select(Person.name).where(Person.email == "mixed.case@example.com")).scalar_one() == "New Person"
    # And signing in works however the email is typed
    response = client.post("/auth/login", data={"email": " MIXED.CASE@example.com ", "password": NEW_PASSWORD})
    assert response.status_code == 302


def _run_together(count: int, action: Callable[[int], None]) -> None:
    """Run `action(0..count-1)` in threads released at the same moment."""
    start = threading.Barrier(count)

    def run(n: int) -> None:
        start.wait()
        action(n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_two_simultaneous_sign_ups_with_one_email_leave_one_account(make_app, db):
    # Given two workers receiving the same sign-up at the same moment (typed differently)
    db.rollback()
    apps: list[Flask] = [make_app(SELF_REGISTRATION="verified"), make_app(SELF_REGISTRATION="verified")]
    answers: list[tuple[int, str]] = []

    def sign_up(n: int) -> None:
        client = apps[n].test_client()
        response = register(client, ["twin@example.com", "TWIN@example.com "][n], name=f"Twin {n}")
        answers.append((response.status_code, client.get("/auth/login").text))

    _run_together(2, sign_up)
    # Then there is one account and both people got the same friendly answer
    assert _count(db, "twin@example.com") == 1
    assert [status for status, _ in answers] == [302, 302]
    assert all(CHECK_EMAIL_ANSWER in page for _, page in answers)


AUTH_FORMS = {
    "/auth/register": {
        "name": "Nul Tester",
        "email": "nul.tester@example.com",
        "password": NEW_PASSWORD,
        "as_mentor": "y",
    },
    "/auth/login": {"email": "nul.person@example.com", "password": DEFAULT_PASSWORD},
}
ACCOUNT_FORMS = {
    "/account/password": {"current": DEFAULT_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    "/account/delete": {"password": DEFAULT_PASSWORD, "understood": "y"},
}
CASES = [
    (url, field)
    for forms in (AUTH_FORMS, ACCOUNT_FORMS)
    for url, data in forms.items()
    for field in data
    if field not in ("as_mentor", "understood")
]


@pytest.mark.parametrize(("url", "field"), CASES)
def test_nul_in_any_auth_or_account_field_is_refused_with_a_message(client, db, make_person, url, field):
    # Given a person (signed in for the account forms)
    person = make_person(email="nul.person@example.com", name="Nul Person")
    password_hash = person.password_hash
    if url in ACCOUNT_FORMS:
        login(client, person)
    data = dict({**AUTH_FORMS, **ACCOUNT_FORMS}[url])
    # When one field carries a NUL character
    data[field] = data[field][:4] + "\x00" + data[field][4:]
    response = client.post(url, data=data)
    # Then the form comes back with a message next to the field, and nothing changed
    assert response.status_code == 200
    assert NUL_MESSAGE in response.text
    db.expire_all()
    assert _count(db, "nul.tester@example.com") == 0
    assert db.get(Person, person.id).password_hash == password_hash
    if url == "/auth/login":
        assert db.execute(select(func.count(LoginAttempt.id))).scalar_one() == 0
