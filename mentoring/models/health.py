"""Stored health summaries: a cohort's (or the whole programme's) health figures, computed by a job."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mentoring.database import UTCDateTime
from mentoring.extensions import db

ALL_COHORTS = "all"  # the scope of the "all cohorts together" line of the overview
NAME_FOLD_MAX = 300
# The pair table's sort columns: each row stores its rank in that column's ascending order (None = no value).
RANKED = (
    "leader",
    "mentor",
    "status",
    "held",
    "last_held",
    "days_since",
    "cancelled_by_leader",
    "cancelled_by_mentor",
    "missed",
    "minutes_held",
    "mean_rating_by_leader",
    "mean_rating_by_mentor",
    "median_response_hours",
    "goals_covered",
    "fit",
)


def cohort_scope(cohort_id: int) -> str:
    """The summary scope of one cohort."""
    return f"cohort-{cohort_id}"


class HealthSummary(db.Model):
    """The health figures of a scope (a cohort, or all cohorts) as last computed, and whether newer are due."""

    __tablename__ = "health_summary"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(40), unique=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    as_of: Mapped[date | None] = mapped_column(Date)
    fingerprint: Mapped[str] = mapped_column(String(2000), default="")
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: never computed yet
    stale: Mapped[bool] = mapped_column(Boolean, default=True)  # a recompute is queued or running
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the last recompute was asked for
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the last recompute began


class HealthPairRow(db.Model):
    """One pair's row of a stored cohort summary, with its rank in every sortable column (paged in SQL)."""

    __tablename__ = "health_pair_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int] = mapped_column(ForeignKey("health_summary.id", ondelete="CASCADE"), index=True)
    match_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    attention: Mapped[bool] = mapped_column(Boolean, default=False)
    leader_fold: Mapped[str] = mapped_column(String(NAME_FOLD_MAX))
    mentor_fold: Mapped[str] = mapped_column(String(NAME_FOLD_MAX))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    by_leader: Mapped[int | None] = mapped_column(Integer)
    by_mentor: Mapped[int | None] = mapped_column(Integer)
    by_status: Mapped[int | None] = mapped_column(Integer)
    by_held: Mapped[int | None] = mapped_column(Integer)
    by_last_held: Mapped[int | None] = mapped_column(Integer)
    by_days_since: Mapped[int | None] = mapped_column(Integer)
    by_cancelled_by_leader: Mapped[int | None] = mapped_column(Integer)
    by_cancelled_by_mentor: Mapped[int | None] = mapped_column(Integer)
    by_missed: Mapped[int | None] = mapped_column(Integer)
    by_minutes_held: Mapped[int | None] = mapped_column(Integer)
    by_mean_rating_by_leader: Mapped[int | None] = mapped_column(Integer)
    by_mean_rating_by_mentor: Mapped[int | None] = mapped_column(Integer)
    by_median_response_hours: Mapped[int | None] = mapped_column(Integer)
    by_goals_covered: Mapped[int | None] = mapped_column(Integer)
    by_fit: Mapped[int | None] = mapped_column(Integer)
