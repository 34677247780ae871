"""What a matching run is given: a cohort's rules and its people as a `matching.Problem`.

ORM rows -> matching dataclasses: leaders from their requests, mentors from their profiles and
enrolments, reporting lines, pins and forbids, pairs of earlier cohorts; for a re-pair, only the
flagged pairs' leaders, with every other active pair pinned as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

import matching
from mentoring.extensions import db
from mentoring.models import (
    Cohort,
    FitCheck,
    LeaderRequest,
    Match,
    MentorEnrolment,
    MentorProfile,
    PairRule,
    Person,
)
from mentoring.services import Conflict, InvalidField
from mentoring.services.readmodels.mentor_loads import running_loads


@dataclass(frozen=True)
class CriterionInfo:
    """A score criterion as the rules form and the review page show it."""

    name: str
    label: str
    description: str
    default_weight: float


@dataclass
class Translation:
    """A Problem built from the database, with what is needed to read its answer."""

    problem: matching.Problem
    notes: list[str] = field(default_factory=list)
    # Mentor id -> active pairs in other running cohorts, already taken off the capacity the problem carries.
    elsewhere: dict[str, int] = field(default_factory=dict)


def criteria() -> list[CriterionInfo]:
    """The named parts of a pair's score, in the library's order."""
    return [
        CriterionInfo(c.name, c.name.replace("_", " ").capitalize(), c.description, matching.DEFAULT_WEIGHTS[c.name])
        for c in matching.CRITERIA
    ]


def default_rules() -> dict[str, Any]:
    """The library's default rules in their JSON form."""
    return matching.Rules().to_dict()


def normalise_rules(data: dict[str, Any] | None) -> dict[str, Any]:
    """Rules checked by the library and returned complete; raises InvalidField naming the rules form field."""
    try:
        return matching.Rules.from_dict(data or {}).to_dict()
    except matching.InputError as exc:
        text = str(exc)
        path, _, problem = text.partition(": ")
        key = path.removeprefix("rules.")
        field_name = "weight_" + key.split(".", 1)[1] if key.startswith("weights.") else key.split(".")[0]
        raise InvalidField(field_name, problem[:1].upper() + problem[1:] if problem else text) from exc


def cohort_rules(cohort: Cohort) -> dict[str, Any]:
    """The cohort's rules, complete (stored rules are always valid; anything odd falls back to defaults)."""
    try:
        return normalise_rules(cohort.rules or {})
    except InvalidField:
        return default_rules()


# ---------------------------------------------------------------- ORM rows -> Problem


def _manager_refs() -> dict[int, str | None]:
    """Each person's manager as a problem id: a person id, or "ext:" and an id from outside the site."""
    rows = db.session.execute(
        select(Person.id, Person.manager_id, Person.manager_external_id, Person.external_id)
    ).all()
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


def _leader(request: LeaderRequest, manager: str | None, wanted: int | None = None) -> Any:
    person = request.person
    goals = tuple(matching.Goal(goal.skill.key, goal.priority, goal.target_level) for goal in request.goals)
    return matching.Leader(
        id=str(person.id),
        department=person.department,
        grade=person.grade,
        manager=manager,
        goals=goals,
        languages=tuple(person.languages or ()),
        timezone=person.timezone,
        # How the person can meet now (their details), not the copy kept with the request when they asked.
        formats=tuple(person.formats or request.formats or ()),
        location=person.location,
        mentors_wanted=wanted or max(1, request.mentors_wanted or 1),
    )


def _mentor(profile: MentorProfile, manager: str | None, capacity: int) -> Any:
    person = profile.person
    return matching.Mentor(
        id=str(person.id),
        department=person.department,
        grade=person.grade,
        manager=manager,
        skills=tuple((skill.skill.key, skill.proficiency) for skill in profile.skills),
        languages=tuple(person.languages or ()),
        timezone=person.timezone,
        formats=tuple(person.formats or ()),
        location=person.location,
        capacity=capacity,
    )


def _requests(cohort_id: int) -> list[LeaderRequest]:
    query = (
        select(LeaderRequest)
        .join(Person, Person.id == LeaderRequest.person_id)
        .where(LeaderRequest.cohort_id == cohort_id, Person.is_active.is_(True))
        .order_by(Person.id)
    )
    return list(db.session.execute(query).scalars())


def _profiles(cohort_id: int) -> list[MentorProfile]:
    query = (
        select(MentorProfile)
        .join(Person, Person.id == MentorProfile.person_id)
        .join(MentorEnrolment, MentorEnrolment.person_id == Person.id)
        .where(MentorEnrolment.cohort_id == cohort_id, Person.is_active.is_(True))
        .order_by(Person.id)
    )
    return list(db.session.execute(query).scalars())


def _history(cohort_id: int, leaders: set[str], mentors: set[str]) -> list[tuple[str, str]]:
    """(leader, mentor) pairs published in other cohorts, for the repeat_pairs rule."""
    query = select(Match.leader_id, Match.mentor_id).where(Match.cohort_id != cohort_id).distinct()
    pairs = {(str(leader), str(mentor)) for leader, mentor in db.session.execute(query)}
    return sorted(pair for pair in pairs if pair[0] in leaders and pair[1] in mentors)


def _pair_rules(cohort_id: int) -> list[PairRule]:
    query = select(PairRule).where(PairRule.cohort_id == cohort_id).order_by(PairRule.id)
    return list(db.session.execute(query).scalars())


def build_problem(cohort: Cohort, repair_match_ids: Iterable[int] | None = None) -> Translation:
    """The cohort as a matching Problem: a full run, or a re-pair of the given flagged matches."""
    refs = _manager_refs()
    requests, profiles = _requests(cohort.id), _profiles(cohort.id)
    # Capacity is the person's, across cohorts: pairs still running elsewhere use some of it up.
    taken = running_loads({p.person_id for p in profiles}, except_cohort=cohort.id)
    elsewhere = {str(mentor): count for mentor, count in taken.items()}
    capacities = {str(p.person_id): max(0, p.capacity - taken.get(p.person_id, 0)) for p in profiles}
    scope = RepairScope(requests=requests)
    if repair_match_ids is not None:
        scope = _repair_scope(cohort.id, set(repair_match_ids), requests, capacities)
    leaders = [_leader(r, refs.get(r.person_id), scope.wanted.get(r.person_id)) for r in scope.requests]
    mentors = [_mentor(p, refs.get(p.person_id), capacities[str(p.person_id)]) for p in profiles]
    leader_ids, mentor_ids = {x.id for x in leaders}, {x.id for x in mentors}
    pinned, forbidden, notes = set(scope.pinned), set(scope.forbidden), []
    flagged_leaders = {leader for leader, _ in scope.flagged}
    for rule in _pair_rules(cohort.id):
        pair = (str(rule.leader_id), str(rule.mentor_id))
        if pair[0] not in leader_ids or pair[1] not in mentor_ids:
            if repair_match_ids is None:
                notes.append(
                    f"The {rule.kind} of '{pair[0]}' and '{pair[1]}' was left out: one of them is not in this run."
                )
        elif repair_match_ids is None or (pair[0] in flagged_leaders and pair not in pinned and pair not in forbidden):
            (forbidden if rule.kind == "forbid" else pinned).add(pair)
    # Someone both leading and mentoring in one cohort must never be paired with themself.
    forbidden.update((pid, pid) for pid in leader_ids & mentor_ids)
    org = sorted(
        (str(pid), boss) for pid, boss in refs.items() if boss is not None and str(pid) not in leader_ids | mentor_ids
    )
    problem = matching.Problem(
        leaders=tuple(leaders),
        mentors=tuple(mentors),
        org=tuple(org),
        forbidden=tuple(sorted(forbidden)),
        pinned=tuple(sorted(pinned - forbidden)),
        history=tuple(_history(cohort.id, leader_ids, mentor_ids)),
        rules=matching.Rules.from_dict(cohort_rules(cohort)),
    )
    return Translation(problem, notes, elsewhere)


@dataclass
class RepairScope:
    """Who a run is about: for a re-pair, the leaders of active pairs, with pins, forbids and slots."""

    requests: list[LeaderRequest]
    pinned: set[tuple[str, str]] = field(default_factory=set)
    forbidden: set[tuple[str, str]] = field(default_factory=set)
    flagged: set[tuple[str, str]] = field(default_factory=set)
    wanted: dict[int, int] = field(default_factory=dict)


def _repair_scope(
    cohort_id: int, match_ids: set[int], requests: list[LeaderRequest], capacities: dict[str, int]
) -> RepairScope:
    """A re-pair: every other active pair pinned as it is, the flagged ones forbidden, slots unchanged."""
    matches = list(db.session.execute(select(Match).where(Match.cohort_id == cohort_id)).scalars())
    active = [m for m in matches if m.status == "active"]
    said_no = set(db.session.execute(select(FitCheck.match_id).where(FitCheck.good_fit.is_(False))).scalars())
    flagged = [m for m in active if m.id in match_ids and m.id in said_no]
    if not flagged or len(flagged) != len(match_ids):
        raise Conflict("Choose pairs from the attention list of this cohort.")
    scope = RepairScope(requests=[r for r in requests if r.person_id in {m.leader_id for m in active}])
    in_problem = {r.person_id for r in scope.requests}
    used_outside: dict[str, int] = {}
    for m in active:
        if m.id in match_ids:
            scope.flagged.add((str(m.leader_id), str(m.mentor_id)))
        elif m.leader_id in in_problem and str(m.mentor_id) in capacities:
            scope.pinned.add((str(m.leader_id), str(m.mentor_id)))
        else:
            used_outside[str(m.mentor_id)] = used_outside.get(str(m.mentor_id), 0) + 1
            continue
        # Each leader keeps as many places as they have pairs now: nobody else gains a mentor.
        scope.wanted[m.leader_id] = scope.wanted.get(m.leader_id, 0) + 1
    for mentor, capacity in capacities.items():
        # Existing pairs are facts: a mentor keeps them even after lowering their capacity
        # (`capacity` here is already net of pairs in other running cohorts).
        pins = sum(1 for _, pinned_mentor in scope.pinned if pinned_mentor == mentor)
        capacities[mentor] = max(capacity - used_outside.get(mentor, 0), pins)
    # Flagged pairs, and pairs ended by an earlier re-pair, are never proposed again.
    scope.forbidden = scope.flagged | {(str(m.leader_id), str(m.mentor_id)) for m in matches if m.status == "ended"}
    return scope


# ---------------------------------------------------------------- placing a few leaders in a published cohort


def build_placement(cohort: Cohort, wanted: dict[int, int], freed: Iterable[int] = ()) -> Translation:
    """Only these leaders (person id -> places to fill) against the mentors' spare capacity.

    Everyone else's active pairs stay as they are: they are left out of the problem and use up their
    mentors' capacity (except the pairs in `freed`, which a change is about to end). A pair that ever
    existed in the cohort is never proposed again; pins do not apply (they are for full runs), forbids do.
    """
    refs = _manager_refs()
    freed_ids = set(freed)
    requests = [r for r in _requests(cohort.id) if wanted.get(r.person_id, 0) > 0]
    matches = list(db.session.execute(select(Match).where(Match.cohort_id == cohort.id)).scalars())
    load: dict[int, int] = {}
    per_department: dict[int, dict[str | None, int]] = {}
    departments = dict(
        db.session.execute(
            select(Person.id, Person.department)
            .join(Match, Match.leader_id == Person.id)
            .where(Match.cohort_id == cohort.id, Match.status == "active")
        ).all()
    )
    for match in matches:
        if match.status == "active" and match.id not in freed_ids:
            load[match.mentor_id] = load.get(match.mentor_id, 0) + 1
            counts = per_department.setdefault(match.mentor_id, {})
            department = departments.get(match.leader_id)
            counts[department] = counts.get(department, 0) + 1
    enrolled = _profiles(cohort.id)
    # Capacity is the person's, across cohorts: pairs still running elsewhere use some of it up.
    taken = running_loads({p.person_id for p in enrolled}, except_cohort=cohort.id)
    spare = {p.person_id: p.capacity - load.get(p.person_id, 0) - taken.get(p.person_id, 0) for p in enrolled}
    profiles = [p for p in enrolled if spare[p.person_id] > 0]
    leaders = [_leader(r, refs.get(r.person_id), wanted[r.person_id]) for r in requests]
    mentors = [_mentor(p, refs.get(p.person_id), spare[p.person_id]) for p in profiles]
    leader_ids, mentor_ids = {x.id for x in leaders}, {x.id for x in mentors}
    forbidden = {(str(m.leader_id), str(m.mentor_id)) for m in matches}
    forbidden.update((str(r.leader_id), str(r.mentor_id)) for r in _pair_rules(cohort.id) if r.kind == "forbid")
    forbidden.update((pid, pid) for pid in leader_ids & mentor_ids)
    rules = matching.Rules.from_dict(cohort_rules(cohort))
    cap = rules.max_per_department_per_mentor
    if cap is not None:
        # The department cap counts the mentor's existing pairs too, which this problem leaves out.
        for request in requests:
            department = request.person.department
            for profile in profiles:
                if per_department.get(profile.person_id, {}).get(department, 0) >= cap:
                    forbidden.add((str(request.person_id), str(profile.person_id)))
    forbidden = {pair for pair in forbidden if pair[0] in leader_ids and pair[1] in mentor_ids}
    org = sorted(
        (str(pid), boss) for pid, boss in refs.items() if boss is not None and str(pid) not in leader_ids | mentor_ids
    )
    problem = matching.Problem(
        leaders=tuple(leaders),
        mentors=tuple(mentors),
        org=tuple(org),
        forbidden=tuple(sorted(forbidden)),
        history=tuple(_history(cohort.id, leader_ids, mentor_ids)),
        rules=rules,
    )
    return Translation(problem, [])
