"""Mentor pages (being built)."""

from mentoring.access import mentor_required
from mentoring.mentors import bp


@bp.route("/profile", methods=["GET", "POST"])
@mentor_required
def profile() -> str:
    """The mentor's profile and skills."""
    return "mentor profile"


@bp.route("/leaders")
@mentor_required
def my_leaders() -> str:
    """The leaders matched to this mentor."""
    return "my leaders"
