"""A published pair's sessions, feedback and fit check."""

from flask import Blueprint

bp = Blueprint("sessions", __name__, url_prefix="/sessions")

from mentoring.sessions import views  # noqa: E402,F401  (routes register on import)
