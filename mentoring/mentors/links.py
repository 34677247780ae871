"""Links from the pair pages of both roles to a pair's sessions page."""

from __future__ import annotations

from flask import current_app, url_for
from werkzeug.routing import BuildError


def pair_sessions_url(match_id: int) -> str:
    """The sessions page of one pair, or the sessions overview while that page does not exist."""
    if "sessions.pair" in current_app.view_functions:
        try:
            return url_for("sessions.pair", match_id=match_id)
        except BuildError:
            pass
    return url_for("sessions.overview")
