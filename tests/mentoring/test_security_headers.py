"""Browser-side defences: security headers on every answer, trusted hosts, plain error pages, size limit."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.conftest import DEFAULT_PASSWORD

HTTPS = "https://localhost"
PRODUCTION = {"CONFIG": "production", "SECRET_KEY": "x" * 40, "TRUSTED_HOSTS": ["localhost"]}
SECRET_DETAIL = "secret detail 8d1f: no one should see this"


@pytest.fixture(params=["testing", "production"])
def site(request: pytest.FixtureRequest, make_app, db) -> Flask:
    """The app under each config, with a test-only route that fails."""
    db.rollback()  # the test's own session must not hold SQLite's write lock
    app = make_app(**(PRODUCTION if request.param == "production" else {}))

    @app.route("/test-only/boom")
    def boom() -> str:
        raise RuntimeError(SECRET_DETAIL)

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not the test's traceback
    return app


def _get(app: Flask, path: str, method: str = "GET", **kwargs: object) -> TestResponse:
    base = HTTPS if app.config["ENV_NAME"] == "production" else "http://localhost"
    return app.test_client().open(path, method=method, base_url=base, **kwargs)


ANSWERS = {
    "200 home": ("/", "GET", {}, 200),
    "302 to login": ("/account/", "GET", {}, 302),
    "404 unknown page": ("/no/such/page", "GET", {}, 404),
    "404 bad id": ("/programme/cohorts/0", "GET", {}, 404),
    "405 wrong method": ("/auth/logout", "GET", {}, 405),
    "413 too large": ("/auth/login", "POST", {"data": {"email": "a@example.com", "password": "p" * (2 << 20)}}, 413),
    "500 failure": ("/test-only/boom", "GET", {}, 500),
}


@pytest.mark.parametrize("answer", list(ANSWERS))
def test_security_headers_on_every_answer(site, answer):
    path, method, kwargs, status = ANSWERS[answer]
    # When the site answers with this status
    response = _get(site, path, method, **kwargs)
    assert response.status_code == status
    headers = response.headers
    # Then the browser is told to run only the site's own scripts and styles, never in a frame
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin-when-cross-origin"}
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
    # And HSTS only under the production config (it would pin a development laptop to HTTPS)
    production = site.config["ENV_NAME"] == "production"
    assert ("max-age=31536000" in headers.get("Strict-Transport-Security", "")) is production


def test_405_keeps_its_allow_header(site):
    assert "POST" in _get(site, "/auth/logout").headers["Allow"]


def test_pages_behind_login_are_never_cached(client, make_person):
    # Given a signed-in person
    person = make_person(is_mentor=True)
    client.post("/auth/login", data={"email": person.email, "password": DEFAULT_PASSWORD})
    # Then their pages (and their data download) tell every cache to keep nothing
    for path in ("/account/", "/account/data.json"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"


def test_static_files_carry_the_headers_but_may_be_cached(client):
    response = client.get("/static/site.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example", "localhost:80@evil.example"])
def test_unknown_host_is_refused_under_production(make_app, db, host):
    # Given the production config trusting only localhost
    db.rollback()
    app = make_app(**PRODUCTION)
    # When a request names another host
    response = app.test_client().get("/", base_url=HTTPS, headers={"Host": host})
    # Then it is refused with a plain answer (no page, no link built from the bad host), headers included
    assert response.status_code == 400
    assert "does not answer to that host name" in response.text
    assert host not in response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # While the trusted host is served
    assert app.test_client().get("/", base_url=HTTPS).status_code == 200


def test_production_failure_shows_a_plain_500_page_without_traceback(make_app, db):
    # Given the production config and a page that fails
    db.rollback()
    app = make_app(**PRODUCTION)

    @app.route("/test-only/boom")
    def boom() -> str:
        raise RuntimeError(SECRET_DETAIL)

    # When it is requested
    response = app.test_client().get("/test-only/boom", base_url=HTTPS)
    # Then the person sees a plain apology, and nothing of the failure
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    for leak in ("Traceback", "RuntimeError", SECRET_DETAIL, 'File "', ".py"):
        assert leak not in response.text
    assert not app.debug


def test_too_large_a_request_gets_a_friendly_413_page(client):
    # When someone sends more than MAX_CONTENT_LENGTH (1 MiB)
    response = client.post("/auth/register", data={"name": "n" * (2 << 20)})
    # Then a page explains it, in the site's layout
    assert response.status_code == 413
    assert "too large" in response.text.lower()
    assert "Sign in" in response.text
