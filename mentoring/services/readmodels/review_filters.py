"""The review page's filters: low scores (the run's lowest quarter) and pairs short of a must goal, in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select

from mentoring.extensions import db
from mentoring.models import Goal, LeaderRequest, MentorProfile, MentorSkill, RunPair


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
