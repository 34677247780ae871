"""Exports of a cohort (pairs CSV, session graph): asked for on the dashboard, built by a job, downloaded later.

A request never computes a whole cohort: asking writes a queued `ExportFile` row and enqueues its job; the
job builds the text, stores it in the row, and records the export in the audit log. Ready exports are kept
`KEEP_DAYS` days, then the hourly sweep deletes them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import ExportFile, ExportKind, ExportStatus, Person
from mentoring.models.exports import EXPORT_ERROR_MAX
from mentoring.services import unit_of_work
from mentoring.services.infra import audit, jobs
from mentoring.services.readmodels import health
from mentoring.services.readmodels.exports import FORMATS
from mentoring.services.usecases.cohorts import get_cohort

TASK = "exports.build"
EXPIRE_TASK = "exports.expire"
KEEP_DAYS = 7
FAILED = "The export could not be built ({reason}). Ask for it again; if it fails again, tell the site's team."


def request_export(manager: Person, cohort_id: int, kind: ExportKind) -> ExportFile:
    """Queue an export of the cohort for the manager and return its row (the job fills it in)."""
    with unit_of_work():
        cohort = get_cohort(cohort_id)
        export = ExportFile(cohort_id=cohort.id, kind=kind, requested_by_id=manager.id, status=ExportStatus.QUEUED)
        db.session.add(export)
    jobs.enqueue(TASK, export.id)
    return export


def build(export_id: int, now: datetime | None = None) -> str:
    """The job: build a queued export's text, store it, and audit it; a failure is stored with its reason."""
    export = db.session.get(ExportFile, export_id)
    if export is None or export.status != ExportStatus.QUEUED:
        return "nothing to do"
    kind, cohort_id, actor_id = ExportKind(export.kind), export.cohort_id, export.requested_by_id
    as_of = (now or utcnow()).date()
    try:
        if kind is ExportKind.PAIRS_CSV:
            text = health.pairs_csv(cohort_id, as_of)
        else:
            text = health.sessions_graphml(cohort_id, as_of)
    except Exception as exc:  # any failure is shown on the dashboard, never left as a silent queued row
        db.session.rollback()
        current_app.logger.exception("Export %s of cohort %s failed", export_id, cohort_id)
        _finish(export_id, ExportStatus.FAILED, error=FAILED.format(reason=type(exc).__name__)[:EXPORT_ERROR_MAX])
        return "failed"
    _finish(export_id, ExportStatus.READY, content=text)
    actor = db.session.get(Person, actor_id) if actor_id is not None else None
    audit.record_now(
        "export", actor=actor, object_type="cohort", object_id=cohort_id, detail=FORMATS[kind].audit_detail
    )
    return "ready"


def _finish(export_id: int, status: ExportStatus, content: str | None = None, error: str = "") -> None:
    with unit_of_work():
        export = db.session.get(ExportFile, export_id)
        if export is None:  # the cohort was deleted meanwhile
            return
        export.status, export.content, export.error, export.finished_at = status, content, error, utcnow()


def expire(now: datetime | None = None) -> int:
    """Delete the exports asked for more than KEEP_DAYS days ago; returns how many (the hourly task)."""
    cutoff = (now or utcnow()) - timedelta(days=KEEP_DAYS)
    with unit_of_work():
        result = db.session.execute(delete(ExportFile).where(ExportFile.created_at < cutoff))
    return int(result.rowcount or 0)
