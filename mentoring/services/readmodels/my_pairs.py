"""Published pairs as each person sees them: "my mentor" for leaders, "my leaders" for mentors.

Read-only. Only active matches of published (or closed) cohorts that include the person are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from matching import CRITERIA
from mentoring.extensions import db
from mentoring.models import Cohort, LeaderRequest, Match, MentorEnrolment, MentorProfile, Person
from mentoring.services.usecases.profiles import MATCHED_STATUSES, active_match_count, mentor_profile

# What each criterion means for the two people of a pair; the matching library describes them for managers.
TITLES = {
    "goals": "Skills for the goals",
    "language": "A language in common",
    "timezone": "Working hours that overlap",
    "format": "A way of meeting you both like",
    "location": "The same location",
    "cross_department": "Different departments",
    "repeat_penalty": "You have been paired before",
    "given": "Chosen by the programme team",
}
FALLBACK_DESCRIPTIONS = {
    "given": "The programme team set this pair's score themselves.",
}


@dataclass(frozen=True)
class Reason:
    """One part of why a pair was made, in plain words."""

    criterion: str
    title: str
    description: str
    points: float | None


@dataclass(frozen=True)
class GoalFit:
    """A leader's goal next to the mentor's level in that skill (None if they did not list it)."""

    skill_name: str
    platform: str
    priority_label: str
    target_level: int
    mentor_level: int | None
    retired: bool


@dataclass(frozen=True)
class PublishedPair:
    """A published pair with what either person needs to get going."""

    match: Match
    cohort: Cohort
    leader: Person
    mentor: Person
    request: LeaderRequest | None
    profile: MentorProfile | None
    goals: list[GoalFit]
    reasons: list[Reason]

    @property
    def relevant_skills(self) -> list[GoalFit]:
        """The leader's goals the mentor has listed a level for."""
        return [goal for goal in self.goals if goal.mentor_level is not None]


@dataclass(frozen=True)
class Waiting:
    """A cohort the person takes part in without a published pair (yet), and what that means."""

    cohort: Cohort
    message: str


def explain(reasons: list[dict[str, Any]]) -> list[Reason]:
    """The stored {criterion, points} reasons of a pair in plain English; zero-point parts are left out."""
    descriptions = {criterion.name: criterion.description for criterion in CRITERIA}
    explained = []
    for item in reasons or []:
        name, points = str(item.get("criterion") or ""), item.get("points")
        if not name or points == 0:
            continue
        title = TITLES.get(name, name.replace("_", " ").capitalize())
        description = descriptions.get(name) or FALLBACK_DESCRIPTIONS.get(name, "")
        explained.append(Reason(name, title, description, None if points is None else round(float(points), 2)))
    return explained


def _request_of(match: Match) -> LeaderRequest | None:
    return db.session.execute(
        select(LeaderRequest).where(
            LeaderRequest.cohort_id == match.cohort_id, LeaderRequest.person_id == match.leader_id
        )
    ).scalar_one_or_none()


def _published_pair(match: Match) -> PublishedPair:
    request = _request_of(match)
    profile = mentor_profile(match.mentor)
    levels = {item.skill_id: item.proficiency for item in profile.skills} if profile is not None else {}
    goals = [
        GoalFit(
            goal.skill.name,
            goal.skill.platform,
            goal.priority_label,
            goal.target_level,
            levels.get(goal.skill_id),
            goal.skill.retired,
        )
        for goal in (request.goals if request is not None else [])
    ]
    return PublishedPair(
        match, match.cohort, match.leader, match.mentor, request, profile, goals, explain(match.reasons)
    )


def _active_matches(column: Any, person: Person) -> list[Match]:
    query = (
        select(Match)
        .join(Cohort, Cohort.id == Match.cohort_id)
        .where(column == person.id, Match.status == "active", Cohort.status.in_(MATCHED_STATUSES))
        .order_by(Cohort.published_at.desc(), Cohort.id.desc(), Match.id)
    )
    return list(db.session.execute(query).scalars())


def _waiting_message(cohort: Cohort, role: str) -> str:
    if cohort.status == "open":
        if role == "leader":
            return (
                "Your request is in. Sign-up is still open; when it closes the programme team runs the matching, "
                "and your mentor appears here once the pairs are published."
            )
        return (
            "You have joined this cohort. Sign-up is still open; when it closes the programme team runs the "
            "matching, and your leaders appear here once the pairs are published."
        )
    if cohort.status == "matched":
        return (
            "Sign-up has closed and the programme team is reviewing the proposed pairs. "
            "Pairs appear here once published."
        )
    if role == "leader":
        return (
            "The pairs of this cohort are published, but we could not find a mentor who fits you this time. "
            "The programme team can tell you more, and you can ask again in the next cohort."
        )
    return "The pairs of this cohort are published, and no leader was paired with you this time. Thank you for joining."


def _waiting(person: Person, role: str, shown: list[PublishedPair]) -> list[Waiting]:
    """Cohorts the person takes part in (a request as a leader, an enrolment as a mentor) without a pair shown."""
    taking_part = LeaderRequest if role == "leader" else MentorEnrolment
    paired = {view.cohort.id for view in shown}
    query = (
        select(Cohort)
        .join(taking_part, taking_part.cohort_id == Cohort.id)
        .where(taking_part.person_id == person.id)
        .order_by(Cohort.created_at.desc(), Cohort.id.desc())
    )
    return [
        Waiting(cohort, _waiting_message(cohort, role))
        for cohort in db.session.execute(query).scalars()
        if cohort.id not in paired and cohort.status != "closed"
    ]


@dataclass(frozen=True)
class MentorLoad:
    """How many leaders the mentor has against how many they offered to take."""

    matched: int
    capacity: int | None


@dataclass(frozen=True)
class MyPairs:
    """A person's page of pairs in one role: published pairs, cohorts still waiting, and (mentors) their load."""

    pairs: list[PublishedPair]
    waiting: list[Waiting]
    load: MentorLoad | None = None


def leader_pairs(person: Person) -> MyPairs:
    """The leader's "my mentor" page: active published pairs (who, why, how to reach them), cohorts still waiting."""
    pairs = [_published_pair(match) for match in _active_matches(Match.leader_id, person)]
    return MyPairs(pairs, _waiting(person, "leader", pairs))


def mentor_pairs(person: Person) -> MyPairs:
    """The mentor's "my leaders" page: active published pairs with the goals, cohorts still waiting, and load."""
    pairs = [_published_pair(match) for match in _active_matches(Match.mentor_id, person)]
    profile = mentor_profile(person)
    load = MentorLoad(active_match_count(person), profile.capacity if profile is not None else None)
    return MyPairs(pairs, _waiting(person, "mentor", pairs), load)
