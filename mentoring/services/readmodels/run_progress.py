"""The progress of a cohort's latest matching job, for the cohort and review pages and their JSON endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import RunJob, RunStage
from mentoring.models.jobs import WORKING_STAGES
from mentoring.services.infra import run_lock

LABELS = {
    RunStage.QUEUED: "Queued: waiting for a job worker",
    RunStage.BUILDING: "Building the problem from the cohort",
    RunStage.SOLVING: "Scoring the pairs and solving",
    RunStage.EXPLAINING: "Explaining and storing the result",
    RunStage.DONE: "Done",
    RunStage.FAILED: "Failed",
    RunStage.CANCELLED: "Cancelled",
}
STEPS = (RunStage.QUEUED, RunStage.BUILDING, RunStage.SOLVING, RunStage.EXPLAINING, RunStage.DONE)
REFRESH_SECONDS = 3


@dataclass(frozen=True)
class Progress:
    """Where the cohort's latest matching job is, in words for the page and as data for the JSON endpoint."""

    job_id: int
    kind: str
    stage: str
    label: str
    detail: str
    gap: float | None
    active: bool
    stalled: bool
    run_id: int | None
    requested_by: str
    created_at: datetime
    finished_at: datetime | None
    steps: tuple[tuple[str, str, str], ...]  # (stage, label, "done" | "current" | "todo")

    def as_json(self) -> dict[str, Any]:
        """The fields the page's script reads (no names of other people than the manager who asked)."""
        return {
            "job": self.job_id,
            "kind": self.kind,
            "stage": self.stage,
            "label": self.label,
            "detail": self.detail,
            "gap": self.gap,
            "active": self.active,
            "stalled": self.stalled,
            "run": self.run_id,
            "refresh_seconds": REFRESH_SECONDS if self.active else None,
        }


def _steps(stage: str) -> tuple[tuple[str, str, str], ...]:
    if stage in (RunStage.FAILED, RunStage.CANCELLED):
        return ()
    position = STEPS.index(RunStage(stage))
    return tuple(
        (
            step,
            LABELS[step],
            "done" if i < position or stage == RunStage.DONE else "current" if i == position else "todo",
        )
        for i, step in enumerate(STEPS)
    )


def latest_progress(cohort_id: int, now: datetime | None = None) -> Progress | None:
    """The cohort's most recent matching job, or None if it was never run from the page."""
    job = db.session.execute(
        select(RunJob).where(RunJob.cohort_id == cohort_id).order_by(RunJob.id.desc()).limit(1)
    ).scalar_one_or_none()
    if job is None:
        return None
    now = now or utcnow()
    stalled = job.stage in WORKING_STAGES and (job.heartbeat_at is None or job.heartbeat_at < now - run_lock.LEASE)
    label = LABELS[RunStage(job.stage)]
    if job.stage == RunStage.DONE and job.gap:
        label += f" (within {job.gap:.2%} of the best possible)"
    return Progress(
        job_id=job.id,
        kind=job.kind,
        stage=job.stage,
        label=label,
        detail=job.detail,
        gap=job.gap,
        active=job.active,
        stalled=stalled,
        run_id=job.run_id,
        requested_by=job.requested_by.name if job.requested_by else "",
        created_at=job.created_at,
        finished_at=job.finished_at,
        steps=_steps(job.stage),
    )
