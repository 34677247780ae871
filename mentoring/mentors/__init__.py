"""Mentors: sign up with social-media skills, see the leaders matched to them."""

from flask import Blueprint

bp = Blueprint("mentors", __name__, url_prefix="/mentor")

from mentoring.mentors import choice_views, views  # noqa: E402,F401  (routes register on import)
