"""What a matching run is given: a cohort's rules and its people as a `matching.Problem`.

ORM rows -> matching dataclasses: leaders from their requests, mentors from their profiles and
enrolments, reporting lines, pins and forbids, pairs of earlier cohorts; for a re-pair, only the
flagged pairs' leaders, with every other active pair pinned as it is. Placing a few leaders in a published
cohort is `translators.placement`.
"""

from __future__ import annotations

import functools
import gc
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select

import matching
from mentoring.extensions import db
from mentoring.models import (
    Cohort,
    FitCheck,
    Match,
    Person,
)
from mentoring.services import Conflict, InvalidField
from mentoring.services.readmodels.mentor_loads import running_loads
from mentoring.services.translators import cohort_rows as rows


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
        # The error names its field as a path (rules.weights.goals); the form's fields follow the same names.
        key = exc.path.removeprefix("rules.")
        field_name = "weight_" + key.split(".", 1)[1] if key.startswith("weights.") else key.split(".")[0]
        problem = exc.problem or str(exc)
        raise InvalidField(field_name, problem[:1].upper() + problem[1:]) from exc


def cohort_rules(cohort: Cohort) -> dict[str, Any]:
    """The cohort's rules, complete (stored rules are always valid; anything odd falls back to defaults)."""
    try:
        return normalise_rules(cohort.rules or {})
    except InvalidField:
        return default_rules()


def _left_out_notes(left_out: list[tuple[str, int, int]]) -> list[str]:
    """A sentence per pin or forbid left out of a run, naming both people."""
    if not left_out:
        return []
    ids = sorted({i for _, leader, mentor in left_out for i in (leader, mentor)})
    names = dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())
    return [
        f"The {kind} of {names.get(leader, 'someone who left')} and {names.get(mentor, 'someone who left')} was "
        "left out: one of them is not in this run."
        for kind, leader, mentor in left_out
    ]


F = TypeVar("F", bound=Callable[..., Any])


def without_cycle_collection(build: F) -> F:
    """Run `build` with Python's cycle collector paused: it makes ~200,000 objects and no cycles, and in a
    process holding a large heap the collector's full passes otherwise cost more than the build itself."""

    @functools.wraps(build)
    def paused(*args: Any, **kwargs: Any) -> Any:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return build(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused  # type: ignore[return-value]


@without_cycle_collection
def build_problem(cohort: Cohort, repair_match_ids: Iterable[int] | None = None) -> Translation:
    """The cohort as a matching Problem: a full run, or a re-pair of the given flagged matches."""
    refs = rows.manager_refs()
    asks, offers = rows.asks(cohort.id), rows.offers(cohort.id)
    goals, skills = rows.goals_by_request(cohort.id), rows.skills_by_profile(cohort.id)
    # Capacity is the person's, across cohorts: pairs still running elsewhere use some of it up.
    taken = running_loads({o.person_id for o in offers}, except_cohort=cohort.id)
    elsewhere = {str(mentor): count for mentor, count in taken.items()}
    capacities = {str(o.person_id): max(0, o.capacity - taken.get(o.person_id, 0)) for o in offers}
    scope = RepairScope(requests=asks)
    if repair_match_ids is not None:
        scope = _repair_scope(cohort.id, set(repair_match_ids), asks, capacities)
    leaders = rows.leaders_of(scope.requests, goals, refs, scope.wanted.get)
    mentors = rows.mentors_of(offers, skills, refs, lambda person_id: capacities[str(person_id)])
    leader_ids, mentor_ids = {x.id for x in leaders}, {x.id for x in mentors}
    in_run = leader_ids | mentor_ids
    pinned, forbidden, left_out = set(scope.pinned), set(scope.forbidden), []
    flagged_leaders = {leader for leader, _ in scope.flagged}
    for kind, leader_id, mentor_id in rows.pair_rules(cohort.id):
        pair = (str(leader_id), str(mentor_id))
        if pair[0] not in leader_ids or pair[1] not in mentor_ids:
            if repair_match_ids is None:
                left_out.append((kind, leader_id, mentor_id))
        elif repair_match_ids is None or (pair[0] in flagged_leaders and pair not in pinned and pair not in forbidden):
            (forbidden if kind == "forbid" else pinned).add(pair)
    notes = _left_out_notes(left_out)
    # Someone both leading and mentoring in one cohort must never be paired with themself.
    forbidden.update((pid, pid) for pid in leader_ids & mentor_ids)
    org = sorted((str(pid), boss) for pid, boss in refs.items() if boss is not None and str(pid) not in in_run)
    problem = matching.Problem(
        leaders=leaders,
        mentors=mentors,
        org=tuple(org),
        forbidden=tuple(sorted(forbidden)),
        pinned=tuple(sorted(pinned - forbidden)),
        history=tuple(rows.history(cohort.id, leader_ids, mentor_ids)),
        rules=matching.Rules.from_dict(cohort_rules(cohort)),
    )
    return Translation(problem, notes, elsewhere)


@dataclass
class RepairScope:
    """Who a run is about: for a re-pair, the leaders of active pairs, with pins, forbids and slots."""

    requests: list[rows.Ask]
    pinned: set[tuple[str, str]] = field(default_factory=set)
    forbidden: set[tuple[str, str]] = field(default_factory=set)
    flagged: set[tuple[str, str]] = field(default_factory=set)
    wanted: dict[int, int] = field(default_factory=dict)


def _repair_scope(
    cohort_id: int, match_ids: set[int], requests: list[rows.Ask], capacities: dict[str, int]
) -> RepairScope:
    """A re-pair: every other active pair pinned as it is, the flagged ones forbidden, slots unchanged."""
    query = select(Match.id, Match.leader_id, Match.mentor_id, Match.status).where(Match.cohort_id == cohort_id)
    matches = list(db.session.execute(query))
    active = [m for m in matches if m.status == "active"]
    said_no = set(
        db.session.execute(
            select(FitCheck.match_id)
            .join(Match, Match.id == FitCheck.match_id)
            .where(Match.cohort_id == cohort_id, FitCheck.good_fit.is_(False))
        ).scalars()
    )
    flagged = [m for m in active if m.id in match_ids and m.id in said_no]
    if not flagged or len(flagged) != len(match_ids):
        raise Conflict("Choose pairs from the attention list of this cohort.")
    active_leaders = {m.leader_id for m in active}
    scope = RepairScope(requests=[r for r in requests if r.person_id in active_leaders])
    in_problem = {r.person_id for r in scope.requests}
    used_outside: dict[str, int] = defaultdict(int)
    pins_of: dict[str, int] = defaultdict(int)
    for m in active:
        if m.id in match_ids:
            scope.flagged.add((str(m.leader_id), str(m.mentor_id)))
        elif m.leader_id in in_problem and str(m.mentor_id) in capacities:
            scope.pinned.add((str(m.leader_id), str(m.mentor_id)))
        else:
            used_outside[str(m.mentor_id)] += 1
            continue
        # Each leader keeps as many places as they have pairs now: nobody else gains a mentor.
        scope.wanted[m.leader_id] = scope.wanted.get(m.leader_id, 0) + 1
    for _, pinned_mentor in scope.pinned:
        pins_of[pinned_mentor] += 1
    for mentor, capacity in capacities.items():
        # Existing pairs are facts: a mentor keeps them even after lowering their capacity
        # (`capacity` here is already net of pairs in other running cohorts).
        capacities[mentor] = max(capacity - used_outside.get(mentor, 0), pins_of.get(mentor, 0))
    # Flagged pairs, and pairs ended by an earlier re-pair, are never proposed again.
    scope.forbidden = scope.flagged | {(str(m.leader_id), str(m.mentor_id)) for m in matches if m.status == "ended"}
    return scope
