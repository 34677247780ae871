"""Where a mentor or a leader stands in the programme: profile -> matched -> first session -> feedback."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select

from mentoring.extensions import db
from mentoring.models import Feedback, Goal, LeaderRequest, Match, Meeting, MentorEnrolment, MentorSkill, Person
from mentoring.models.profiles import MentorProfile


@dataclass(frozen=True)
class Step:
    """One step of the journey: what it is, whether it is done, and where to go to do it."""

    title: str
    done: bool
    hint: str
    endpoint: str


def _has(query: object) -> bool:
    return bool(db.session.execute(select(exists(query))).scalar())


def _after_match(person: Person, column: object) -> tuple[bool, bool, bool]:
    """Whether the person has an active pair, a held session in one, and feedback of their own on one."""
    pairs = select(Match.id).where(column == person.id, Match.status == "active")
    matched = _has(pairs)
    held = matched and _has(select(Meeting.id).where(Meeting.match_id.in_(pairs), Meeting.status == "held"))
    reviewed = held and _has(
        select(Feedback.id)
        .join(Meeting, Meeting.id == Feedback.meeting_id)
        .where(Feedback.author_id == person.id, Meeting.match_id.in_(pairs))
    )
    return matched, held, reviewed


def mentor_steps(person: Person) -> list[Step]:
    """A mentor's steps, first to last."""
    profile = select(MentorProfile.id).where(MentorProfile.person_id == person.id)
    ready = _has(select(MentorSkill.id).where(MentorSkill.profile_id.in_(profile))) and _has(
        select(MentorEnrolment.id).where(MentorEnrolment.person_id == person.id)
    )
    matched, held, reviewed = _after_match(person, Match.mentor_id)
    return [
        Step("Your profile", ready, "Add your skills and join a cohort.", "mentors.profile"),
        Step("Matched", matched, "The programme team pairs you with a leader.", "mentors.my_leaders"),
        Step("First session", held, "Propose a time to your leader.", "sessions.overview"),
        Step("Feedback", reviewed, "Say how the session went.", "sessions.overview"),
    ]


def leader_steps(person: Person) -> list[Step]:
    """A leader's steps, first to last."""
    requests = select(LeaderRequest.id).where(LeaderRequest.person_id == person.id)
    asked = _has(select(Goal.id).where(Goal.request_id.in_(requests)))
    matched, held, reviewed = _after_match(person, Match.leader_id)
    return [
        Step("Your goals", asked, "Say what you want to learn.", "leaders.request_mentor"),
        Step("Matched", matched, "You hear by email who your mentor is.", "leaders.my_mentor"),
        Step("First session", held, "Agree a first session with your mentor.", "sessions.overview"),
        Step("Feedback", reviewed, "Say how the session went.", "sessions.overview"),
    ]


def current_index(steps: list[Step]) -> int | None:
    """The first step not done yet (None when every step is done)."""
    return next((index for index, step in enumerate(steps) if not step.done), None)
