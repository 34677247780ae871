"""How people get in: one-time links (invite, reset, verify), cohort invitations and linked company accounts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring.database import UTCDateTime, utcnow
from mentoring.extensions import db
from mentoring.models.cohorts import Cohort
from mentoring.models.people import Person

ISSUER_MAX = 255
SUBJECT_MAX = 255


class TokenPurpose(StrEnum):
    """What a one-time link lets its holder do."""

    INVITE = "invite"
    RESET = "reset"
    VERIFY = "verify"


class InvitationRole(StrEnum):
    """The role a person is invited to take in a cohort."""

    MENTOR = "mentor"
    LEADER = "leader"


class Invitation(db.Model):
    """A manager's invitation of one person to one cohort, as mentor or leader."""

    __tablename__ = "invitation"
    __table_args__ = (UniqueConstraint("cohort_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    times_sent: Mapped[int] = mapped_column(Integer, default=0)
    send_error: Mapped[str] = mapped_column(String(300), default="")
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class OneTimeToken(db.Model):
    """A one-time link: only the SHA-256 of its random token is kept, so a copy of the database opens nothing."""

    __tablename__ = "one_time_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(8))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    invitation: Mapped[Invitation | None] = relationship()


class ExternalIdentity(db.Model):
    """A company account (OpenID Connect issuer and subject) linked to a person at their first sign-in."""

    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"), UniqueConstraint("person_id", "issuer"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(ISSUER_MAX))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
