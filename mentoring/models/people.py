"""People and their roles: mentors, leaders and programme managers."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring.database import UTCDateTime, utcnow
from mentoring.extensions import db

NAME_MAX = 120
EMAIL_MAX = 254
DEPARTMENT_MAX = 80
LOCATION_MAX = 80
TIMEZONE_MAX = 64
EXTERNAL_ID_MAX = 64
LANGUAGE_MAX = 35
FORMATS = ("remote", "in-person")
ROLES = ("mentor", "leader", "manager")


def normalise_email(email: str) -> str:
    """The form of an email address used for uniqueness: trimmed and lower-case."""
    return email.strip().lower()


class Person(UserMixin, db.Model):
    """Anyone with an account; the role flags say what they do in the programme."""

    __tablename__ = "person"
    __table_args__ = (Index("ix_person_department", "department"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_mentor: Mapped[bool] = mapped_column(Boolean, default=False)
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    is_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # False only for a self-registered account waiting for its email link (SELF_REGISTRATION=verified).
    email_verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    external_id: Mapped[str | None] = mapped_column(String(EXTERNAL_ID_MAX), unique=True)
    department: Mapped[str | None] = mapped_column(String(DEPARTMENT_MAX))
    grade: Mapped[int | None] = mapped_column(Integer)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    manager_external_id: Mapped[str | None] = mapped_column(String(EXTERNAL_ID_MAX))
    location: Mapped[str | None] = mapped_column(String(LOCATION_MAX))
    timezone: Mapped[str | None] = mapped_column(String(TIMEZONE_MAX))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    formats: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The HR import: which of the person's fields came from HR records (CSV column names, shown read-only
    # on their profile), when HR last changed them, and when HR recorded them as having left.
    hr_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    hr_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    manager: Mapped[Person | None] = relationship(remote_side=[id], foreign_keys=[manager_id])

    # Set by the auth service for the request: the login-session token Flask-Login stores.
    login_token = None  # str | None, not a column

    def get_id(self) -> str | None:
        """Flask-Login keeps the login-session token, never the person id, in the cookie."""
        return self.login_token

    @property
    def roles(self) -> list[str]:
        """The person's roles, in a fixed order."""
        flags = {"mentor": self.is_mentor, "leader": self.is_leader, "manager": self.is_manager}
        return [role for role in ROLES if flags[role]]

    def __repr__(self) -> str:
        return f"<Person {self.id}>"


# Lists page by lower(name), id: the index hands people over in that order (migration 0013).
Index("ix_person_name_lower", func.lower(Person.name), Person.id)
