"""Register, sign in, sign out."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from mentoring.auth import views  # noqa: E402,F401  (routes register on import)
