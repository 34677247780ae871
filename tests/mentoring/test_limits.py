"""Limits on guessable or costly forms (Flask-Limiter): current-password checks, sign-up, proposals, exports."""

from __future__ import annotations

import itertools
import random

import pytest
from flask.testing import FlaskClient

from mentoring.limits import limiter
from tests.conftest import DEFAULT_PASSWORD, login

OTHER_PASSWORD = "another long pass phrase for tests"
REDIS_URL = "redis://127.0.0.1:6379/2"


@pytest.fixture
def limited(app):
    """The test app with some limits set low (limits are read from the config at each request)."""

    def lower(**limits: object):
        app.config.update(limits)
        return app

    return lower


@pytest.fixture
def worker(make_app):
    """Apps standing for separate gunicorn workers: each builds its own limiter storage."""
    contexts = []

    def build(**settings: object):
        built = make_app(**settings)
        contexts.append(built.app_context())
        contexts[-1].push()
        return built

    yield build
    for context in reversed(contexts):
        context.pop()


def change_password(client: FlaskClient, current: str, new: str = OTHER_PASSWORD) -> int:
    """Post the change-password form; returns the status code."""
    data = {"current": current, "new": new, "confirm": new}
    return client.post("/account/password", data=data).status_code


def test_wrong_current_passwords_are_limited_per_person_and_deleting_shares_the_count(limited, make_person):
    app = limited(RATELIMIT_REAUTHENTICATION="3 per minute")
    person = make_person()
    client = app.test_client()
    login(client, person)

    # Given three wrong current passwords
    assert [change_password(client, "not my password at all") for _ in range(3)] == [200, 200, 200]
    # Then the next check is refused with the friendly page, even with the right password
    refused = client.post("/account/password", data={"current": DEFAULT_PASSWORD, "new": OTHER_PASSWORD})
    assert refused.status_code == 429
    assert "Too many password attempts" in refused.text and "Retry-After" in refused.headers
    # And deleting the account, which also asks for the password, shares the count
    assert client.post("/account/delete", data={"password": DEFAULT_PASSWORD, "understood": "y"}).status_code == 429


def test_successful_password_changes_do_not_count(limited, make_person):
    app = limited(RATELIMIT_REAUTHENTICATION="2 per minute")
    person = make_person()
    client = app.test_client()
    login(client, person)
    passwords = [DEFAULT_PASSWORD, OTHER_PASSWORD] * 2
    answers = [change_password(client, old, new) for old, new in itertools.pairwise(passwords)]
    assert answers == [302, 302, 302]


def sign_up(client: FlaskClient, n: int, ip: str) -> int:
    """Post the registration form from `ip`; returns the status code."""
    data = {"name": f"New {n}", "email": f"new{n}@example.com", "password": OTHER_PASSWORD, "as_mentor": "y"}
    return client.post("/auth/register", data=data, environ_base={"REMOTE_ADDR": ip}).status_code


def test_sign_ups_are_limited_per_address(limited):
    app = limited(RATELIMIT_SIGN_UP="3 per minute")
    client = app.test_client()
    assert [sign_up(client, n, "10.9.0.1") for n in range(3)] == [302, 302, 302]
    assert sign_up(client, 3, "10.9.0.1") == 429
    assert sign_up(client, 4, "10.9.0.2") == 302  # another address is not affected
    assert client.get("/auth/register", environ_base={"REMOTE_ADDR": "10.9.0.1"}).status_code == 200


def test_session_proposals_are_limited_per_person(limited, make_pair):
    app = limited(RATELIMIT_PROPOSALS="2 per hour")
    match = make_pair()
    from mentoring.extensions import db
    from mentoring.models import Person

    mentor, leader = db.session.get(Person, match.mentor_id), db.session.get(Person, match.leader_id)
    client = app.test_client()
    login(client, mentor)
    url = f"/sessions/pair/{match.id}/propose"
    # Any proposal counts, even one the form refuses: each valid one sends an email
    assert [client.post(url, data={}).status_code != 429 for _ in range(2)] == [True, True]
    assert client.post(url, data={}).status_code == 429
    # And the other person of the pair has their own count
    client.post("/auth/logout")
    login(client, leader)
    assert client.post(url, data={}).status_code != 429


def test_exports_are_limited_per_person(limited, make_person):
    app = limited(RATELIMIT_EXPORTS="2 per minute")
    client = app.test_client()
    login(client, make_person())
    assert [client.get("/account/data.json").status_code for _ in range(3)] == [200, 200, 429]


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis server at {REDIS_URL}")


def test_with_redis_url_the_counts_live_in_redis_and_every_worker_sees_them(worker):
    _redis_or_skip()
    import redis

    ip = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    first = worker(REDIS_URL=REDIS_URL, RATELIMIT_SIGN_UP="2 per minute")
    assert type(limiter.storage).__name__ == "RedisStorage"
    client = first.test_client()
    assert [sign_up(client, n, ip) for n in range(2)] == [302, 302]
    keys = redis.Redis.from_url(REDIS_URL).keys(f"*{ip}*")
    assert keys, "the count is kept in Redis"

    # Another worker (a new app with its own connection to Redis) sees the same count
    second = worker(REDIS_URL=REDIS_URL, RATELIMIT_SIGN_UP="2 per minute")
    assert sign_up(second.test_client(), 2, ip) == 429
    redis.Redis.from_url(REDIS_URL).delete(*keys)


def test_without_redis_url_the_counts_are_kept_in_memory(worker):
    worker()
    assert type(limiter.storage).__name__ == "MemoryStorage"


def test_registering_a_taken_email_does_the_same_work_as_a_new_one(app, db, make_person):
    # Given an existing account
    from sqlalchemy import func, select

    from mentoring.models import AuditEvent
    from mentoring.services.usecases import accounts

    existing = make_person()
    writes = []
    for email in ("fresh.person@example.com", existing.email):
        before = db.execute(select(func.count(AuditEvent.id))).scalar_one()
        accounts.register(accounts.NewAccount("Sam", email, OTHER_PASSWORD, is_mentor=True))
        writes.append(db.execute(select(func.count(AuditEvent.id))).scalar_one() - before)
    # Then both wrote (and committed) one audit event: a new account, or an attempt on a taken email
    assert writes == [1, 1]
