"""The review page's filters: low scores (the run's lowest quarter) and pairs short of a must goal, in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select

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


def must_goal_short(cohort_id: int) -> Any:
    """A pair whose leader has a must goal the mentor does not reach."""
    reached = (
        select(MentorSkill.id)
        .join(MentorProfile, MentorProfile.id == MentorSkill.profile_id)
        .where(
            MentorProfile.person_id == RunPair.mentor_id,
            MentorSkill.skill_id == Goal.skill_id,
            MentorSkill.proficiency >= Goal.target_level,
        )
    )
    return exists(
        select(Goal.id)
        .join(LeaderRequest, LeaderRequest.id == Goal.request_id)
        .where(
            LeaderRequest.cohort_id == cohort_id,
            LeaderRequest.person_id == RunPair.leader_id,
            Goal.priority == 3,
            ~exists(reached),
        )
    )
