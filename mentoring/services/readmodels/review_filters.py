"""The review table in SQL: its filters (low score, short of a must goal, pinned, department, name) and paging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from mentoring.extensions import db
from mentoring.models import Goal, LeaderRequest, MentorProfile, MentorSkill, Person, RunPair
from mentoring.services.readmodels.paging import Page, page_number
from mentoring.services.usecases.people_admin import like_pattern


@dataclass(frozen=True)
class ReviewFilters:
    """What the review table is narrowed to: show (low, short, pinned, unmatched), a department, a name."""

    show: str = ""
    department: str = ""
    text: str = ""


def low_score(run_id: int) -> float | None:
    """The score under which the lowest quarter of the run's pairs lie."""
    total = db.session.execute(select(func.count(RunPair.id)).where(RunPair.run_id == run_id)).scalar_one()
    if not total:
        return None
    query = select(RunPair.score).where(RunPair.run_id == run_id).order_by(RunPair.score).offset(total // 4).limit(1)
    return db.session.execute(query).scalar_one()


def must_goal_short(cohort_id: int, run_id: int) -> Any:
    """A pair of the run whose leader has a must goal the mentor does not reach (one set-based subquery)."""
    short = (
        select(RunPair.id)
        .join(LeaderRequest, and_(LeaderRequest.person_id == RunPair.leader_id, LeaderRequest.cohort_id == cohort_id))
        .join(Goal, and_(Goal.request_id == LeaderRequest.id, Goal.priority == 3))
        .outerjoin(MentorProfile, MentorProfile.person_id == RunPair.mentor_id)
        .outerjoin(MentorSkill, and_(MentorSkill.profile_id == MentorProfile.id, MentorSkill.skill_id == Goal.skill_id))
        .where(
            RunPair.run_id == run_id,
            or_(MentorSkill.id.is_(None), MentorSkill.proficiency < Goal.target_level),
        )
    )
    return RunPair.id.in_(short)


def pair_conditions(cohort_id: int, run_id: int, filters: ReviewFilters, leader: Any, mentor: Any) -> list[Any]:
    """The WHERE of the review table: the run, then what the manager narrowed it to."""
    conditions = [RunPair.run_id == run_id]
    if filters.show == "low":
        threshold = low_score(run_id)
        conditions += [RunPair.score <= threshold] if threshold is not None else []
    elif filters.show == "short":
        conditions.append(must_goal_short(cohort_id, run_id))
    elif filters.show == "pinned":
        conditions.append(RunPair.pinned.is_(True))
    if filters.department:
        department = filters.department.lower()
        conditions.append(or_(func.lower(leader.department) == department, func.lower(mentor.department) == department))
    if filters.text:
        pattern = like_pattern(filters.text)
        conditions.append(
            or_(func.lower(leader.name).like(pattern, escape="\\"), func.lower(mentor.name).like(pattern, escape="\\"))
        )
    return conditions


def pair_ids_page(cohort_id: int, run_id: int, filters: ReviewFilters, page: int, per_page: int) -> Page:
    """One page of the run's pair ids by leader then mentor name, and how many pairs the filters keep.

    Only ids and names are sorted (narrow rows); without a name filter the count reads run_pair alone.
    """
    leader, mentor = aliased(Person), aliased(Person)
    conditions = pair_conditions(cohort_id, run_id, filters, leader, mentor)
    joined = (
        select(RunPair.id)
        .join(leader, leader.id == RunPair.leader_id)
        .join(mentor, mentor.id == RunPair.mentor_id)
        .where(*conditions)
    )
    if filters.department or filters.text:
        counted = select(func.count()).select_from(joined.subquery())
    else:
        counted = select(func.count(RunPair.id)).where(*conditions)
    total = db.session.execute(counted).scalar_one()
    page = min(page_number(page), max(1, -(-total // per_page)))
    ordered = joined.order_by(func.lower(leader.name), func.lower(mentor.name), RunPair.id)
    ids = list(db.session.execute(ordered.limit(per_page).offset((page - 1) * per_page)).scalars())
    return Page(ids, page, per_page, total)
