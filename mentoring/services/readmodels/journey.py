"""Where a mentor or a leader stands in the programme: profile -> matched -> first session -> feedback."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select

from mentoring.extensions import db
from mentoring.models import Cohort, Feedback, Goal, LeaderRequest, Match, Meeting, MentorEnrolment, MentorSkill, Person
from mentoring.models.profiles import MentorProfile


@dataclass(frozen=True)
class Step:
    """One step of the journey: what it is, whether it is done, and where to go to do it."""

    title: str
    done: bool
    hint: str
    endpoint: str


def _checks(*queries: object) -> list[bool]:
    """Whether each query finds a row: every check in one round trip (the home page shows these on each view)."""
    row = db.session.execute(select(*(exists(query) for query in queries))).one()
    return [bool(value) for value in row]


def _after_match(person: Person, column: object) -> tuple[object, object, object]:
    """Queries for: an active pair of the person, a held session in one, and feedback of their own on one."""
    pairs = select(Match.id).where(column == person.id, Match.status == "active")
    held = select(Meeting.id).where(Meeting.match_id.in_(pairs), Meeting.status == "held")
    reviewed = (
        select(Feedback.id)
        .join(Meeting, Meeting.id == Feedback.meeting_id)
        .where(Feedback.author_id == person.id, Meeting.match_id.in_(pairs))
    )
    return pairs, held, reviewed


def mentor_steps(person: Person) -> list[Step]:
    """A mentor's steps, first to last."""
    profile = select(MentorProfile.id).where(MentorProfile.person_id == person.id)
    skills, joined, matched, held, reviewed = _checks(
        select(MentorSkill.id).where(MentorSkill.profile_id.in_(profile)),
        select(MentorEnrolment.id).where(MentorEnrolment.person_id == person.id),
        *_after_match(person, Match.mentor_id),
    )
    held, reviewed = matched and held, matched and held and reviewed
    return [
        Step("Your profile", skills and joined, "Add your skills and join a cohort.", "mentors.profile"),
        Step("Matched", matched, "The programme team pairs you with a leader.", "mentors.my_leaders"),
        Step("First session", held, "Propose a time to your leader.", "sessions.overview"),
        Step("Feedback", reviewed, "Say how the session went.", "sessions.overview"),
    ]


def leader_steps(person: Person) -> list[Step]:
    """A leader's steps, first to last."""
    requests = select(LeaderRequest.id).where(LeaderRequest.person_id == person.id)
    paired_in = select(Match.cohort_id).where(Match.leader_id == person.id, Match.status == "active")
    # A request in a running cohort without a pair there: a late joiner, placed when the manager approves.
    late = (
        select(LeaderRequest.id)
        .join(Cohort, Cohort.id == LeaderRequest.cohort_id)
        .where(LeaderRequest.person_id == person.id, Cohort.status == "published", Cohort.id.not_in(paired_in))
    )
    asked, joining_late, matched, held, reviewed = _checks(
        select(Goal.id).where(Goal.request_id.in_(requests)), late, *_after_match(person, Match.leader_id)
    )
    held, reviewed = matched and held, matched and held and reviewed
    hint = (
        "The programme manager places you with a mentor who has room; you hear by email."
        if joining_late
        else "You hear by email who your mentor is."
    )
    return [
        Step("Your goals", asked, "Say what you want to learn.", "leaders.request_mentor"),
        Step("Matched", matched, hint, "leaders.my_mentor"),
        Step("First session", held, "Agree a first session with your mentor.", "sessions.overview"),
        Step("Feedback", reviewed, "Say how the session went.", "sessions.overview"),
    ]


def current_index(steps: list[Step]) -> int | None:
    """The first step not done yet (None when every step is done)."""
    return next((index for index, step in enumerate(steps) if not step.done), None)
