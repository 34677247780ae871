"""Health probes for a load balancer: /healthz never touches the database, /readyz checks what the site needs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from mentoring.extensions import db
from mentoring.probes import add_readiness_check

PRODUCTION = {"CONFIG": "production", "SECRET_KEY": "x" * 40, "TRUSTED_HOSTS": ["mentoring.example.com"]}


@contextmanager
def statements_run() -> Iterator[list[str]]:
    """Collect every SQL statement the app runs inside the block."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_healthz_answers_without_the_database_or_a_sign_in(make_person, login_as):
    # Given a signed-in person (whose login session a page would load and touch)
    client = login_as(make_person())
    # When the probe is asked
    with statements_run() as statements:
        response = client.get("/healthz")
    # Then it answers at once, without a single query and without a cookie
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok\n"
    assert statements == []
    assert "Set-Cookie" not in response.headers


def test_readyz_answers_ready_even_while_a_writer_holds_the_database(client, make_person):
    # Given a write transaction in progress (on SQLite it holds the database's write lock)
    person = make_person()
    person.name = "Changed, not yet committed"
    db.session.flush()
    # When the load balancer asks
    response = client.get("/readyz")
    # Then the site is ready at once: the probe only reads
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok", "jobs": "ok"}}
    db.session.rollback()


def test_readyz_names_a_failing_check_without_its_detail(app, client):
    # Given a check another part of the site registered (a mail relay, say) that fails with a private detail
    def relay() -> tuple[bool, str]:
        raise ConnectionError("smtp://secret-host:25 refused")

    add_readiness_check(app, "mail relay", relay)
    # When the load balancer asks
    response = client.get("/readyz")
    # Then the site is not ready, the failing check is named, and the detail stays in the log
    assert response.status_code == 503
    checks = {"database": "ok", "jobs": "ok", "mail relay": "failed"}
    assert response.get_json() == {"status": "not ready", "checks": checks}
    assert "secret-host" not in response.get_data(as_text=True)


def test_readyz_is_not_ready_when_the_database_cannot_be_reached(make_app, tmp_path):
    # Given a site whose database file cannot be opened
    site = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
    # Then the process is up but not ready
    client = site.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "failed", "jobs": "ok"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_are_public_but_still_check_the_host(make_app, db, path):
    # Given the production config, which answers only to its host names and sends strangers to sign in
    db.rollback()
    client = make_app(**PRODUCTION).test_client()
    # Then a probe with the site's host name answers, with no sign-in, and one with another host does not
    assert client.get(path, base_url="https://mentoring.example.com").status_code == 200
    assert client.get(path, base_url="https://10.0.0.7").status_code == 400
    # And a probe is only read
    assert client.post(path, base_url="https://mentoring.example.com").status_code == 405
