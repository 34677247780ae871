"""Leader choice as people see it: a leader's suggestions, a mentor's requests, a manager's round summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mentoring.extensions import db
from mentoring.models import (
    ChoiceRound,
    Cohort,
    Goal,
    LeaderRequest,
    Match,
    MentorChoice,
    MentorEnrolment,
    MentorProfile,
    Person,
    Suggestion,
)
from mentoring.models.choices import ChoiceStatus
from mentoring.services import NotFound
from mentoring.services.readmodels.my_pairs import Reason, explain
from mentoring.services.translators import choice_problem

SHOWN_FIRST = 3  # the first suggestion and two alternatives; "show more" adds the rest


@dataclass(frozen=True)
class SuggestedMentor:
    """One suggested mentor with what a leader needs to choose: who, why and how well."""

    mentor: Person
    profile: MentorProfile | None
    score: float
    reasons: list[Reason]
    teaches: list[str]


@dataclass(frozen=True)
class LeaderChoicePage:
    """A leader's view of choosing in one cohort."""

    cohort: Cohort
    round: ChoiceRound
    match: Match | None
    waiting: MentorChoice | None
    declined: list[Person]
    suggestions: list[SuggestedMentor]
    more: int

    @property
    def closed(self) -> bool:
        """Whether choosing has closed (the deadline fell back to the optimum)."""
        return self.round.closed_at is not None


@dataclass(frozen=True)
class MentorRequest:
    """A leader's pick waiting for this mentor's answer, with what the leader wants."""

    choice: MentorChoice
    cohort: Cohort
    request: LeaderRequest | None


@dataclass(frozen=True)
class RoundSummary:
    """How choosing goes in a cohort, for its managers."""

    round: ChoiceRound
    choosing: int
    waiting: int
    accepted: int
    declined: int
    without_suggestion: int


def choosing_cohorts(leader: Person) -> list[Cohort]:
    """Cohorts where the leader has a request and leaders choose (open or closed rounds), newest first."""
    query = (
        select(Cohort)
        .join(ChoiceRound, ChoiceRound.cohort_id == Cohort.id)
        .join(LeaderRequest, LeaderRequest.cohort_id == Cohort.id)
        .where(LeaderRequest.person_id == leader.id)
        .order_by(ChoiceRound.started_at.desc(), Cohort.id.desc())
    )
    return list(db.session.execute(query).scalars())


def mentor_choosing_cohorts(mentor: Person) -> list[Cohort]:
    """Cohorts the mentor is enrolled in where leaders are choosing now (an open round), by deadline."""
    query = (
        select(Cohort)
        .join(ChoiceRound, ChoiceRound.cohort_id == Cohort.id)
        .join(MentorEnrolment, MentorEnrolment.cohort_id == Cohort.id)
        .where(MentorEnrolment.person_id == mentor.id, ChoiceRound.closed_at.is_(None))
        .order_by(ChoiceRound.deadline, Cohort.id)
    )
    return list(db.session.execute(query).scalars())


def leader_page(leader: Person, cohort_id: int, show_more: bool = False) -> LeaderChoicePage:
    """The leader's suggestions in a choosing cohort (or where they stand once they picked or were paired)."""
    cohort = db.session.get(Cohort, cohort_id)
    current = db.session.execute(select(ChoiceRound).where(ChoiceRound.cohort_id == cohort_id)).scalar_one_or_none()
    request = db.session.execute(
        select(LeaderRequest)
        .options(selectinload(LeaderRequest.goals).selectinload(Goal.skill))
        .where(LeaderRequest.cohort_id == cohort_id, LeaderRequest.person_id == leader.id)
    ).scalar_one_or_none()
    if cohort is None or current is None or request is None:
        raise NotFound("There is no such cohort to choose a mentor in.")
    match = db.session.execute(
        select(Match).where(Match.cohort_id == cohort_id, Match.leader_id == leader.id, Match.status == "active")
    ).scalar_one_or_none()
    picks = list(
        db.session.execute(
            select(MentorChoice)
            .options(selectinload(MentorChoice.mentor))
            .where(MentorChoice.cohort_id == cohort_id, MentorChoice.leader_id == leader.id)
            .order_by(MentorChoice.id)
        ).scalars()
    )
    waiting = next((c for c in picks if c.status == ChoiceStatus.PENDING), None)
    declined = [c.mentor for c in picks if c.status == ChoiceStatus.DECLINED]
    rows = list(
        db.session.execute(
            select(Suggestion)
            .options(selectinload(Suggestion.mentor))
            .where(Suggestion.cohort_id == cohort_id, Suggestion.leader_id == leader.id)
            .order_by(Suggestion.rank, Suggestion.mentor_id)
        ).scalars()
    )
    shown = rows if show_more else rows[:SHOWN_FIRST]
    profiles = {
        p.person_id: p
        for p in db.session.execute(
            select(MentorProfile)
            .options(selectinload(MentorProfile.skills))
            .where(MentorProfile.person_id.in_([r.mentor_id for r in shown]))
        ).scalars()
    }
    goals = {goal.skill_id: goal.skill.name for goal in request.goals}
    suggestions = [
        SuggestedMentor(
            row.mentor,
            profiles.get(row.mentor_id),
            row.score,
            explain(row.reasons),
            [goals[s.skill_id] for s in profiles[row.mentor_id].skills if s.skill_id in goals]
            if row.mentor_id in profiles
            else [],
        )
        for row in shown
    ]
    return LeaderChoicePage(cohort, current, match, waiting, declined, suggestions, len(rows) - len(shown))


def mentor_requests(mentor: Person) -> list[MentorRequest]:
    """Leaders' picks waiting for this mentor's answer, oldest first."""
    choices = list(
        db.session.execute(
            select(MentorChoice)
            .options(selectinload(MentorChoice.leader))
            .where(MentorChoice.mentor_id == mentor.id, MentorChoice.status == ChoiceStatus.PENDING)
            .order_by(MentorChoice.created_at, MentorChoice.id)
        ).scalars()
    )
    if not choices:
        return []
    cohorts = {
        c.id: c
        for c in db.session.execute(
            select(Cohort).where(Cohort.id.in_(sorted({c.cohort_id for c in choices})))
        ).scalars()
    }
    asked = {
        (r.cohort_id, r.person_id): r
        for r in db.session.execute(
            select(LeaderRequest)
            .options(selectinload(LeaderRequest.goals).selectinload(Goal.skill))
            .where(LeaderRequest.person_id.in_(sorted({c.leader_id for c in choices})))
        ).scalars()
    }
    return [MentorRequest(c, cohorts[c.cohort_id], asked.get((c.cohort_id, c.leader_id))) for c in choices]


def round_summary(cohort_id: int) -> RoundSummary | None:
    """The cohort's choosing in numbers, or None when it is matched by the optimum."""
    current = db.session.execute(select(ChoiceRound).where(ChoiceRound.cohort_id == cohort_id)).scalar_one_or_none()
    if current is None:
        return None
    statuses = Counter(
        db.session.execute(select(MentorChoice.status).where(MentorChoice.cohort_id == cohort_id)).scalars()
    )
    choosing = choice_problem.choosing_leaders(cohort_id) if current.closed_at is None else set()
    suggested = set(
        db.session.execute(select(Suggestion.leader_id).where(Suggestion.cohort_id == cohort_id).distinct()).scalars()
    )
    return RoundSummary(
        current,
        len(choosing),
        statuses[ChoiceStatus.PENDING],
        statuses[ChoiceStatus.ACCEPTED],
        statuses[ChoiceStatus.DECLINED],
        len(choosing - suggested),
    )


def deadline_passed(summary: RoundSummary, now: datetime) -> bool:
    """Whether the round's deadline has passed while it is still open."""
    return summary.round.closed_at is None and summary.round.deadline <= now
