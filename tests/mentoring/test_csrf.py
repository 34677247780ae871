"""CSRF, with the protection on as in production: every POST route refuses a missing or wrong token (a 400
page, nothing changed) and works with the right one; and no GET route changes anything, so every state change
is a POST and therefore protected.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import AuditEvent
from tests.conftest import DEFAULT_PASSWORD, clean_database
from tests.mentoring.form_cases import CASES
from tests.mentoring.world import (
    BOOKKEEPING,
    DERIVED,
    changes,
    comparable,
    fill,
    page_form,
    route_values,
    routes,
    snapshot,
)

REFUSED = "This form has expired or was not sent from this site."
ROLES = ("anonymous", "outsider", "mentor", "leader", "manager")
# What a GET may write: sign-in bookkeeping, and audit events of reading (exports, refusals).
AUDITED_READS = {"export", "account.exported", "access.forbidden"}


@pytest.fixture
def app(make_app) -> Iterator[Flask]:
    """The app with CSRF protection on (the testing config turns it off), on a clean database."""
    application = make_app(WTF_CSRF_ENABLED=True)

    @application.before_request
    def _new_token_cache() -> None:
        # Flask-WTF caches the page's token on `g`, which lives as long as the app context. In production
        # each request has its own; here one context spans the test, so forget the previous request's token.
        g.pop("csrf_token", None)

    with application.app_context():
        clean_database()
        yield application


def token_of(client: FlaskClient, page: str) -> str:
    """The CSRF token the page's forms carry for this browser."""
    return page_form(client.get(page).get_data(as_text=True), "csrf_token")["csrf_token"]


def token_page(signed_in: bool) -> str:
    """A page with a form for anonymous people or for anyone signed in."""
    return "/account/" if signed_in else "/auth/login"


def sign_in(app: Flask, person: object | None) -> FlaskClient:
    """A new client signed in through the login form, token included."""
    client = app.test_client()
    if person is not None:
        token = token_of(client, "/auth/login")
        response = client.post(
            "/auth/login", data={"email": person.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
    return client


def test_the_login_form_itself_needs_the_token(app, world):
    # Given a browser that did not get the form from this site
    client = app.test_client()
    # When it posts the right email and password without the token
    response = client.post("/auth/login", data={"email": world.mentor.email, "password": DEFAULT_PASSWORD})
    # Then it is refused, and nobody is signed in
    assert response.status_code == 400 and REFUSED in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 302


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_post_without_the_right_token_is_refused_and_with_it_works(app, world, case):
    # Given the scenario, a person who may send this form, and the form's fields
    case.setup(world)
    client = sign_in(app, world.person(case.role))
    path = case.path(world)
    field = case.token_field(world)
    body = {name: value for name, value in case.body(world, client).items() if name != field}
    strangers_token = token_of(app.test_client(), "/auth/login")
    before = comparable()
    # When it is sent with no token, an empty one, a made-up one, or one from another browser
    for token in (None, "", "not-a-token", strangers_token):
        response = client.post(path, data=body if token is None else {**body, field: token})
        # Then it is refused with a page saying why
        assert response.status_code == 400, (token, response.status_code)
        assert REFUSED in response.get_data(as_text=True)
    # And nothing changed
    assert changes(before, comparable()) == {}
    # When it is sent with the token of the person's own pages
    token = token_of(client, token_page(case.role != "anonymous"))
    response = client.post(path, data={**body, field: token})
    # Then it works
    assert response.status_code != 400 and REFUSED not in response.get_data(as_text=True)
    assert changes(before, comparable()) != {}


def _audit_rows() -> list[tuple]:
    rows = db.session.execute(select(AuditEvent.id, AuditEvent.action).order_by(AuditEvent.id)).all()
    db.session.rollback()
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("role", ROLES)
def test_no_get_route_changes_anything(app, world, role):
    # Given the scenario and a person of each role, signed in
    client = sign_in(app, world.person(role))
    before, before_bookkeeping, audit_before = snapshot(BOOKKEEPING | DERIVED), comparable(), _audit_rows()
    # When they GET every route that answers GET (with the scenario's ids)
    for rule, method in routes(app):
        if method == "GET":
            client.get(fill(rule, route_values(world, rule.endpoint)))
    # Then no row changed (derived health figures may have been asked for); sign-ins only had their "last seen"
    # touched, and the audit log only gained reads
    assert changes(before, snapshot(BOOKKEEPING | DERIVED)) == {}
    after_bookkeeping = comparable()
    for table in ("login_session", "login_attempt"):
        assert after_bookkeeping[table] == before_bookkeeping[table]
    audit_after = _audit_rows()
    assert audit_after[: len(audit_before)] == audit_before
    assert {action for _, action in audit_after[len(audit_before) :]} <= AUDITED_READS
