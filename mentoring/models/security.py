"""Security records: server-side login sessions, login attempts and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring.database import UTCDateTime, utcnow
from mentoring.extensions import db
from mentoring.models.people import Person

AUDIT_DETAIL_MAX = 500


class LoginSession(db.Model):
    """A signed-in browser: the cookie holds a token whose hash is stored here, so logout is real."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    person: Mapped[Person] = relationship()


class LoginAttempt(db.Model):
    """A login attempt, kept briefly for rate limiting shared by every worker process."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    account: Mapped[str] = mapped_column(String(254), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    # "login", or "reset" for a password-reset request (limited separately, never counted as a failed login).
    kind: Mapped[str] = mapped_column(String(8), default="login", server_default="login")


class AuditEvent(db.Model):
    """A manager action or security event; never holds passwords, tokens or feedback text."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(160), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(AUDIT_DETAIL_MAX), default="")
