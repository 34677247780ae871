"""Session pages (being built)."""

from flask_login import login_required

from mentoring.sessions import bp


@bp.route("/")
@login_required
def overview() -> str:
    """My sessions."""
    return "sessions"
