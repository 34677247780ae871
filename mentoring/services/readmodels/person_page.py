"""One person as a programme manager sees them: details, skills, goals and pairs across every cohort."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from mentoring.extensions import db
from mentoring.models import Cohort, Goal, LeaderRequest, Match, MentorEnrolment, MentorProfile, MentorSkill, Person
from mentoring.services.usecases.people_admin import get_person


@dataclass(frozen=True)
class GoalLine:
    """One learning goal of a request."""

    skill: str
    priority: str
    target: int


@dataclass(frozen=True)
class RequestLine:
    """A leader request in one cohort."""

    cohort: Cohort
    goals: list[GoalLine]
    mentors_wanted: int
    achieve: str


@dataclass(frozen=True)
class PairLine:
    """A published pair the person was in."""

    match: Match
    role: str
    other: Person


@dataclass
class PersonPage:
    """Everything on a person's page for the manager."""

    person: Person
    profile: MentorProfile | None
    skills: list[tuple[str, int]] = field(default_factory=list)
    requests: list[RequestLine] = field(default_factory=list)
    enrolments: list[tuple[Cohort, datetime]] = field(default_factory=list)
    pairs: list[PairLine] = field(default_factory=list)


def person_page(person_id: int) -> PersonPage:
    """A person's skills, goals and pairs in every cohort; NotFound if there is no such person."""
    person = get_person(person_id)
    profile = db.session.execute(
        select(MentorProfile)
        .where(MentorProfile.person_id == person.id)
        .options(selectinload(MentorProfile.skills).joinedload(MentorSkill.skill))
    ).scalar_one_or_none()
    page = PersonPage(person=person, profile=profile)
    if profile is not None:
        page.skills = sorted(((s.skill.name, s.proficiency) for s in profile.skills), key=lambda x: (-x[1], x[0]))
    requests = db.session.execute(
        select(LeaderRequest, Cohort)
        .join(Cohort, Cohort.id == LeaderRequest.cohort_id)
        .where(LeaderRequest.person_id == person.id)
        .order_by(Cohort.created_at.desc(), Cohort.id.desc())
        .options(selectinload(LeaderRequest.goals).joinedload(Goal.skill))
    ).all()
    page.requests = [
        RequestLine(
            cohort,
            [GoalLine(g.skill.name, g.priority_label, g.target_level) for g in request.goals],
            request.mentors_wanted or 1,
            request.achieve,
        )
        for request, cohort in requests
    ]
    page.enrolments = list(
        db.session.execute(
            select(Cohort, MentorEnrolment.joined_at)
            .join(MentorEnrolment, MentorEnrolment.cohort_id == Cohort.id)
            .where(MentorEnrolment.person_id == person.id)
            .order_by(Cohort.created_at.desc(), Cohort.id.desc())
        ).all()
    )
    matches = db.session.execute(
        select(Match)
        .where(or_(Match.leader_id == person.id, Match.mentor_id == person.id))
        .order_by(Match.published_at.desc(), Match.id.desc())
        .options(joinedload(Match.cohort), joinedload(Match.leader), joinedload(Match.mentor))
    ).scalars()
    page.pairs = [PairLine(m, "leader" if m.leader_id == person.id else "mentor", m.other(person.id)) for m in matches]
    return page
