"""The skill catalogue: social-media platforms crossed with competencies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from mentoring.database import UTCDateTime, utcnow
from mentoring.extensions import db

SKILL_KEY_MAX = 80
SKILL_NAME_MAX = 120
PLATFORM_MAX = 60
COMPETENCY_MAX = 60


class Skill(db.Model):
    """One teachable skill; `key` is stable, `name` may be renamed, retired ones stay for history."""

    __tablename__ = "skill"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(SKILL_KEY_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(SKILL_NAME_MAX), unique=True)
    platform: Mapped[str] = mapped_column(String(PLATFORM_MAX))
    competency: Mapped[str] = mapped_column(String(COMPETENCY_MAX))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Skill {self.key}>"
