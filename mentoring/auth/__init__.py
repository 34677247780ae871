"""Register, sign in, sign out; one-time links (reset, confirm, invitation); company sign-in (OpenID Connect)."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from mentoring.auth import link_views, oidc, views  # noqa: E402,F401  (routes register on import)
