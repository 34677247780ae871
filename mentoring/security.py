"""Request-level security: login-session loading, single sign-on and response headers.

Unknown Host headers are refused by Flask itself from the TRUSTED_HOSTS setting.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from mentoring.extensions import login_manager
from mentoring.models.people import EMAIL_MAX, normalise_email
from mentoring.probes import ENDPOINTS as PROBE_ENDPOINTS
from mentoring.services.infra import audit
from mentoring.services.usecases import accounts

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PERSONLESS_ENDPOINTS = frozenset({"static", *PROBE_ENDPOINTS})


def client_ip() -> str:
    """The client's address: the WSGI peer, or what TRUSTED_PROXY_COUNT trusted proxies forwarded."""
    return (request.remote_addr or "")[:64]


def init_app(app: Flask) -> None:
    """Wire proxies, login sessions, host checks, single sign-on and security headers into the app."""
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies > 0:
        # Behind N proxies, take the client address and scheme from the headers the last N of them set;
        # without this every request seems to come from the proxy (one address for the login limit),
        # and with it unconditionally anyone could claim any address in X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # server-side login sessions do this job
    login_manager.user_loader(accounts.load_login_session)
    app.before_request(_forget_previous_person)
    app.before_request(_load_person)
    app.after_request(_security_headers)


def _forget_previous_person() -> None:
    # Flask-Login caches the person on `g`, which lives as long as the app context. When a context
    # outlives one request (the test suite, a script pushing a context around several requests),
    # the next request must not inherit the previous one's person: it is loaded from its own cookie.
    g.pop("_login_user", None)


def _load_person() -> None:
    # Load (and touch) the login session before the view runs, so the touch commits nothing else.
    if request.endpoint in PERSONLESS_ENDPOINTS or isinstance(request.routing_exception, SecurityError):
        return  # static files and health probes need no person; an untrusted Host is refused before anything else
    header = current_app.config.get("TRUSTED_IDENTITY_HEADER")
    if header:
        _single_sign_on(header)
    current_user.is_authenticated  # noqa: B018 - loads the login session now


def _single_sign_on(header: str) -> None:
    """Sign in the person a trusted reverse proxy names; the proxy's word wins over an older cookie."""
    email = normalise_email(request.headers.get(header, ""))
    if not email or len(email) > EMAIL_MAX:
        return  # no identity from the proxy: password sign-in still works
    if current_user.is_authenticated:
        if current_user.email == email:
            return
        # Someone else is now signed in at the proxy (a shared computer): end the old session.
        accounts.end_login_session(current_user.login_token)
        logout_user()
    person = accounts.sso_person(email)
    if person is None:
        audit.record_now("login.sso_unknown", object_type="account", object_id="unknown", ip=client_ip())
        return
    session.clear()
    accounts.start_login_session(person, client_ip(), request.user_agent.string)
    login_user(person)
    audit.record_now("login.sso", actor=person, object_type="person", object_id=person.id, ip=client_ip())


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("HSTS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        # Pages may hold personal data: never let a shared cache or the back button keep them.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, otherwise None (no open redirects)."""
    if not target or target.startswith(("//", "\\")) or "\\" in target:
        return None
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None  # a line break would end the Location header (a 500); no page of the site has controls in its path
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return target
