"""Programme manager pages (being built)."""

from mentoring.access import manager_required
from mentoring.programme import bp


@bp.route("/cohorts")
@manager_required
def cohorts() -> str:
    """Cohorts."""
    return "cohorts"


@bp.route("/skills")
@manager_required
def skills() -> str:
    """Skill catalogue."""
    return "skills"


@bp.route("/audit")
@manager_required
def audit_log() -> str:
    """Audit log."""
    return "audit"
