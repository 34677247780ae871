"""Limits on guessable or costly forms, with Flask-Limiter.

Storage: Redis when `REDIS_URL` is set, so every gunicorn worker shares one count; otherwise memory,
counted per worker process (a limit of N then allows up to N per worker). The sign-in limit is not
here: it is counted in the database (`login_attempt`, see `usecases.accounts`) and so is shared anyway.
Each limit is a setting (`RATELIMIT_*`), read when a request is checked.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_login import current_user
from werkzeug.wrappers import Response

TOO_MANY_PASSWORDS = "Too many password attempts in a short time. Wait a few minutes and try again."
TOO_MANY_SIGN_UPS = "Too many sign-ups from your network in a short time. Wait a while and try again."
TOO_MANY_PROPOSALS = "You proposed many sessions in a short time. Wait a while before proposing more."
TOO_MANY_EXPORTS = "Too many downloads in a short time. Wait a few minutes and try again."


def client_address() -> str:
    """The client's address (after TRUSTED_PROXY_COUNT trusted proxies)."""
    return "ip:" + (request.remote_addr or "")[:64]


def signed_in_person() -> str:
    """The signed-in person, or the client's address for anyone else."""
    if current_user.is_authenticated:
        return f"person:{current_user.id}"
    return client_address()


limiter = Limiter(key_func=client_address)


def _setting(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


def _refused(response: Response) -> bool:
    """Count only answers that did not go through: a success redirects, a wrong password shows the form again."""
    return not 300 <= response.status_code < 400


# Changing the password and deleting the account share one count of wrong current passwords.
current_password = limiter.shared_limit(
    _setting("RATELIMIT_REAUTHENTICATION"),
    "current-password",
    key_func=signed_in_person,
    deduct_when=_refused,
    error_message=TOO_MANY_PASSWORDS,
)
sign_up = limiter.limit(
    _setting("RATELIMIT_SIGN_UP"), key_func=client_address, methods=["POST"], error_message=TOO_MANY_SIGN_UPS
)
session_proposals = limiter.limit(
    _setting("RATELIMIT_PROPOSALS"), key_func=signed_in_person, error_message=TOO_MANY_PROPOSALS
)
exports = limiter.shared_limit(
    _setting("RATELIMIT_EXPORTS"), "exports", key_func=signed_in_person, error_message=TOO_MANY_EXPORTS
)


def init_app(app: Flask) -> None:
    """Bind the limiter: Redis storage when REDIS_URL is set, memory otherwise."""
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)  # Retry-After on a 429
    limiter.init_app(app)
