"""Programme managers: cohorts, participants, matching, review, publish, skills, health, audit."""

from flask import Blueprint

bp = Blueprint("programme", __name__, url_prefix="/programme")

from mentoring.programme import views  # noqa: E402,F401  (routes register on import)
