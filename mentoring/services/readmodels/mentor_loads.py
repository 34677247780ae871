"""A mentor's load is theirs, across cohorts: active pairs in every running (published) cohort."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from mentoring.extensions import db
from mentoring.models import Cohort, Match

RUNNING_STATUSES = ("published",)


def running_loads(mentor_ids: Iterable[int] | None = None, except_cohort: int | None = None) -> dict[int, int]:
    """Mentor id -> active pairs in running cohorts (other than `except_cohort`); mentors with none are absent."""
    query = (
        select(Match.mentor_id, func.count(Match.id))
        .join(Cohort, Cohort.id == Match.cohort_id)
        .where(Match.status == "active", Cohort.status.in_(RUNNING_STATUSES))
        .group_by(Match.mentor_id)
    )
    if except_cohort is not None:
        query = query.where(Match.cohort_id != except_cohort)
    loads = {int(mentor): int(count) for mentor, count in db.session.execute(query)}
    if mentor_ids is None:
        return loads
    wanted = set(mentor_ids)
    return {mentor: count for mentor, count in loads.items() if mentor in wanted}


def running_cohort_names(mentor_ids: Iterable[int], except_cohort: int | None = None) -> dict[int, list[str]]:
    """Mentor id -> names of the other running cohorts where they have active pairs, by name."""
    wanted = sorted(set(mentor_ids))
    if not wanted:
        return {}
    query = (
        select(Match.mentor_id, Cohort.name)
        .join(Cohort, Cohort.id == Match.cohort_id)
        .where(Match.status == "active", Cohort.status.in_(RUNNING_STATUSES), Match.mentor_id.in_(wanted))
        .distinct()
    )
    if except_cohort is not None:
        query = query.where(Match.cohort_id != except_cohort)
    names: dict[int, list[str]] = {}
    for mentor, name in db.session.execute(query.order_by(Cohort.name)):
        names.setdefault(int(mentor), []).append(name)
    return names
