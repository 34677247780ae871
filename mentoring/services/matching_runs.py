"""Matching runs: ORM rows -> matching dataclasses -> solve -> MatchRun and RunPairs.

The only module that translates between the database and the `matching` library. A run takes the
cohort's run lock with one atomic UPDATE, solves outside any transaction, stores its result in one
transaction, and always gives the lock back.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

import matching
from mentoring.database import locked, utcnow
from mentoring.extensions import db
from mentoring.models import (
    Cohort,
    FitCheck,
    LeaderRequest,
    Match,
    MatchRun,
    MentorEnrolment,
    MentorProfile,
    PairRule,
    Person,
    RunPair,
)
from mentoring.services import Conflict, InvalidField, NotFound, ServiceError, audit, run_lock

SUCCESSFUL = ("optimal", "feasible")
FULL_RUN_STATUSES = ("open", "matched")


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

    problem: Any
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- rules


def criteria() -> list[CriterionInfo]:
    """The named parts of a pair's score, in the library's order."""
    return [CriterionInfo(c.name, c.name.replace("_", " ").capitalize(), c.description,
                          matching.DEFAULT_WEIGHTS[c.name]) for c in matching.CRITERIA]


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


# ---------------------------------------------------------------- names in library messages

_QUOTED_ID = re.compile(r"'([^']{1,80})'")
_FIELD_PATH = re.compile(r"^[a-z_]+(\[\d+\])?(\.[a-z_]+)*: ")
_RULE_NAME = re.compile(r"\brules\.([a-z_]+)")


def readable(message: str, names: dict[str, str]) -> str:
    """A library message for people: no field path, quoted person ids replaced by names."""

    def name_of(found: re.Match[str]) -> str:
        key = found.group(1)
        if key in names:
            return names[key]
        if key.startswith("ext:"):
            return f"an outside manager ({key[4:]})"
        return "someone no longer registered" if key.isdigit() else found.group(0)

    text = _FIELD_PATH.sub("", message.strip())
    text = _RULE_NAME.sub(lambda found: "the " + found.group(1).replace("_", "-") + " rule", text)
    text = _QUOTED_ID.sub(name_of, text)
    return text[:1].upper() + text[1:]


def describe(message: str) -> str:
    """A stored library message (it holds person ids, never names) with today's names of those people."""
    ids = [int(key) for key in _QUOTED_ID.findall(message) if key.isdigit() and len(key) <= 9]
    return readable(message, people_names(ids))


def people_names(ids: Iterable[int]) -> dict[str, str]:
    """str(id) -> name for these people (ids of people who left are simply absent)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = db.session.execute(select(Person.id, Person.name).where(Person.id.in_(wanted)))
    return {str(person_id): name for person_id, name in rows}


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
        id=str(person.id), department=person.department, grade=person.grade, manager=manager, goals=goals,
        languages=tuple(person.languages or ()), timezone=person.timezone,
        formats=tuple(request.formats or person.formats or ()), location=person.location,
        mentors_wanted=wanted or max(1, request.mentors_wanted or 1),
    )


def _mentor(profile: MentorProfile, manager: str | None, capacity: int) -> Any:
    person = profile.person
    return matching.Mentor(
        id=str(person.id), department=person.department, grade=person.grade, manager=manager,
        skills=tuple((skill.skill.key, skill.proficiency) for skill in profile.skills),
        languages=tuple(person.languages or ()), timezone=person.timezone, formats=tuple(person.formats or ()),
        location=person.location, capacity=capacity,
    )


def _requests(cohort_id: int) -> list[LeaderRequest]:
    query = (select(LeaderRequest).join(Person, Person.id == LeaderRequest.person_id)
             .where(LeaderRequest.cohort_id == cohort_id, Person.is_active.is_(True)).order_by(Person.id))
    return list(db.session.execute(query).scalars())


def _profiles(cohort_id: int) -> list[MentorProfile]:
    query = (select(MentorProfile).join(Person, Person.id == MentorProfile.person_id)
             .join(MentorEnrolment, MentorEnrolment.person_id == Person.id)
             .where(MentorEnrolment.cohort_id == cohort_id, Person.is_active.is_(True)).order_by(Person.id))
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
    capacities = {str(p.person_id): p.capacity for p in profiles}
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
                notes.append(f"The {rule.kind} of '{pair[0]}' and '{pair[1]}' was left out: "
                             "one of them is not in this run.")
        elif repair_match_ids is None or (pair[0] in flagged_leaders and pair not in pinned and pair not in forbidden):
            (forbidden if rule.kind == "forbid" else pinned).add(pair)
    # Someone both leading and mentoring in one cohort must never be paired with themself.
    forbidden.update((pid, pid) for pid in leader_ids & mentor_ids)
    org = sorted((str(pid), boss) for pid, boss in refs.items()
                 if boss is not None and str(pid) not in leader_ids | mentor_ids)
    problem = matching.Problem(
        leaders=tuple(leaders), mentors=tuple(mentors), org=tuple(org), forbidden=tuple(sorted(forbidden)),
        pinned=tuple(sorted(pinned - forbidden)), history=tuple(_history(cohort.id, leader_ids, mentor_ids)),
        rules=matching.Rules.from_dict(cohort_rules(cohort)),
    )
    return Translation(problem, notes)


@dataclass
class RepairScope:
    """Who a run is about: for a re-pair, the leaders of active pairs, with pins, forbids and slots."""

    requests: list[LeaderRequest]
    pinned: set[tuple[str, str]] = field(default_factory=set)
    forbidden: set[tuple[str, str]] = field(default_factory=set)
    flagged: set[tuple[str, str]] = field(default_factory=set)
    wanted: dict[int, int] = field(default_factory=dict)


def _repair_scope(cohort_id: int, match_ids: set[int], requests: list[LeaderRequest],
                  capacities: dict[str, int]) -> RepairScope:
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
        # Existing pairs are facts: a mentor keeps them even after lowering their capacity.
        pins = sum(1 for _, pinned_mentor in scope.pinned if pinned_mentor == mentor)
        capacities[mentor] = max(capacity - used_outside.get(mentor, 0), pins)
    # Flagged pairs, and pairs ended by an earlier re-pair, are never proposed again.
    scope.forbidden = scope.flagged | {(str(m.leader_id), str(m.mentor_id)) for m in matches if m.status == "ended"}
    return scope


# ---------------------------------------------------------------- the run lock


def _lock_window(cohort: Cohort) -> timedelta:
    return run_lock.window(cohort_rules(cohort)["time_limit_s"])


def run_in_progress(cohort: Cohort, now: datetime | None = None) -> bool:
    """Whether a live (not stale) run holds the cohort's lock."""
    return run_lock.is_live(cohort, now or utcnow(), _lock_window(cohort))


# ---------------------------------------------------------------- running


def run_matching(cohort_id: int, run_by: Person | None, now: datetime | None = None) -> MatchRun:
    """Match the cohort's leaders and mentors and store the run; the cohort becomes matched if it worked."""
    return _run(cohort_id, run_by, FULL_RUN_STATUSES, None, now)


def run_repair(cohort_id: int, match_ids: Iterable[int], run_by: Person | None,
               now: datetime | None = None) -> MatchRun:
    """Re-match the people of flagged pairs only; every other active pair is pinned as it is."""
    wanted = sorted(set(match_ids))
    if not wanted:
        raise Conflict("Choose at least one pair to re-pair.")
    return _run(cohort_id, run_by, ("published",), wanted, now)


def _run(cohort_id: int, run_by: Person | None, statuses: tuple[str, ...], repair: list[int] | None,
         now: datetime | None) -> MatchRun:
    started = now or utcnow()
    run_by_id = None if run_by is None else run_by.id
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        db.session.rollback()
        raise NotFound("There is no such cohort.")
    token = run_lock.take(cohort_id, statuses, started, _lock_window(cohort))
    try:
        cohort = db.session.get(Cohort, cohort_id)
        if cohort is None:
            raise NotFound("There is no such cohort.")
        try:
            translation, failure = build_problem(cohort, repair), None
        except matching.InputError as exc:
            translation, failure = None, str(exc)
        db.session.rollback()  # the solver runs outside any transaction
        clock = time.perf_counter()
        solution = None
        if translation is not None:
            try:
                solution = matching.solve(translation.problem)
            except matching.InputError as exc:
                failure = str(exc)
            except Exception as exc:  # a solver crash is recorded as a failed run, not a 500
                current_app.logger.exception("The solver failed on cohort %s", cohort_id)
                failure = f"the solver stopped with an internal error ({type(exc).__name__}). Try again."
        elapsed = time.perf_counter() - clock
        return _store(cohort_id, token, run_by_id, statuses, repair, started, elapsed, translation, solution, failure)
    finally:
        run_lock.release(cohort_id, token)


def _plain_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _store(cohort_id: int, token: str, run_by_id: int | None, statuses: tuple[str, ...], repair: list[int] | None,
           started: datetime, elapsed: float, translation: Translation | None, solution: Any,
           failure: str | None) -> MatchRun:
    """Write the run and its pairs in one transaction, only while still holding the lock."""
    cohort = db.session.execute(
        locked(select(Cohort).where(Cohort.id == cohort_id)).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if cohort is None or cohort.run_token != token or cohort.status not in statuses:
        db.session.rollback()
        raise Conflict("The cohort changed while the matching ran, so this result was not kept. Run it again.")
    run_by = db.session.get(Person, run_by_id) if run_by_id is not None else None
    rules = translation.problem.rules.to_dict() if translation is not None else cohort_rules(cohort)
    run = MatchRun(cohort_id=cohort.id, run_by_id=run_by_id, kind="full" if repair is None else "repair",
                   started_at=started, finished_at=started + timedelta(seconds=elapsed), rules=rules)
    stats: dict[str, Any] = {"seconds": round(elapsed, 3)}
    if translation is not None:
        problem = translation.problem
        stats.update(leaders=len(problem.leaders), mentors=len(problem.mentors), pinned=len(problem.pinned),
                     forbidden=len(problem.forbidden), history=len(problem.history))
    if repair is not None:
        stats["repair_of"] = repair
    if solution is None:
        # The library's own words, with person ids (not names): names are looked up when shown.
        run.status, run.message = "failed", (failure or "the solver gave no answer.")[:500]
    else:
        _fill(run, solution)
        stats["solver"] = _plain_json({**dict(solution.stats), "gap": solution.gap})
    if translation is not None and translation.notes:
        run.message = (run.message + " " + " ".join(translation.notes)).strip()[:500]
    run.stats = stats
    db.session.add(run)
    if run.status in SUCCESSFUL and cohort.status == "open":
        cohort.status = "matched"
    db.session.flush()
    how = "page" if run_by is not None else "command line"
    action = "matching.repair_run" if repair is not None else "matching.run"
    audit.record(action, actor=run_by, object_type="cohort", object_id=cohort.id,
                 detail=f"run {run.id} ({how}): {run.status}, {run.matched} matched, score {run.total_score:g}")
    db.session.commit()
    if run.status == "failed":
        raise ServiceError("The matching could not run: " + describe(run.message))
    return run


def _fill(run: MatchRun, solution: Any) -> None:
    run.status = solution.status if solution.status in (*SUCCESSFUL, "infeasible") else "failed"
    run.message = (solution.reason or "")[:500]
    run.matched = solution.matched
    run.total_score = float(solution.total_score)
    run.unmatched = [{"leader_id": int(u.leader), "reason": u.reason, "unfilled": u.unfilled}
                     for u in solution.unmatched]
    run.mentor_loads = [{"mentor_id": int(x.mentor), "load": x.load, "capacity": x.capacity}
                        for x in solution.mentors]
    run.pairs = [
        RunPair(leader_id=int(p.leader), mentor_id=int(p.mentor), score=float(p.score), pinned=bool(p.pinned),
                reasons=[{"criterion": c, "points": float(v)} for c, v in p.reasons])
        for p in solution.pairs
    ]
