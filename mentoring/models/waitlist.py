"""Leaders waiting for a mentor in a published cohort: unmatched at publish, pair ended, or joined late."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring.database import UTCDateTime, utcnow
from mentoring.extensions import db
from mentoring.models.people import Person

WAITLIST_REASON_MAX = 300


class WaitlistStatus(StrEnum):
    """Where a waitlist entry stands."""

    WAITING = "waiting"
    PLACED = "placed"
    REMOVED = "removed"


class WaitlistEntry(db.Model):
    """One leader on a cohort's waitlist, why, and whether they still wait."""

    __tablename__ = "waitlist_entry"
    __table_args__ = (UniqueConstraint("cohort_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(WAITLIST_REASON_MAX), default="")
    status: Mapped[str] = mapped_column(String(12), default=WaitlistStatus.WAITING)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
