"""Cohorts: programme rounds and their life cycle (open -> matched -> published -> closed)."""

from __future__ import annotations

from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import Cohort


def open_cohorts() -> list[Cohort]:
    """Cohorts people can sign up to, newest first."""
    query = select(Cohort).where(Cohort.status == "open").order_by(Cohort.created_at.desc(), Cohort.id.desc())
    return list(db.session.execute(query).scalars())


def all_cohorts() -> list[Cohort]:
    """Every cohort, newest first."""
    return list(db.session.execute(select(Cohort).order_by(Cohort.created_at.desc(), Cohort.id.desc())).scalars())
