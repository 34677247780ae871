"""Programme managers: cohorts, participants, matching, review, publish, skills, people, audit."""

from flask import Blueprint

bp = Blueprint("programme", __name__, url_prefix="/programme")

# Routes register on import.
from mentoring.programme import (  # noqa: E402,F401
    admin_views,
    changes_views,
    choice_views,
    import_views,
    invitation_views,
    matching_views,
    views,
)
