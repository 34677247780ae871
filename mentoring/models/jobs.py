"""Background jobs the manager follows on a page: a matching run queued, running, done, failed or cancelled."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring.database import UTCDateTime, utcnow
from mentoring.extensions import db
from mentoring.models.cohorts import MatchRun
from mentoring.models.people import Person

DETAIL_MAX = 500


class RunStage(StrEnum):
    """Where a matching job is: waiting, one of its working stages, or finished one way or another."""

    QUEUED = "queued"
    BUILDING = "building"  # reading the cohort into a matching problem
    SOLVING = "solving"  # matching.solve: scoring candidate pairs, then the optimiser
    EXPLAINING = "explaining"  # writing the pairs with their reasons and the why-unmatched
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_STAGES = (RunStage.QUEUED, RunStage.BUILDING, RunStage.SOLVING, RunStage.EXPLAINING)
WORKING_STAGES = (RunStage.BUILDING, RunStage.SOLVING, RunStage.EXPLAINING)


class RunJob(db.Model):
    """A matching run asked for from the page: it holds the cohort's run lock from queued until it ends."""

    __tablename__ = "run_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="full")
    repair_of: Mapped[list] = mapped_column(JSON, default=list)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    token: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[str] = mapped_column(String(64), default="")
    stage: Mapped[str] = mapped_column(String(12), default=RunStage.QUEUED)
    detail: Mapped[str] = mapped_column(String(DETAIL_MAX), default="")
    gap: Mapped[float | None] = mapped_column(Float)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("match_run.id", ondelete="SET NULL"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[Person | None] = relationship()
    run: Mapped[MatchRun | None] = relationship()

    @property
    def active(self) -> bool:
        """Whether the job is still queued or working."""
        return self.stage in ACTIVE_STAGES
