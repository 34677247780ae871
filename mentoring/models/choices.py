"""Leader choice: a cohort run as "leaders choose", the mentors suggested to each leader, and their picks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring.database import UTCDateTime, utcnow
from mentoring.extensions import db
from mentoring.models.people import Person


class ChoiceStatus(StrEnum):
    """Where a leader's pick of a mentor stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ChoiceRound(db.Model):
    """A cohort run as "leaders choose": the deadline, and when choosing started and ended."""

    __tablename__ = "choice_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), unique=True)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    suggested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Suggestion(db.Model):
    """A mentor suggested to a leader; rank 0 is the leader's place in the optimum for everyone still choosing."""

    __tablename__ = "suggestion"
    __table_args__ = (UniqueConstraint("cohort_id", "leader_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSON, default=list)

    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])


class MentorChoice(db.Model):
    """A leader's pick of a suggested mentor, which the mentor accepts or declines."""

    __tablename__ = "mentor_choice"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=ChoiceStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    leader: Mapped[Person] = relationship(foreign_keys=[leader_id])
    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])
