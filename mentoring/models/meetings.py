"""After the match: sessions (meetings) of a pair, two-way feedback, fit checks and notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring.database import UTCDateTime, utcnow
from mentoring.extensions import db
from mentoring.models.cohorts import Match
from mentoring.models.people import Person

FEEDBACK_TEXT_MAX = 2000
MEETING_STATUSES = ("proposed", "accepted", "declined", "held", "cancelled", "missed")
VISIBILITIES = ("pair", "manager")
SUBJECT_MAX = 200
OCCASION_MAX = 160
BODY_MAX = 8000


class Meeting(db.Model):
    """A mentoring session a pair proposes, answers and then logs as held, cancelled or missed."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    format: Mapped[str] = mapped_column(String(12), default="remote")
    skills: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    logged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    match: Mapped[Match] = relationship()
    proposed_by: Mapped[Person | None] = relationship(foreign_keys=[proposed_by_id])
    feedback: Mapped[list[Feedback]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Feedback.id"
    )


class Feedback(db.Model):
    """One side's feedback on a held session; text is shared per `visibility`, notes stay private."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("meeting_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    what_worked: Mapped[str] = mapped_column(String(FEEDBACK_TEXT_MAX), default="")
    try_next: Mapped[str] = mapped_column(String(FEEDBACK_TEXT_MAX), default="")
    visibility: Mapped[str] = mapped_column(String(12), default="pair")
    private_note: Mapped[str] = mapped_column(String(FEEDBACK_TEXT_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="feedback")
    author: Mapped[Person] = relationship()


class FitCheck(db.Model):
    """One side's answer to "is this a good fit?" after the pair's first held session."""

    __tablename__ = "fit_check"
    __table_args__ = (UniqueConstraint("match_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    good_fit: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(db.Model):
    """An email queued once per occasion (a publish notice, a nudge); the unique occasion key enforces once.

    Rows are written in the use case's transaction and sent after it commits (see services.mail).
    """

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion: Mapped[str] = mapped_column(String(OCCASION_MAX), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    body: Mapped[str] = mapped_column(String(BODY_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    # Delivery: a sender claims the row (token + until) before sending; an expired claim is free again,
    # and after a failure `claimed_until` is the earliest retry (backoff).
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    calendar: Mapped[str | None] = mapped_column(Text)  # an .ics attachment (session invite or cancellation)

    person: Mapped[Person | None] = relationship()
