"""A cohort's rows as a matching run needs them, read with a fixed number of set-based queries.

People, requests, goals, profiles, skills, reporting lines, pair rules and history each come in one SELECT
of plain columns (no ORM objects, so no lazy loads), read as tuples; JSON lists are decoded once per
distinct text, and leaders and mentors are handed to `matching` column by column.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, select

import matching
from mentoring.extensions import db
from mentoring.models import (
    Goal,
    LeaderRequest,
    Match,
    MentorEnrolment,
    MentorProfile,
    MentorSkill,
    PairRule,
    Person,
    Skill,
)


def _json_text(column: Any) -> Any:
    """A JSON column read as its text, so that equal lists are decoded once (see `_decoded`)."""
    return cast(column, Text)


_PERSON_COLUMNS = (
    Person.id,
    Person.department,
    Person.grade,
    _json_text(Person.languages),
    Person.timezone,
    _json_text(Person.formats),
    Person.location,
)


@dataclass(frozen=True)
class Ask:
    """A leader's request in the cohort, as the problem needs it."""

    person_id: int
    department: str | None
    grade: int | None
    languages: tuple[str, ...]
    timezone: str | None
    formats: tuple[str, ...]
    location: str | None
    request_id: int
    request_formats: tuple[str, ...]
    mentors_wanted: int | None


@dataclass(frozen=True)
class Offer:
    """A mentor enrolled in the cohort with a profile, as the problem needs it."""

    person_id: int
    department: str | None
    grade: int | None
    languages: tuple[str, ...]
    timezone: str | None
    formats: tuple[str, ...]
    location: str | None
    profile_id: int
    capacity: int


def _rows(query: Any) -> list[Any]:
    """The query's rows as plain tuples, fetched at once through the session's connection (no ORM rows)."""
    db.session.flush()
    return db.session.connection().execute(query).all()


class _Decoded(dict):
    """JSON list text -> tuple, each distinct text decoded once (a company has few distinct language lists)."""

    def __missing__(self, text: str | None) -> tuple[str, ...]:
        value = json.loads(text) if text else None
        self[text] = decoded = tuple(value) if isinstance(value, list) else ()
        return decoded


def manager_refs() -> dict[int, str | None]:
    """Each person's manager as a problem id: a person id, or "ext:" and an id from outside the site."""
    rows = _rows(select(Person.id, Person.manager_id, Person.manager_external_id, Person.external_id))
    internal = {external: str(pid) for pid, _, _, external in rows if external}
    refs: dict[int, str | None] = {}
    for pid, manager_id, manager_external, _ in rows:
        if manager_id is not None:
            refs[pid] = str(manager_id)
        elif manager_external:
            refs[pid] = internal.get(manager_external, "ext:" + manager_external)
        else:
            refs[pid] = None
    return refs


def asks(cohort_id: int) -> list[Ask]:
    """The requests of the cohort's active leaders, by person id."""
    query = (
        select(*_PERSON_COLUMNS, LeaderRequest.id, _json_text(LeaderRequest.formats), LeaderRequest.mentors_wanted)
        .join(Person, Person.id == LeaderRequest.person_id)
        .where(LeaderRequest.cohort_id == cohort_id, Person.is_active.is_(True))
        .order_by(Person.id)
    )
    lists = _Decoded()
    return [
        Ask(pid, dept, grade, lists[langs], tz, lists[formats], loc, rid, lists[asked], wanted)
        for pid, dept, grade, langs, tz, formats, loc, rid, asked, wanted in _rows(query)
    ]


def offers(cohort_id: int) -> list[Offer]:
    """The cohort's enrolled active mentors with a profile, by person id."""
    query = (
        select(*_PERSON_COLUMNS, MentorProfile.id, MentorProfile.capacity)
        .join(Person, Person.id == MentorProfile.person_id)
        .join(MentorEnrolment, MentorEnrolment.person_id == Person.id)
        .where(MentorEnrolment.cohort_id == cohort_id, Person.is_active.is_(True))
        .order_by(Person.id)
    )
    lists = _Decoded()
    return [
        Offer(pid, dept, grade, lists[langs], tz, lists[formats], loc, profile_id, capacity)
        for pid, dept, grade, langs, tz, formats, loc, profile_id, capacity in _rows(query)
    ]


def goals_by_request(cohort_id: int) -> dict[int, list[Any]]:
    """request id -> its goals, must first then by skill (the order the request page shows)."""
    query = (
        select(Goal.request_id, Skill.key, Goal.priority, Goal.target_level)
        .join(Skill, Skill.id == Goal.skill_id)
        .join(LeaderRequest, LeaderRequest.id == Goal.request_id)
        .where(LeaderRequest.cohort_id == cohort_id)
        .order_by(Goal.request_id, Goal.priority.desc(), Goal.skill_id)
    )
    rows = _rows(query)
    goals: dict[int, list[Any]] = defaultdict(list)
    # Equal goals share one checked matching.Goal: a company has a few hundred distinct ones.
    for (request_id, *_), goal in zip(rows, matching.goals_from_records(row[1:] for row in rows), strict=True):
        goals[request_id].append(goal)
    return goals


def skills_by_profile(cohort_id: int) -> dict[int, list[tuple[str, int]]]:
    """profile id -> (skill key, proficiency) of the cohort's enrolled mentors (the library sorts them)."""
    keys = dict(_rows(select(Skill.id, Skill.key)))
    query = (
        select(MentorSkill.profile_id, MentorSkill.skill_id, MentorSkill.proficiency)
        .join(MentorProfile, MentorProfile.id == MentorSkill.profile_id)
        .join(MentorEnrolment, MentorEnrolment.person_id == MentorProfile.person_id)
        .where(MentorEnrolment.cohort_id == cohort_id)
    )
    skills: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for profile_id, skill_id, proficiency in _rows(query):
        skills[profile_id].append((keys[skill_id], proficiency))
    return skills


def leaders_of(
    asks: list[Ask],
    goals: dict[int, list[Any]],
    refs: dict[int, str | None],
    wanted: Callable[[int], int | None],
) -> tuple[matching.Leader, ...]:
    """The leaders of these requests, built column by column (`wanted`: person id -> places, or None)."""
    return matching.leaders_from_columns(
        id=[str(a.person_id) for a in asks],
        department=[a.department for a in asks],
        grade=[a.grade for a in asks],
        manager=[refs.get(a.person_id) for a in asks],
        goals=[tuple(goals.get(a.request_id, ())) for a in asks],
        languages=[a.languages for a in asks],
        timezone=[a.timezone for a in asks],
        # How the person can meet now (their details), not the copy kept with the request when they asked.
        formats=[a.formats or a.request_formats for a in asks],
        location=[a.location for a in asks],
        mentors_wanted=[wanted(a.person_id) or max(1, a.mentors_wanted or 1) for a in asks],
    )


def mentors_of(
    offers: list[Offer],
    skills: dict[int, list[tuple[str, int]]],
    refs: dict[int, str | None],
    capacity: Callable[[int], int],
) -> tuple[matching.Mentor, ...]:
    """The mentors of these profiles, built column by column (`capacity`: person id -> places to offer)."""
    return matching.mentors_from_columns(
        id=[str(o.person_id) for o in offers],
        department=[o.department for o in offers],
        grade=[o.grade for o in offers],
        manager=[refs.get(o.person_id) for o in offers],
        skills=[tuple(skills.get(o.profile_id, ())) for o in offers],
        languages=[o.languages for o in offers],
        timezone=[o.timezone for o in offers],
        formats=[o.formats for o in offers],
        location=[o.location for o in offers],
        capacity=[capacity(o.person_id) for o in offers],
    )


def history(cohort_id: int, leaders: set[str], mentors: set[str]) -> list[tuple[str, str]]:
    """(leader, mentor) pairs published in other cohorts, for the repeat_pairs rule."""
    query = select(Match.leader_id, Match.mentor_id).where(Match.cohort_id != cohort_id).distinct()
    pairs = {(str(leader), str(mentor)) for leader, mentor in _rows(query)}
    return sorted(pair for pair in pairs if pair[0] in leaders and pair[1] in mentors)


def pair_rules(cohort_id: int) -> list[tuple[str, int, int]]:
    """The cohort's pins and forbids as (kind, leader id, mentor id), oldest first."""
    query = (
        select(PairRule.kind, PairRule.leader_id, PairRule.mentor_id)
        .where(PairRule.cohort_id == cohort_id)
        .order_by(PairRule.id)
    )
    return [tuple(row) for row in db.session.execute(query)]  # type: ignore[misc]
