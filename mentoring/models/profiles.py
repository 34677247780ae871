"""What people bring and ask for: mentor profiles with skills, leader requests with goals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring.database import UTCDateTime, utcnow
from mentoring.extensions import db
from mentoring.models.people import Person
from mentoring.models.skills import Skill

BIO_MAX = 1000
TEXT_MAX = 2000
PRIORITIES = {1: "nice", 2: "high", 3: "must"}


class MentorProfile(db.Model):
    """A mentor's offer: capacity, time and a short bio; skills hang off it."""

    __tablename__ = "mentor_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    hours_per_month: Mapped[int] = mapped_column(Integer, default=2)
    bio: Mapped[str] = mapped_column(String(BIO_MAX), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship()
    skills: Mapped[list[MentorSkill]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="MentorSkill.skill_id"
    )


class MentorSkill(db.Model):
    """A skill a mentor can teach, with their proficiency 1..5."""

    __tablename__ = "mentor_skill"
    __table_args__ = (UniqueConstraint("profile_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("mentor_profile.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    proficiency: Mapped[int] = mapped_column(Integer)

    profile: Mapped[MentorProfile] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


class MentorEnrolment(db.Model):
    """A mentor taking part in a cohort."""

    __tablename__ = "mentor_enrolment"
    __table_args__ = (UniqueConstraint("cohort_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()


class LeaderRequest(db.Model):
    """A leader's request for a mentor in one cohort."""

    __tablename__ = "leader_request"
    __table_args__ = (UniqueConstraint("cohort_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    achieve: Mapped[str] = mapped_column(String(TEXT_MAX), default="")
    about_me: Mapped[str] = mapped_column(String(TEXT_MAX), default="")
    formats: Mapped[list[str]] = mapped_column(JSON, default=list)
    mentors_wanted: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship()
    goals: Mapped[list[Goal]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="(Goal.priority.desc(), Goal.skill_id)"
    )


class Goal(db.Model):
    """A learning goal: a skill, a priority (3 must, 2 high, 1 nice) and a target level 1..5."""

    __tablename__ = "goal"
    __table_args__ = (UniqueConstraint("request_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("leader_request.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    priority: Mapped[int] = mapped_column(Integer)
    target_level: Mapped[int] = mapped_column(Integer)

    request: Mapped[LeaderRequest] = relationship(back_populates="goals")
    skill: Mapped[Skill] = relationship()

    @property
    def priority_label(self) -> str:
        """must, high or nice."""
        return PRIORITIES.get(self.priority, str(self.priority))
