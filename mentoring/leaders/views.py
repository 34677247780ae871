"""Leader pages (being built)."""

from mentoring.access import leader_required
from mentoring.leaders import bp


@bp.route("/request", methods=["GET", "POST"])
@leader_required
def request_mentor() -> str:
    """The leader's request and goals."""
    return "request"


@bp.route("/mentor")
@leader_required
def my_mentor() -> str:
    """The mentor matched to this leader."""
    return "my mentor"
