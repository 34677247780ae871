"""Sign-in with the company account through OpenID Connect (Authlib's Flask client).

Discovery document from OIDC_ISSUER; authorization code flow with PKCE (S256); Authlib checks the
state and the nonce kept in the session, and the ID token's signature (the provider's JWKS); the
issuer, audience and expiry are required and checked here. Which person the token names is the
service's business (services.usecases.company_sign_in).
"""

from __future__ import annotations

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from mentoring.auth import bp
from mentoring.auth.views import sign_in
from mentoring.security import client_ip, safe_next
from mentoring.services.infra import audit
from mentoring.services.usecases import company_sign_in
from mentoring.services.usecases.meetings import site_link

EXTENSION = "mentoring.oidc"
NEXT_KEY = "oidc_next"
FAILED = "Signing in with your company account did not work. Try again, or ask your programme manager."
TIMEOUT_SECONDS = 10


def company_client(app: Flask) -> FlaskOAuth2App | None:
    """This app's OpenID Connect client (made at first use from the settings), or None when not configured."""
    client = app.extensions.get(EXTENSION)
    issuer = (app.config.get("OIDC_ISSUER") or "").rstrip("/")
    if client is not None or not issuer:
        return client
    oauth = OAuth(app)  # one registry per app: each app (and test) has its own provider
    client = app.extensions[EXTENSION] = oauth.register(
        "company",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": app.config.get("OIDC_SCOPES") or "openid email profile",
            "code_challenge_method": "S256",
            "default_timeout": TIMEOUT_SECONDS,
        },
    )
    return client


def _client() -> FlaskOAuth2App:
    client = company_client(current_app._get_current_object())  # type: ignore[attr-defined]
    if client is None:
        abort(404)  # no company sign-in configured
    return client


def _issuer() -> str:
    return str(current_app.config["OIDC_ISSUER"]).rstrip("/")


def _claims_options() -> dict:
    """Claims the ID token must carry, with the values they must have."""
    return {
        "iss": {"essential": True, "values": [_issuer(), _issuer() + "/"]},
        "aud": {"essential": True, "value": current_app.config["OIDC_CLIENT_ID"]},
        "exp": {"essential": True},
        "sub": {"essential": True},
    }


def _refuse(reason: str) -> Response:
    audit.record_now("login.oidc_failed", object_type="account", object_id="unknown", ip=client_ip(), detail=reason)
    flash(FAILED, "error")
    return redirect(url_for("auth.login"))


@bp.route("/oidc/start")
def oidc_start() -> Response:
    """Send the browser to the company's sign-in page."""
    client = _client()
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        current_app.logger.warning("OpenID provider discovery failed: %s", exc)
        return _refuse(f"discovery failed: {type(exc).__name__}")
    if str(metadata.get("issuer", "")).rstrip("/") != _issuer():
        return _refuse("the discovery document names another issuer")
    session[NEXT_KEY] = safe_next(request.args.get("next")) or ""
    # The address registered at the provider: SITE_URL's when set (behind a proxy), else this request's.
    callback = site_link("auth.oidc_callback") if current_app.config.get("SITE_URL") else None
    return client.authorize_redirect(callback or url_for("auth.oidc_callback", _external=True))


@bp.route("/oidc/callback")
def oidc_callback() -> Response:
    """Back from the company's sign-in page: check everything, then sign the person in."""
    client = _client()
    target = session.pop(NEXT_KEY, "") or url_for("main.home")
    try:
        token = client.authorize_access_token(claims_options=_claims_options())
    except (OAuthError, JoseError, requests.RequestException, ValueError, KeyError, TypeError) as exc:
        return _refuse(f"{type(exc).__name__}: {exc}")
    claims = token.get("userinfo")
    if not claims:
        return _refuse("no ID token")
    try:
        person = company_sign_in.sign_in_with_claims(
            _issuer(), dict(claims), current_app.config.get("OIDC_MATCH_CLAIM") or "email", client_ip()
        )
    except company_sign_in.SignInRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("auth.login"))
    sign_in(person)
    return redirect(target)
