"""Exports a manager asked for: built by a job, kept in the row for a few days, then deleted."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from mentoring.database import UTCDateTime, utcnow
from mentoring.extensions import db

EXPORT_ERROR_MAX = 300


class ExportKind(StrEnum):
    """What an export holds."""

    PAIRS_CSV = "pairs-csv"
    GRAPHML = "graphml"


class ExportStatus(StrEnum):
    """Where an export stands."""

    QUEUED = "queued"
    READY = "ready"
    FAILED = "failed"


class ExportFile(db.Model):
    """One export of a cohort: who asked, its state, and (once ready) its text, loaded only for the download."""

    __tablename__ = "export_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default=ExportStatus.QUEUED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(String(EXPORT_ERROR_MAX), default="")
    # The text itself stays in the row (deferred: a listing never reads it); see docs/jobs.md for why.
    content: Mapped[str | None] = deferred(mapped_column(Text))
