"""Sign-in with the company account, against a real OpenID Connect provider on 127.0.0.1 (tests/mentoring/
oidc_provider.py): the site fetches its discovery document, JWKS and tokens over HTTP, as in production."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import AuditEvent, ExternalIdentity
from mentoring.services.usecases import accounts
from tests.conftest import DEFAULT_PASSWORD
from tests.mentoring.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

FAILED = "Signing in with your company account did not work."
NOT_KNOWN = "does not match anyone in this programme yet"


@pytest.fixture(scope="module")
def provider():
    """One provider for the module, in a thread, on an ephemeral port."""
    running = Provider()
    yield running
    running.stop()


@pytest.fixture
def company(app, provider):
    """The app set up for company sign-in against the test provider, which behaves normally."""
    app.config.update(
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_MATCH_CLAIM="email",
    )
    provider.reset()
    return provider


def sign_in_with_company(client, provider, state: str | None = None):
    """Press the button, let the provider approve, and come back to the site (optionally with another state)."""
    start = client.get("/auth/oidc/start")
    assert start.status_code == 302 and start.headers["Location"].startswith(provider.issuer + "/authorize?")
    approved = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert approved.status_code == 302
    back = urlsplit(approved.headers["Location"])
    query = {key: values[0] for key, values in parse_qs(back.query).items()}
    if state is not None:
        query["state"] = state
    return client.get(f"{back.path}?{urlencode(query)}")


def signed_in(client) -> bool:
    """Whether the client's browser is signed in."""
    return client.get("/account/").status_code == 200


def audit_details(action: str) -> list[str]:
    """The details of the audit events of an action."""
    return list(db.session.execute(select(AuditEvent.detail).where(AuditEvent.action == action)).scalars())


def test_the_happy_path_links_the_account_and_signs_in(client, company, make_person) -> None:
    # Given an imported person with no password, known to the provider by the same email
    person = make_person(email="ada@example.com", password_hash=None, external_id="E1")
    company.reset(sub="subject-ada", email="ADA@example.com", email_verified=True)
    # When she signs in with her company account
    response = sign_in_with_company(client, company)
    # Then she is signed in, and her account is linked to the provider's subject
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert signed_in(client)
    link = db.session.execute(select(ExternalIdentity)).scalar_one()
    assert (link.person_id, link.issuer, link.subject) == (person.id, company.issuer, "subject-ada")
    assert audit_details("login.oidc") == ["first sign-in: company account linked"]
    # And the request used PKCE (S256) and a nonce
    request = company.authorize_requests[0]
    assert request["code_challenge_method"] == "S256" and request["code_challenge"] and request["nonce"]
    assert request["scope"] == "openid email profile"


def test_the_link_holds_when_the_email_changes(app, client, company, make_person) -> None:
    person = make_person(email="bo@example.com")
    company.reset(sub="subject-bo", email="bo@example.com", email_verified=True)
    sign_in_with_company(client, company)
    client.post("/auth/logout")
    company.reset(sub="subject-bo", email="bo.renamed@example.com", email_verified=True)
    other = app.test_client()
    assert sign_in_with_company(other, company).headers["Location"] == "/"
    assert signed_in(other)
    assert db.session.execute(select(ExternalIdentity.person_id)).scalar_one() == person.id


@pytest.mark.parametrize(
    ("mode", "why"),
    [("wrong_key", "BadSignatureError"), ("wrong_audience", "aud"), ("expired", "ExpiredTokenError")],
)
def test_a_bad_id_token_signs_nobody_in(client, company, make_person, mode: str, why: str) -> None:
    make_person(email="eve@example.com")
    company.reset(sub="subject-eve", email="eve@example.com", email_verified=True)
    company.mode = mode
    response = sign_in_with_company(client, company)
    assert response.headers["Location"] == "/auth/login"
    assert FAILED in client.get("/auth/login").text
    assert not signed_in(client)
    assert db.session.execute(select(ExternalIdentity)).first() is None
    [detail] = audit_details("login.oidc_failed")
    assert why in detail, detail  # why, for the operator: the error class and message, never a token


def test_a_replayed_nonce_is_refused(app, client, company, make_person) -> None:
    make_person(email="rita@example.com")
    company.reset(sub="subject-rita", email="rita@example.com", email_verified=True)
    assert sign_in_with_company(client, company).headers["Location"] == "/"
    # When a later ID token carries the nonce of the first sign-in
    company.mode = "replay_nonce"
    other = app.test_client()
    response = sign_in_with_company(other, company)
    # Then it is refused
    assert response.headers["Location"] == "/auth/login" and not signed_in(other)
    assert "nonce" in audit_details("login.oidc_failed")[0]


def test_a_state_that_does_not_match_is_refused(client, company, make_person) -> None:
    make_person(email="sam@example.com")
    company.reset(sub="subject-sam", email="sam@example.com", email_verified=True)
    response = sign_in_with_company(client, company, state="a-state-this-browser-never-sent")
    assert response.headers["Location"] == "/auth/login" and not signed_in(client)
    # Nor does a callback that no sign-in started
    assert client.get("/auth/oidc/callback?code=x&state=y").headers["Location"] == "/auth/login"


def test_an_unknown_person_is_not_let_in(client, company) -> None:
    company.reset(sub="subject-stranger", email="stranger@example.com", email_verified=True)
    response = sign_in_with_company(client, company)
    assert response.headers["Location"] == "/auth/login"
    assert NOT_KNOWN in client.get("/auth/login").text
    assert not signed_in(client) and db.session.execute(select(ExternalIdentity)).first() is None
    assert audit_details("login.oidc_refused") == ["no account matches the email claim"]


def test_an_unverified_email_claim_matches_nobody(client, company, make_person) -> None:
    make_person(email="una@example.com")
    company.reset(sub="subject-una", email="una@example.com", email_verified=False)
    sign_in_with_company(client, company)
    assert not signed_in(client)


def test_a_disabled_person_is_not_let_in(client, company, make_person, make_manager) -> None:
    person = make_person(email="dan@example.com")
    accounts.set_active(make_manager(), person, False)
    company.reset(sub="subject-dan", email="dan@example.com", email_verified=True)
    sign_in_with_company(client, company)
    assert not signed_in(client)
    assert audit_details("login.oidc_refused") == ["account disabled"]


def test_matching_by_employee_id(app, client, company, make_person) -> None:
    app.config["OIDC_MATCH_CLAIM"] = "employee_id"
    person = make_person(email="kim@example.com", external_id="E-4242")
    company.reset(sub="subject-kim", email="kim.private@example.org", employee_id="E-4242")
    assert sign_in_with_company(client, company).headers["Location"] == "/"
    assert db.session.execute(select(ExternalIdentity.person_id)).scalar_one() == person.id


def test_the_button_shows_only_when_configured_and_password_sign_in_can_be_turned_off(
    app, client, company, make_person
) -> None:
    person = make_person()
    page = client.get("/auth/login").text
    assert "Sign in with your company account" in page and 'name="password"' in page
    app.config["PASSWORD_SIGN_IN"] = False
    page = client.get("/auth/login").text
    assert "Sign in with your company account" in page and 'name="password"' not in page
    assert 'href="/auth/forgot"' not in page
    response = client.post("/auth/login", data={"email": person.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 404 and not signed_in(client)
    assert client.get("/auth/forgot").status_code == 404
    app.config.update(PASSWORD_SIGN_IN=True, OIDC_ISSUER="")
    assert "company account" not in client.get("/auth/login").text


def test_without_settings_the_company_routes_do_not_exist(client) -> None:
    assert client.get("/auth/oidc/start").status_code == 404
    assert client.get("/auth/oidc/callback").status_code == 404


def test_no_secret_reaches_the_audit_log(client, company, make_person) -> None:
    make_person(email="zoe@example.com")
    company.reset(sub="subject-zoe", email="zoe@example.com", email_verified=True)
    company.mode = "wrong_audience"
    sign_in_with_company(client, company)
    company.mode = "normal"
    sign_in_with_company(client, company)
    logged = " ".join(
        f"{e.detail} {e.object_id} {e.actor_label}" for e in db.session.execute(select(AuditEvent)).scalars()
    )
    assert CLIENT_SECRET not in logged and "eyJ" not in logged  # no client secret, no JWT
