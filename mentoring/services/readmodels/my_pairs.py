"""Published pairs as each person sees them: "my mentor" for leaders, "my leaders" for mentors.

Read-only. Only active matches of published (or closed) cohorts that include the person are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from matching import CRITERIA
from mentoring.extensions import db
from mentoring.models import Cohort, Goal, LeaderRequest, Match, MentorEnrolment, MentorProfile, MentorSkill, Person
from mentoring.services.readmodels.pair_facts import pair_facts
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
    """One part of why a pair was made, in plain words: `fact` says what of the two people earned it."""

    criterion: str
    title: str
    description: str
    points: float | None
    fact: str = ""


@dataclass(frozen=True)
class GoalFit:
    """A leader's goal next to the mentor's level in that skill (None if they did not list it)."""

    skill_name: str
    platform: str
    priority_label: str
    target_level: int
    mentor_level: int | None
    retired: bool
    others: int = 0  # other mentors in the programme who teach the skill at the target level or above

    @property
    def covered(self) -> bool:
        """The mentor teaches the skill at the leader's target level or above."""
        return self.mentor_level is not None and self.mentor_level >= self.target_level

    @property
    def advice(self) -> str:
        """What to do about a goal the mentor does not cover; empty when covered."""
        if self.covered:
            return ""
        if self.mentor_level is not None:
            start = (
                f"Your mentor knows it at level {self.mentor_level} of your target {self.target_level}: start there. "
            )
        else:
            start = "Your mentor does not teach this. "
        if self.others:
            mentors = "1 other mentor" if self.others == 1 else f"{self.others} other mentors"
            return start + f"{mentors} in the programme teach it: ask the programme team for a second mentor for it."
        return start + (
            "No mentor in the programme teaches it yet: tell the programme team, so they can find one, "
            "and ask your mentor about free courses to learn it together."
        )


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

    @property
    def uncovered(self) -> list[GoalFit]:
        """The leader's goals the mentor does not teach at the target level."""
        return [goal for goal in self.goals if not goal.covered]


@dataclass(frozen=True)
class Waiting:
    """A cohort the person takes part in without a published pair (yet), and what that means."""

    cohort: Cohort
    message: str


def explain(reasons: list[dict[str, Any]], facts: dict[str, str] | None = None) -> list[Reason]:
    """The stored {criterion, points} reasons of a pair in plain English; zero-point parts are left out.

    `facts` (criterion -> sentence about the two people) replaces the criterion's general description.
    """
    descriptions = {criterion.name: criterion.description for criterion in CRITERIA}
    explained = []
    for item in reasons or []:
        name, points = str(item.get("criterion") or ""), item.get("points")
        if not name or points == 0:
            continue
        title = TITLES.get(name, name.replace("_", " ").capitalize())
        description = descriptions.get(name) or FALLBACK_DESCRIPTIONS.get(name, "")
        fact = (facts or {}).get(name, "")
        explained.append(Reason(name, title, description, None if points is None else round(float(points), 2), fact))
    return explained


def _request_of(match: Match) -> LeaderRequest | None:
    return db.session.execute(
        select(LeaderRequest).where(
            LeaderRequest.cohort_id == match.cohort_id, LeaderRequest.person_id == match.leader_id
        )
    ).scalar_one_or_none()


def _teachers(goals: list[Goal], mentor_id: int) -> dict[int, int]:
    """Skill id -> how many other active mentors teach it at the goal's target level or above."""
    if not goals:
        return {}
    lowest = min(goal.target_level for goal in goals)
    query = (
        select(MentorSkill.skill_id, MentorSkill.proficiency, func.count(MentorSkill.id))
        .join(MentorProfile, MentorProfile.id == MentorSkill.profile_id)
        .join(Person, Person.id == MentorProfile.person_id)
        .where(
            MentorSkill.skill_id.in_({goal.skill_id for goal in goals}),
            MentorSkill.proficiency >= lowest,
            Person.is_active.is_(True),
            Person.id != mentor_id,
        )
        .group_by(MentorSkill.skill_id, MentorSkill.proficiency)
    )
    targets = {goal.skill_id: goal.target_level for goal in goals}
    counts: dict[int, int] = {}
    for skill_id, level, count in db.session.execute(query):
        if level >= targets[skill_id]:
            counts[skill_id] = counts.get(skill_id, 0) + count
    return counts


def _published_pair(match: Match, viewer: str) -> PublishedPair:
    request = _request_of(match)
    profile = mentor_profile(match.mentor)
    levels = {item.skill_id: item.proficiency for item in profile.skills} if profile is not None else {}
    wanted = list(request.goals) if request is not None else []
    uncovered = [goal for goal in wanted if levels.get(goal.skill_id, 0) < goal.target_level]
    teachers = _teachers(uncovered, match.mentor_id)
    goals = [
        GoalFit(
            goal.skill.name,
            goal.skill.platform,
            goal.priority_label,
            goal.target_level,
            levels.get(goal.skill_id),
            goal.skill.retired,
            teachers.get(goal.skill_id, 0),
        )
        for goal in wanted
    ]
    facts = pair_facts(match.leader, match.mentor, goals, viewer)
    return PublishedPair(
        match, match.cohort, match.leader, match.mentor, request, profile, goals, explain(match.reasons, facts)
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
    pairs = [_published_pair(match, "leader") for match in _active_matches(Match.leader_id, person)]
    return MyPairs(pairs, _waiting(person, "leader", pairs))


def mentor_pairs(person: Person) -> MyPairs:
    """The mentor's "my leaders" page: active published pairs with the goals, cohorts still waiting, and load."""
    pairs = [_published_pair(match, "mentor") for match in _active_matches(Match.mentor_id, person)]
    profile = mentor_profile(person)
    load = MentorLoad(active_match_count(person), profile.capacity if profile is not None else None)
    return MyPairs(pairs, _waiting(person, "mentor", pairs), load)
