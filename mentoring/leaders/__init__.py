"""Leaders: request a mentor with learning goals, see the mentor matched to them."""

from flask import Blueprint

bp = Blueprint("leaders", __name__, url_prefix="/leader")

from mentoring.leaders import choice_views, views  # noqa: E402,F401  (routes register on import)
