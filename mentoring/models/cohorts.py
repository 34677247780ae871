"""Programme rounds and their matching: cohorts, match runs, pins/forbids and published matches."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring.database import UTCDateTime, utcnow
from mentoring.extensions import db
from mentoring.models.people import Person

COHORT_NAME_MAX = 120
COHORT_STATUSES = ("open", "matched", "published", "closed")
RUN_STATUSES = ("running", "optimal", "feasible", "infeasible", "failed")
RULE_KINDS = ("pin", "forbid")
MATCH_STATUSES = ("active", "ended")
STALL_DAYS_DEFAULT = 30  # a pair whose last held session is older than this many days has stalled


class Cohort(db.Model):
    """A programme round: people sign up while open, are matched, published, then closed."""

    __tablename__ = "cohort"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(COHORT_NAME_MAX), unique=True)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    stall_days: Mapped[int] = mapped_column(Integer, default=STALL_DAYS_DEFAULT)
    run_token: Mapped[str | None] = mapped_column(String(64))
    run_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The run lock's lease: renewed by the holder's heartbeat; once past, another run may take the lock.
    run_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.status}>"


class MatchRun(db.Model):
    """One run of the optimiser for a cohort: who, when, with which rules, and what it found."""

    __tablename__ = "match_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12), default="full")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="running")
    message: Mapped[str] = mapped_column(String(500), default="")
    matched: Mapped[int] = mapped_column(Integer, default=0)
    total_score: Mapped[float] = mapped_column(Float, default=0.0)
    stats: Mapped[dict] = mapped_column(JSON, default=dict)
    unmatched: Mapped[list] = mapped_column(JSON, default=list)
    mentor_loads: Mapped[list] = mapped_column(JSON, default=list)

    run_by: Mapped[Person | None] = relationship()
    pairs: Mapped[list[RunPair]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="(RunPair.leader_id, RunPair.mentor_id)"
    )


class RunPair(db.Model):
    """A pair proposed by a match run, with its score and per-criterion reasons."""

    __tablename__ = "run_pair"
    __table_args__ = (
        UniqueConstraint("run_id", "leader_id", "mentor_id"),
        Index("ix_run_pair_run_id_score", "run_id", "score"),  # the review's lowest quarter
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_run.id", ondelete="CASCADE"), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list] = mapped_column(JSON, default=list)

    run: Mapped[MatchRun] = relationship(back_populates="pairs")
    leader: Mapped[Person] = relationship(foreign_keys=[leader_id])
    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])


class PairRule(db.Model):
    """A manager's decision about one pair in a cohort: always pair them (pin) or never (forbid)."""

    __tablename__ = "pair_rule"
    __table_args__ = (UniqueConstraint("cohort_id", "leader_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    leader: Mapped[Person] = relationship(foreign_keys=[leader_id])
    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])


class Match(db.Model):
    """A published pair: what both people see on their pages and where sessions hang."""

    __tablename__ = "match"
    __table_args__ = (UniqueConstraint("cohort_id", "leader_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("match_run.id", ondelete="SET NULL"))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="active")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship()
    leader: Mapped[Person] = relationship(foreign_keys=[leader_id])
    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])

    def other(self, person_id: int) -> Person:
        """The other person of the pair."""
        return self.mentor if person_id == self.leader_id else self.leader

    def includes(self, person_id: int) -> bool:
        """Whether the person is the leader or the mentor of this pair."""
        return person_id in (self.leader_id, self.mentor_id)
