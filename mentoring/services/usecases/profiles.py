"""Mentor profiles (skills, capacity, cohorts joined) and leader requests (goals), each one use case.

Everything acts on the signed-in person passed in: there is no way to name someone else's profile
or request. Rules (ranges, duplicates, cohorts taking requests) are checked here, and a refusal names the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from mentoring.catalogue import COMPETENCIES, PLATFORMS
from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import (
    Cohort,
    Goal,
    LeaderRequest,
    Match,
    MentorEnrolment,
    MentorProfile,
    MentorSkill,
    Person,
    Skill,
)
from mentoring.models.profiles import BIO_MAX, PRIORITIES, TEXT_MAX
from mentoring.services import Conflict, Forbidden, InvalidField, NotFound, unit_of_work
from mentoring.services.infra import jobs
from mentoring.services.usecases import pair_changes
from mentoring.services.usecases.cohorts import open_cohorts
from mentoring.services.usecases.people import Details, apply_details

PROFICIENCY_LEVELS = range(1, 6)
TARGET_LEVELS = range(1, 6)
CAPACITY_RANGE = range(1, 4)
HOURS_RANGE = range(1, 41)
MENTORS_WANTED = (1, 2)
GOALS_MAX = 8
MATCHED_STATUSES = ("published", "closed")
CLASH = "Your details were changed in another window at the same moment. Reload the page and try again."


@dataclass(frozen=True)
class MentorOffer:
    """What a mentor offers: capacity, hours, bio, skill id -> proficiency (0 = none), cohorts to be in."""

    capacity: int
    hours_per_month: int
    bio: str
    skill_levels: dict[int, int] = field(default_factory=dict)
    cohort_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class GoalChoice:
    """One learning goal: a skill, a priority (3 must, 2 high, 1 nice) and a target level 1..5."""

    skill_id: int
    priority: int
    target_level: int


@dataclass(frozen=True)
class LeaderAsk:
    """What a leader asks for in one cohort."""

    achieve: str
    about_me: str
    mentors_wanted: int
    goals: list[GoalChoice] = field(default_factory=list)


def _order(known: tuple[str, ...], values: set[str]) -> list[str]:
    return [v for v in known if v in values] + sorted(values - set(known), key=str.casefold)


def offered_skills() -> list[Skill]:
    """The skills people may choose now (not retired), by platform then competency."""
    rows = list(db.session.execute(select(Skill).where(Skill.retired.is_(False))).scalars())
    platforms = _order(PLATFORMS, {s.platform for s in rows})
    competencies = _order(COMPETENCIES, {s.competency for s in rows})
    return sorted(rows, key=lambda s: (platforms.index(s.platform), competencies.index(s.competency), s.name, s.id))


def mentor_profile(person: Person) -> MentorProfile | None:
    """The person's own mentor profile, if they made one."""
    return db.session.execute(select(MentorProfile).where(MentorProfile.person_id == person.id)).scalar_one_or_none()


def enrolled_cohort_ids(person: Person) -> set[int]:
    """Ids of the cohorts the mentor has joined."""
    query = select(MentorEnrolment.cohort_id).where(MentorEnrolment.person_id == person.id)
    return set(db.session.execute(query).scalars())


def enrolled_cohorts(person: Person) -> list[Cohort]:
    """The cohorts the mentor has joined, newest first."""
    query = (
        select(Cohort)
        .join(MentorEnrolment, MentorEnrolment.cohort_id == Cohort.id)
        .where(MentorEnrolment.person_id == person.id)
        .order_by(Cohort.created_at.desc(), Cohort.id.desc())
    )
    return list(db.session.execute(query).scalars())


def active_match_count(person: Person) -> int:
    """How many leaders the mentor has in published (or closed) cohorts, still active."""
    query = (
        select(func.count(Match.id))
        .join(Cohort, Cohort.id == Match.cohort_id)
        .where(Match.mentor_id == person.id, Match.status == "active", Cohort.status.in_(MATCHED_STATUSES))
    )
    return int(db.session.execute(query).scalar_one())


def _in_range(value: int | None, allowed: range | tuple[int, ...], field_name: str, message: str) -> int:
    if value is None or value not in allowed:
        raise InvalidField(field_name, message)
    return value


def _text(value: str, field_name: str, limit: int) -> str:
    text = value or ""  # free text is kept exactly as written; only blank text becomes empty
    if not text.strip():
        return ""
    if len(text) > limit:
        raise InvalidField(field_name, f"Keep this to {limit} characters or fewer (it has {len(text)}).")
    return text


def _apply_skills(profile: MentorProfile, levels: dict[int, int]) -> None:
    chosen = {skill_id: level for skill_id, level in levels.items() if level}
    for skill_id, level in chosen.items():
        _in_range(level, PROFICIENCY_LEVELS, f"skill_{skill_id}", "Choose a level from 0 (none) to 5.")
    existing = {item.skill_id: item for item in profile.skills}
    catalogue = {s.id: s for s in db.session.execute(select(Skill).where(Skill.id.in_(chosen))).scalars()}
    for skill_id in chosen:
        skill = catalogue.get(skill_id)
        if skill is None or (skill.retired and skill_id not in existing):
            raise InvalidField("skills", "A skill you chose is no longer offered. Reload the page and choose again.")
    wanted = {skill_id: level for skill_id, level in chosen.items() if not catalogue[skill_id].retired}
    if not wanted:
        raise InvalidField("skills", "Choose at least one skill you can teach, with your level from 1 to 5.")
    for skill_id, item in existing.items():
        if item.skill.retired:
            continue  # a retired skill stays on the profile as it was; it is no longer editable
        if skill_id in wanted:
            item.proficiency = wanted[skill_id]
        else:
            profile.skills.remove(item)
    for skill_id, level in wanted.items():
        if skill_id not in existing:
            profile.skills.append(MentorSkill(skill_id=skill_id, proficiency=level))


def _apply_enrolments(person: Person, cohort_ids: frozenset[int]) -> None:
    open_ids = {cohort.id for cohort in open_cohorts()}
    if cohort_ids - open_ids:
        raise InvalidField("cohorts", "You can join or leave only cohorts that are open for sign-up. Reload the page.")
    current = {
        row.cohort_id: row
        for row in db.session.execute(select(MentorEnrolment).where(MentorEnrolment.person_id == person.id)).scalars()
    }
    for cohort_id in sorted(open_ids):
        if cohort_id in cohort_ids and cohort_id not in current:
            db.session.add(MentorEnrolment(cohort_id=cohort_id, person_id=person.id))
        elif cohort_id not in cohort_ids and cohort_id in current:
            db.session.delete(current[cohort_id])


def save_mentor_profile(person: Person, details: Details, offer: MentorOffer) -> MentorProfile:
    """Create or update the mentor's details, offer and skills, and join/leave open cohorts."""
    with unit_of_work(Conflict(CLASH)):
        if not person.is_mentor:
            raise Forbidden("Only mentors have a mentor profile.")
        apply_details(person, details)
        # A capacity below the leaders already mentored is allowed: those pairs stay, only new ones stop.
        capacity = _in_range(offer.capacity, CAPACITY_RANGE, "capacity", "Choose 1, 2 or 3 leaders.")
        hours = _in_range(
            offer.hours_per_month,
            HOURS_RANGE,
            "hours_per_month",
            f"Give a number of hours from {HOURS_RANGE.start} to {HOURS_RANGE.stop - 1}.",
        )
        bio = _text(offer.bio, "bio", BIO_MAX)
        profile = mentor_profile(person)
        if profile is None:
            profile = MentorProfile(person_id=person.id, person=person)
            db.session.add(profile)
        raised = profile.capacity is not None and capacity > profile.capacity
        profile.capacity, profile.hours_per_month, profile.bio = capacity, hours, bio
        _apply_skills(profile, offer.skill_levels)
        _apply_enrolments(person, offer.cohort_ids)
    if raised:
        pair_changes.offer_for_mentor(person)  # room appeared: the waitlist may get an offer
    return profile


# ---- leaders -------------------------------------------------------------------------------


# Cohorts a leader may send or change a request in: open for sign-up, or published (running) as a late joiner.
REQUEST_STATUSES = ("open", "published")


@dataclass(frozen=True)
class RequestCohort:
    """A cohort on the leader's request page, with the leader's own request in it (if any)."""

    cohort: Cohort
    request: LeaderRequest | None
    paired: bool = False  # the leader has an active pair in this cohort
    proposed: bool = False  # a change awaiting the manager's review proposes a mentor for the leader

    @property
    def running(self) -> bool:
        """Whether the cohort is published: a request now is a late joiner's."""
        return self.cohort.status == "published"

    @property
    def editable(self) -> bool:
        """Whether the request can still be sent, changed or withdrawn."""
        return self.cohort.status in REQUEST_STATUSES and not self.paired and not self.proposed

    @property
    def refusal(self) -> str:
        """Why the request cannot be sent or changed now (empty while it can)."""
        if self.editable:
            return ""
        return _refusal(self.cohort, self.paired, self.proposed)


def _refusal(cohort: Cohort, paired: bool, proposed: bool = False) -> str:
    if proposed and not paired:
        return (
            f"A mentor in {cohort.name} is proposed for you and the programme manager is reviewing it, so your "
            "request can no longer be changed or withdrawn. You hear by email once it is confirmed."
        )
    if paired:
        return (
            f"You already have a mentor in {cohort.name}, so your request can no longer be changed or withdrawn. "
            "If something is wrong, tell the programme team."
        )
    if cohort.status == "closed":
        return f"{cohort.name} has finished, so it takes no more requests and yours can no longer be changed."
    return (
        f"Sign-up for {cohort.name} has closed while its pairs are prepared, so requests cannot be sent or changed "
        "now. Once the programme is running you can ask to join it late."
    )


def _paired_cohort_ids(person: Person, cohort_ids: Iterable[int]) -> set[int]:
    """Cohorts (of those given) where the person leads an active pair."""
    query = select(Match.cohort_id).where(
        Match.leader_id == person.id, Match.status == "active", Match.cohort_id.in_(list(cohort_ids))
    )
    return set(db.session.execute(query).scalars())


def leader_cohorts(person: Person) -> list[RequestCohort]:
    """Cohorts taking requests (open or running), and every cohort where the leader has a request, newest first."""
    own = {
        row.cohort_id: row
        for row in db.session.execute(select(LeaderRequest).where(LeaderRequest.person_id == person.id)).scalars()
    }
    query = select(Cohort).where(Cohort.status.in_(REQUEST_STATUSES) | Cohort.id.in_(own))
    cohorts = list(db.session.execute(query.order_by(Cohort.created_at.desc(), Cohort.id.desc())).scalars())
    paired = _paired_cohort_ids(person, [c.id for c in cohorts if c.status == "published"])
    return [
        RequestCohort(cohort, own.get(cohort.id), cohort.id in paired, _proposed(person, cohort, own.get(cohort.id)))
        for cohort in cohorts
    ]


def _proposed(person: Person, cohort: Cohort, request: LeaderRequest | None) -> bool:
    """Whether a change awaiting review in the running cohort proposes a mentor for the person."""
    return request is not None and cohort.status == "published" and pair_changes.proposed_for(cohort.id, person.id)


def leader_request(person: Person, cohort_id: int) -> RequestCohort:
    """The leader's own request in a cohort; NotFound unless the cohort takes requests or holds theirs."""
    cohort = db.session.get(Cohort, cohort_id)
    request = db.session.execute(
        select(LeaderRequest).where(LeaderRequest.cohort_id == cohort_id, LeaderRequest.person_id == person.id)
    ).scalar_one_or_none()
    if cohort is None or (cohort.status not in REQUEST_STATUSES and request is None):
        raise NotFound("There is no such cohort open for requests.")
    paired = cohort.status == "published" and bool(_paired_cohort_ids(person, [cohort_id]))
    return RequestCohort(cohort, request, paired, _proposed(person, cohort, request))


def goal_skills(request: LeaderRequest | None) -> list[Skill]:
    """Skills a goal may name: those offered now, plus retired ones the request already has."""
    skills = offered_skills()
    if request is not None:
        skills += [goal.skill for goal in request.goals if goal.skill.retired]
    return skills


def _requestable_cohort(person: Person, cohort_id: int) -> Cohort:
    """The cohort, if the person's request in it may be sent, changed or withdrawn now; else Conflict saying why."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("There is no such cohort.")
    paired = cohort.status == "published" and bool(_paired_cohort_ids(person, [cohort_id]))
    proposed = cohort.status == "published" and pair_changes.proposed_for(cohort_id, person.id)
    if cohort.status not in REQUEST_STATUSES or paired or proposed:
        raise Conflict(_refusal(cohort, paired, proposed))
    return cohort


def _check_goals(goals: list[GoalChoice], request: LeaderRequest | None) -> list[GoalChoice]:
    if not goals:
        raise InvalidField("goals.0.skill", "Add at least one goal: choose a skill you want to learn.")
    if len(goals) > GOALS_MAX:
        raise InvalidField("goals", f"Choose at most {GOALS_MAX} goals. Keep the ones that matter most.")
    kept = {goal.skill_id for goal in request.goals} if request is not None else set()
    catalogue = {
        s.id: s for s in db.session.execute(select(Skill).where(Skill.id.in_({g.skill_id for g in goals}))).scalars()
    }
    seen: set[int] = set()
    for index, goal in enumerate(goals):
        skill = catalogue.get(goal.skill_id)
        if skill is None or (skill.retired and goal.skill_id not in kept):
            raise InvalidField(f"goals.{index}.skill", "This skill is no longer offered. Choose another one.")
        if goal.skill_id in seen:
            raise InvalidField(f"goals.{index}.skill", f"You chose {skill.name} twice. Choose each skill once.")
        seen.add(goal.skill_id)
        _in_range(goal.priority, tuple(PRIORITIES), f"goals.{index}.priority", "Choose must, high or nice.")
        _in_range(goal.target_level, TARGET_LEVELS, f"goals.{index}.target_level", "Choose a level from 1 to 5.")
    return goals


def _apply_goals(request: LeaderRequest, goals: list[GoalChoice]) -> None:
    wanted = {goal.skill_id: goal for goal in goals}
    for item in list(request.goals):
        if item.skill_id in wanted:
            item.priority = wanted[item.skill_id].priority
            item.target_level = wanted[item.skill_id].target_level
        else:
            request.goals.remove(item)
    have = {item.skill_id for item in request.goals}
    for goal in goals:
        if goal.skill_id not in have:
            request.goals.append(Goal(skill_id=goal.skill_id, priority=goal.priority, target_level=goal.target_level))


def save_leader_request(
    person: Person, cohort_id: int, details: Details, ask: LeaderAsk, now: datetime | None = None
) -> LeaderRequest:
    """Send or change the leader's request in an open or running cohort, with their details and goals."""
    with unit_of_work(Conflict(CLASH)):
        if not person.is_leader:
            raise Forbidden("Only leaders can request a mentor.")
        cohort = _requestable_cohort(person, cohort_id)
        apply_details(person, details)
        request = db.session.execute(
            select(LeaderRequest).where(LeaderRequest.cohort_id == cohort.id, LeaderRequest.person_id == person.id)
        ).scalar_one_or_none()
        goals = _check_goals(ask.goals, request)
        wanted = _in_range(ask.mentors_wanted, MENTORS_WANTED, "mentors_wanted", "Choose 1 or 2 mentors.")
        achieve = _text(ask.achieve, "achieve", TEXT_MAX)
        about_me = _text(ask.about_me, "about_me", TEXT_MAX)
        moment = now or utcnow()
        if request is None:
            request = LeaderRequest(cohort_id=cohort.id, person_id=person.id, created_at=moment)
            db.session.add(request)
        request.achieve, request.about_me, request.mentors_wanted = achieve, about_me, wanted
        request.formats = list(person.formats)
        request.updated_at = moment
        _apply_goals(request, goals)
    if cohort.status == "published":
        # A late joiner: a job proposes their placement, which the programme manager reviews and publishes.
        jobs.enqueue(pair_changes.LATE_TASK, cohort.id)
    return request


def withdraw_leader_request(person: Person, cohort_id: int) -> Cohort:
    """Withdraw the leader's own request while it can still change (not yet paired); returns the cohort."""
    with unit_of_work(Conflict(CLASH)):
        request = db.session.execute(
            select(LeaderRequest).where(LeaderRequest.cohort_id == cohort_id, LeaderRequest.person_id == person.id)
        ).scalar_one_or_none()
        if request is None:
            raise NotFound("You have no request in this cohort.")
        cohort = _requestable_cohort(person, cohort_id)
        db.session.delete(request)
    return cohort
