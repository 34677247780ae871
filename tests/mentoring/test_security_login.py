"""Sign-in and registration: brute-force limits shared by every worker, no enumeration, password policy."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from mentoring.database import utcnow
from mentoring.models import LoginAttempt, Person
from mentoring.services.infra import passwords
from tests.conftest import DEFAULT_PASSWORD, login

WRONG = "not the right pass phrase"
LIMIT = 10
REGISTERED_ANSWER = "If this email was not registered already"
CHECK_EMAIL_ANSWER = "We have sent a link to that address"
PASSWORD_128 = ("a quiet walk along the river " * 5)[:128]


def attempt(client: FlaskClient, email: str, password: str = WRONG, ip: str = "10.0.0.1") -> int:
    """One sign-in attempt from `ip`; returns the status code."""
    response = client.post("/auth/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})
    return response.status_code


def test_more_than_10_failures_a_minute_from_one_address_answer_429(client, make_person):
    # Given 10 failed attempts from one address, each for a different account
    person = make_person()
    assert [attempt(client, f"guess{n}@example.com") for n in range(LIMIT)] == [200] * LIMIT
    # When the 11th comes, even with the right password
    response = client.post(
        "/auth/login",
        data={"email": person.email, "password": DEFAULT_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    # Then it is refused with 429, a friendly page and a Retry-After header
    assert response.status_code == 429
    assert "Wait a minute" in response.text
    assert response.headers["Retry-After"] == "60"
    # And another address is not affected
    assert attempt(client, person.email, DEFAULT_PASSWORD, ip="10.0.0.2") == 302


def test_more_than_10_failures_a_minute_for_one_account_answer_429(client, make_person):
    # Given 10 failed attempts for one account, each from a different address
    person = make_person()
    assert [attempt(client, person.email, ip=f"10.0.1.{n}") for n in range(LIMIT)] == [200] * LIMIT
    # Then the 11th for that account is refused, from anywhere, whatever the case of the email
    assert attempt(client, person.email.upper(), DEFAULT_PASSWORD, ip="10.0.2.1") == 429


def test_the_limit_lifts_after_a_minute(client, db, make_person):
    person = make_person()
    for _ in range(LIMIT + 1):
        attempt(client, person.email)
    assert attempt(client, person.email, DEFAULT_PASSWORD) == 429
    # When the attempts are more than a minute old (moved in the database, no sleeping)
    db.execute(update(LoginAttempt).values(at=utcnow() - timedelta(seconds=61)))
    db.commit()
    # Then the person can sign in
    assert attempt(client, person.email, DEFAULT_PASSWORD) == 302


def test_address_and_account_limits_are_counted_separately(client, make_person):
    # Given 6 failures from address X (for account A) and 5 for account B (from address Y)
    a, b = make_person(), make_person()
    for _ in range(6):
        attempt(client, a.email, ip="10.0.0.10")
    for _ in range(5):
        attempt(client, b.email, ip="10.0.0.11")
    # Then B may still sign in from X: neither the address nor the account is over 10
    assert attempt(client, b.email, DEFAULT_PASSWORD, ip="10.0.0.10") == 302


def two_workers(make_app: Callable[..., Flask]) -> list[Flask]:
    """Two app instances of one deployment (as two gunicorn workers): one database, one SECRET_KEY."""
    secret = "one secret key shared by every worker of the site"
    return [make_app(SECRET_KEY=secret), make_app(SECRET_KEY=secret)]


@pytest.mark.parametrize("same", ["address", "account"])
def test_the_limit_holds_across_two_workers_sharing_the_database(make_app, db, make_person, same):
    # Given two workers
    email = make_person().email
    db.rollback()
    workers = [app.test_client() for app in two_workers(make_app)]

    def guess(n: int, password: str = WRONG) -> int:
        ip = "10.0.0.1" if same == "address" else f"10.0.3.{n}"
        login_as = email if same == "account" else f"guess{n}@example.com"
        return attempt(workers[n % 2], login_as, password, ip=ip)

    # When 10 failures from one address, or for one account, alternate between them
    assert [guess(n) for n in range(LIMIT)] == [200] * LIMIT
    # Then the 11th is refused by either worker
    assert guess(LIMIT) == 429
    assert guess(LIMIT + 1) == 429


def test_parallel_guesses_on_two_workers_cannot_slip_past_the_limit(make_app, db, make_person):
    # Given two workers and 24 wrong guesses sent at the same moment
    email = make_person().email
    db.rollback()
    apps = two_workers(make_app)
    guesses = 24
    statuses: list[int] = []
    start = threading.Barrier(guesses)

    def guess(n: int) -> None:
        client = apps[n % 2].test_client()
        start.wait()
        statuses.append(attempt(client, email, ip=f"10.9.0.{n}"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then at most 10 passwords were checked; all the others were told to wait (when every guess is
    # counted before any is checked, all of them may wait: that is the limit holding, not a failure)
    assert len(statuses) == guesses and set(statuses) <= {200, 429}
    assert statuses.count(200) <= LIMIT
    assert statuses.count(429) >= guesses - LIMIT


def _through_proxy(client: FlaskClient, n: int) -> int:
    """A failed attempt arriving from the reverse proxy (127.0.0.1), which names client n."""
    response = client.post(
        "/auth/login",
        data={"email": f"guess{n}@example.com", "password": WRONG},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
        headers={"X-Forwarded-For": f"203.0.113.{n}", "X-Forwarded-Proto": "https"},
    )
    return response.status_code


def test_forwarded_addresses_are_ignored_unless_a_proxy_is_configured(client):
    # Given no trusted proxy: an attacker rotating X-Forwarded-For is still one address
    statuses = [_through_proxy(client, n) for n in range(LIMIT + 1)]
    assert statuses == [200] * LIMIT + [429]


def test_behind_a_configured_proxy_each_client_address_is_limited_on_its_own(make_app, db):
    # Given one trusted reverse proxy in front of the site
    db.rollback()
    client = make_app(TRUSTED_PROXY_COUNT=1).test_client()
    # Then many people failing once each through the proxy do not lock everyone out
    assert [_through_proxy(client, n) for n in range(LIMIT + 1)] == [200] * (LIMIT + 1)
    # But one client failing too often is still limited
    assert [_through_proxy(client, 7) for _ in range(LIMIT)][-1] == 429


class CountingHasher(PasswordHasher):
    """The real argon2 hasher, counting its calls (a spy: every call still does the real work)."""

    def __init__(self) -> None:
        super().__init__(time_cost=2, memory_cost=19 * 1024, parallelism=1)
        self.calls = {"hash": 0, "verify": 0}

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        """Hash and count."""
        self.calls["hash"] += 1
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        """Verify and count."""
        self.calls["verify"] += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    """Swap in the counting hasher for the duration of a test."""
    spy = CountingHasher()
    passwords._dummy_hash()  # made once per process, before counting starts
    monkeypatch.setattr(passwords, "_HASHER", spy)
    return spy


def _page(client: FlaskClient, email: str, password: str) -> tuple[int, str]:
    response = client.post("/auth/login", data={"email": email, "password": password})
    return response.status_code, response.text.replace(email, "EMAIL")


def test_unknown_email_and_wrong_password_get_the_same_answer_and_work(client, make_person, hasher):
    # Given an existing account, and an inactive one
    person = make_person()
    inactive = make_person(is_active=False)
    answers, verifications = [], []
    # When someone tries an unknown email, a wrong password, and the right password of a disabled account
    for email, password in [("nobody@example.com", WRONG), (person.email, WRONG), (inactive.email, DEFAULT_PASSWORD)]:
        before = hasher.calls["verify"]
        answers.append(_page(client, email, password))
        verifications.append(hasher.calls["verify"] - before)
    # Then the pages are identical and each did exactly one argon2 verification (same timing class)
    assert answers[0][0] == 200
    assert answers[0] == answers[1] == answers[2]
    assert "do not match an account" in answers[0][1]
    assert verifications == [1, 1, 1]


NEW_PASSWORD = "a quiet walk along the river"


def register(client: FlaskClient, email: str, password: str = NEW_PASSWORD, name: str = "New Person"):
    """Post the registration form as a new mentor."""
    return client.post("/auth/register", data={"name": name, "email": email, "password": password, "as_mentor": "y"})


def test_registering_an_existing_email_gives_the_same_answer_as_a_new_one(app, client, db, make_person, hasher):
    # Given an existing account, and registration that confirms addresses by email
    # (with SELF_REGISTRATION=open a new account is signed in at once, which no taken address can imitate)
    app.config["SELF_REGISTRATION"] = "verified"
    existing = make_person()
    answers = []
    for email in ["brand.new@example.com", existing.email, f"  {existing.email.upper()} "]:
        before = hasher.calls["hash"]
        response = register(client, email)
        # Each answer is the same redirect, with the same message, after one hash
        answers.append((response.status_code, response.headers["Location"], hasher.calls["hash"] - before))
        assert CHECK_EMAIL_ANSWER in client.get(response.headers["Location"]).text
    assert answers[0] == answers[1] == answers[2] == (302, "/auth/login", 1)
    # And the existing account is untouched
    assert db.execute(select(func.count(Person.id)).where(Person.email == existing.email)).scalar_one() == 1
    login(client, existing)


def test_open_registration_of_a_taken_email_keeps_the_old_answer(client, db, make_person):
    existing = make_person()
    response = register(client, existing.email)
    assert response.headers["Location"] == "/auth/login"
    assert REGISTERED_ANSWER in client.get("/auth/login").text
    assert db.execute(select(func.count(Person.id)).where(Person.email == existing.email)).scalar_one() == 1


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("a" * 5 + "b" * 3 + "cde", False),  # 11 characters
        ("twelve chars", True),  # exactly 12, no digits, no capitals: no composition rules
        ("all lower case words here", True),
        (PASSWORD_128, True),
        (("ü🙂 " * 50)[:100], True),  # non-ASCII
        ("z" * 129, False),
        ("password1234", False),  # on the common list
        ("Qwerty123456", False),
        ("iloveyou1234", False),
        ("correct horse battery staple", False),  # famous phrases are on the list too
        ("aaaaaaaaaaaaaaaa", False),  # one or two characters repeated
    ],
)
def test_password_policy(client, db, password, accepted):
    # When someone registers with the password
    email = "policy@example.com"
    response = register(client, email, password=password)
    # Then it is accepted (an account exists, hashed) or refused with a message next to the field
    stored = db.execute(select(Person.password_hash).where(Person.email == email)).scalar_one_or_none()
    if accepted:
        assert response.status_code == 302, response.text
        assert stored is not None and password not in stored
        assert passwords.verify_password(stored, password)
    else:
        assert response.status_code == 200
        assert stored is None
        assert 'class="error"' in response.text


def test_passwords_are_hashed_with_argon2id_at_owasp_parameters(client, db):
    # When someone registers
    register(client, "hash.check@example.com")
    stored = db.execute(select(Person.password_hash).where(Person.email == "hash.check@example.com")).scalar_one()
    # Then the stored hash says argon2id, 19 MiB, 2 iterations, 1 lane (OWASP Password Storage Cheat Sheet)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_weaker_old_hash_is_upgraded_at_the_next_sign_in(client, db, make_person):
    # Given a person whose hash was made with weaker parameters
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(DEFAULT_PASSWORD)
    person = make_person(password_hash=weak)
    # When they sign in
    login(client, person)
    # Then the hash is replaced by one at today's parameters
    db.expire_all()
    assert db.get(Person, person.id).password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
