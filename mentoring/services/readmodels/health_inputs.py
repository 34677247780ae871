"""What a cohort's health figures are made of, as a fingerprint read with a few aggregate queries.

The fingerprint covers pairs, sessions, ratings, fit checks, goals, and the names and departments of the
people in the pairs; equal means unchanged. A stored health summary keeps the fingerprint it was computed
for, and the periodic sweep (services.usecases.health_summary) compares it with the data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import case, func, literal, select, union
from sqlalchemy.dialects.postgresql import aggregate_order_by

from mentoring.extensions import db
from mentoring.models import Feedback, FitCheck, Goal, LeaderRequest, Meeting, Person
from mentoring.services.translators.sessions_document import matches_query


def _people_digest(pairs: Any) -> str:
    """A digest of the names and departments of everyone in these pairs, concatenated by the database."""
    ids = union(select(pairs.c.leader_id), select(pairs.c.mentor_id)).subquery()
    text = func.coalesce(Person.name, "") + "\x1f" + func.coalesce(Person.department, "")
    people = Person.id.in_(select(ids.c[0]))
    if db.engine.dialect.name == "postgresql":
        joined = select(func.string_agg(text, aggregate_order_by(literal("\x1e"), Person.id))).where(people)
    else:
        ordered = select(text.label("line")).where(people).order_by(Person.id).subquery()
        joined = select(func.group_concat(ordered.c.line, "\x1e"))
    value = db.session.execute(joined).scalar_one() or ""
    return hashlib.blake2b(value.encode(), digest_size=16).hexdigest()


def fingerprint(cohort_ids: Iterable[int] | None) -> tuple:
    """What the cohorts' health numbers and rows are made of, in a few aggregates: equal means unchanged."""
    query = matches_query(cohort_ids)
    pairs = query.subquery()
    match_ids = select(pairs.c.id)
    figures: list[Any] = [
        tuple(
            db.session.execute(
                select(func.count(pairs.c.id), func.coalesce(func.sum(pairs.c.id), 0), func.max(pairs.c.published_at))
            ).one()
        )
    ]
    statuses = [func.sum(case((Meeting.status == s, 1), else_=0)) for s in ("proposed", "accepted", "held", "missed")]
    meetings = select(
        func.count(Meeting.id),
        func.max(Meeting.id),
        func.max(Meeting.answered_at),
        func.max(Meeting.logged_at),
        func.count(Meeting.cancelled_by_id),
        *statuses,
    ).where(Meeting.match_id.in_(match_ids))
    figures.append(tuple(db.session.execute(meetings).one()))
    ratings = (
        select(func.count(Feedback.id), func.max(Feedback.id), func.coalesce(func.sum(Feedback.rating), 0))
        .join(Meeting, Meeting.id == Feedback.meeting_id)
        .where(Meeting.match_id.in_(match_ids))
    )
    figures.append(tuple(db.session.execute(ratings).one()))
    fits = select(
        func.count(FitCheck.id), func.max(FitCheck.answered_at), func.sum(case((FitCheck.good_fit, 1), else_=0))
    ).where(FitCheck.match_id.in_(match_ids))
    figures.append(tuple(db.session.execute(fits).one()))
    # The goals of every request in these cohorts (a superset of the paired leaders': cheaper to read).
    requests = LeaderRequest.cohort_id.in_(select(pairs.c.cohort_id).distinct())
    goals = select(
        func.count(Goal.id), func.coalesce(func.sum(Goal.skill_id), 0), func.max(LeaderRequest.updated_at)
    ).join(LeaderRequest, LeaderRequest.id == Goal.request_id)
    figures.append(tuple(db.session.execute(goals.where(requests)).one()))
    figures.append(_people_digest(pairs))
    return tuple(str(item) for item in figures)
