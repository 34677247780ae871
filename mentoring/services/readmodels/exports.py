"""A cohort's exports for its health page, and a ready export's file (built by usecases.exports)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import ExportFile, ExportKind, ExportStatus
from mentoring.services import NotFound


@dataclass(frozen=True)
class Format:
    """How one kind of export is built, named and served."""

    label: str
    audit_detail: str
    filename: str  # with {cohort}
    mimetype: str


FORMATS = {
    ExportKind.PAIRS_CSV: Format(
        "Pairs and metrics (CSV)", "pairs and metrics (CSV)", "cohort-{cohort}-pairs.csv", "text/csv"
    ),
    ExportKind.GRAPHML: Format(
        "Session graph (GraphML)",
        "session graph (GraphML)",
        "cohort-{cohort}-sessions.graphml",
        "application/graphml+xml",
    ),
}
SHOWN = 10  # the dashboard lists this many of a cohort's latest exports
NO_SUCH_EXPORT = "There is no such export: it may have expired. Ask for a new one on the cohort's health page."


def recent(cohort_id: int, limit: int = SHOWN) -> list[ExportFile]:
    """The cohort's latest exports, newest first (their texts are not loaded)."""
    query = (
        select(ExportFile)
        .where(ExportFile.cohort_id == cohort_id)
        .order_by(ExportFile.created_at.desc(), ExportFile.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


def ready_file(export_id: int) -> tuple[str, str, str]:
    """(text, filename, mimetype) of a ready export, or NotFound (unknown, expired, queued or failed)."""
    export = db.session.get(ExportFile, export_id)
    if export is None or export.status != ExportStatus.READY or export.content is None:
        raise NotFound(NO_SUCH_EXPORT)
    form = FORMATS[ExportKind(export.kind)]
    return export.content, form.filename.format(cohort=export.cohort_id), form.mimetype
