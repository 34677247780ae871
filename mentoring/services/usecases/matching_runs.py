"""Matching runs: the cohort's Problem (services.matching_problem) -> solve -> MatchRun and RunPairs.

A run takes the cohort's run lock with one atomic UPDATE, solves outside any transaction, stores its
result in one transaction, and always gives the lock back. From the page a run is a job
(usecases.run_jobs) that calls `run_locked`; the command line runs it here and now.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import insert, select

import matching
from matching.errors import name_people
from mentoring.database import locked, utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, MatchRun, Person, RunPair, RunStage
from mentoring.services import Conflict, NotFound, ServiceError
from mentoring.services.infra import audit, run_lock
from mentoring.services.readmodels import review_loads
from mentoring.services.translators.matching_problem import Translation, build_problem, cohort_rules

SUCCESSFUL = ("optimal", "feasible")
FULL_RUN_STATUSES = ("open", "matched")


# ---------------------------------------------------------------- names in library messages


def run_message(run: MatchRun) -> str:
    """What the run says (why it failed, or the solver's note), naming people by today's names.

    The library hands its errors over as records (matching.InputError.to_dict(): a template naming people by
    position, and their ids), kept in the run's stats; nothing is read back out of a sentence.
    """
    stats = run.stats or {}
    error = stats.get("error") or {}
    if error.get("template"):
        ids = [str(i) for i in error.get("ids", [])]
        text = name_people(error["template"], ids, people_names(int(i) for i in ids if i.isdigit() and len(i) < 10))
    else:
        text = run.message or ""
    text = " ".join(part for part in (text, *stats.get("notes", [])) if part)
    return text[:1].upper() + text[1:]


def error_text(error: matching.InputError) -> str:
    """A library error for people: its problem, with the people it names shown by name."""
    ids = list(error.ids)
    text = error.render(people_names(int(i) for i in ids if i.isdigit() and len(i) < 10))
    return text[:1].upper() + text[1:]


def people_names(ids: Iterable[int]) -> dict[str, str]:
    """str(id) -> name for these people (ids of people who left are simply absent)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = db.session.execute(select(Person.id, Person.name).where(Person.id.in_(wanted)))
    return {str(person_id): name for person_id, name in rows}


# ---------------------------------------------------------------- the run lock


def lock_window(cohort: Cohort) -> timedelta:
    """How long a lock taken before leases existed is held (the solver's time limit plus a margin)."""
    return run_lock.window(cohort_rules(cohort)["time_limit_s"])


def run_in_progress(cohort: Cohort, now: datetime | None = None) -> bool:
    """Whether a live (not stale) run holds the cohort's lock."""
    return run_lock.is_live(cohort, now or utcnow(), lock_window(cohort))


# ---------------------------------------------------------------- running


def run_matching(cohort_id: int, run_by: Person | None, now: datetime | None = None) -> MatchRun:
    """Match the cohort's leaders and mentors and store the run; the cohort becomes matched if it worked."""
    return _run(cohort_id, run_by, FULL_RUN_STATUSES, None, now)


def run_repair(
    cohort_id: int, match_ids: Iterable[int], run_by: Person | None, now: datetime | None = None
) -> MatchRun:
    """Re-match the people of flagged pairs only; every other active pair is pinned as it is."""
    wanted = sorted(set(match_ids))
    if not wanted:
        raise Conflict("Choose at least one pair to re-pair.")
    return _run(cohort_id, run_by, ("published",), wanted, now)


def _run(
    cohort_id: int, run_by: Person | None, statuses: tuple[str, ...], repair: list[int] | None, now: datetime | None
) -> MatchRun:
    """Run now, in this process (the command line): take the lock, renew it while working, give it back."""
    started = now or utcnow()
    run_by_id = None if run_by is None else run_by.id
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        db.session.rollback()
        raise NotFound("There is no such cohort.")
    token = run_lock.take(cohort_id, statuses, started, lock_window(cohort))
    try:
        with run_lock.Heartbeat(cohort_id, token):
            run = run_locked(cohort_id, token, run_by_id, statuses, repair, started)
    finally:
        run_lock.release(cohort_id, token)
    if run.status == "failed":
        raise ServiceError(failure_text(run))
    return run


def failure_text(run: MatchRun) -> str:
    """Why a failed run failed, with today's names of the people it mentions."""
    return "The matching could not run: " + run_message(run)


def _no_report(stage: RunStage, gap: float | None = None) -> None:
    """Progress goes nowhere when nobody follows it (the command line)."""


def run_locked(
    cohort_id: int,
    token: str,
    run_by_id: int | None,
    statuses: tuple[str, ...],
    repair: list[int] | None,
    started: datetime,
    report: Callable[..., None] = _no_report,
) -> MatchRun:
    """Build the problem, solve it and store the run, while `token` holds the cohort's lock.

    `report(stage, gap=...)` is called between the stages, outside any transaction. A failed run is
    stored and returned (status "failed") like any other; a lost lock raises Conflict.
    """
    report(RunStage.BUILDING)
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        db.session.rollback()
        raise NotFound("There is no such cohort.")
    try:
        translation, failure = build_problem(cohort, repair), None
    except matching.InputError as exc:
        translation, failure = None, exc
    db.session.rollback()  # the solver runs outside any transaction
    clock = time.perf_counter()
    solution = None
    if translation is not None:
        report(RunStage.SOLVING)
        try:
            solution = matching.solve(translation.problem)
        except matching.InputError as exc:
            failure = exc
        except Exception as exc:  # a solver crash is recorded as a failed run, not a 500
            current_app.logger.exception("The solver failed on cohort %s", cohort_id)
            failure = f"the solver stopped with an internal error ({type(exc).__name__}). Try again."
    elapsed = time.perf_counter() - clock
    report(RunStage.EXPLAINING, gap=None if solution is None else solution.gap)
    return _store(cohort_id, token, run_by_id, statuses, repair, started, elapsed, translation, solution, failure)


def _plain_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _store(
    cohort_id: int,
    token: str,
    run_by_id: int | None,
    statuses: tuple[str, ...],
    repair: list[int] | None,
    started: datetime,
    elapsed: float,
    translation: Translation | None,
    solution: Any,
    failure: matching.InputError | str | None,
) -> MatchRun:
    """Write the run and its pairs in one transaction, only while still holding the lock."""
    cohort = db.session.execute(
        locked(select(Cohort).where(Cohort.id == cohort_id)).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if cohort is None or cohort.run_token != token or cohort.status not in statuses:
        db.session.rollback()
        raise Conflict("The cohort changed while the matching ran, so this result was not kept. Run it again.")
    run_by = db.session.get(Person, run_by_id) if run_by_id is not None else None
    rules = translation.problem.rules.to_dict() if translation is not None else cohort_rules(cohort)
    run = MatchRun(
        cohort_id=cohort.id,
        run_by_id=run_by_id,
        kind="full" if repair is None else "repair",
        started_at=started,
        finished_at=started + timedelta(seconds=elapsed),
        rules=rules,
    )
    stats: dict[str, Any] = {"seconds": round(elapsed, 3)}
    if translation is not None:
        problem = translation.problem
        stats.update(
            leaders=len(problem.leaders),
            mentors=len(problem.mentors),
            pinned=len(problem.pinned),
            forbidden=len(problem.forbidden),
            history=len(problem.history),
        )
    if repair is not None:
        stats["repair_of"] = repair
    pair_rows: list[dict[str, Any]] = []
    if solution is None:
        # The library's own record: its sentence names ids, not people; names are looked up when shown.
        if isinstance(failure, matching.InputError):
            stats["error"] = failure.to_dict()
            failure = failure.problem
        run.status, run.message = "failed", (failure or "the solver gave no answer.")[:500]
    else:
        pair_rows = _fill(run, solution, translation.elsewhere if translation is not None else {})
        stats["solver"] = _plain_json({**dict(solution.stats), "gap": solution.gap})
        stats[review_loads.SUMMARY_KEY] = review_loads.load_summary(run.mentor_loads, run.unmatched)
    if translation is not None and translation.notes:
        stats["notes"] = list(translation.notes)
    run.stats = stats
    db.session.add(run)
    if run.status in SUCCESSFUL and cohort.status == "open":
        cohort.status = "matched"
    db.session.flush()
    if pair_rows:  # one bulk INSERT, not one statement per pair
        db.session.execute(insert(RunPair), [{**row, "run_id": run.id} for row in pair_rows])
    how = "page" if run_by is not None else "command line"
    action = "matching.repair_run" if repair is not None else "matching.run"
    audit.record(
        action,
        actor=run_by,
        object_type="cohort",
        object_id=cohort.id,
        detail=f"run {run.id} ({how}): {run.status}, {run.matched} matched, score {run.total_score:g}",
    )
    db.session.commit()
    return run


def _fill(run: MatchRun, solution: Any, elsewhere: dict[str, int]) -> list[dict[str, Any]]:
    """Copy the solution's figures onto the run; returns its pairs as rows for a bulk INSERT."""
    run.status = solution.status if solution.status in (*SUCCESSFUL, "infeasible") else "failed"
    run.message = (solution.reason or "")[:500]
    run.matched = solution.matched
    run.total_score = float(solution.total_score)
    run.unmatched = [
        {
            "leader_id": int(u.leader),
            "reason": u.reason,
            "unfilled": u.unfilled,
            "cause": u.cause,
            "template": u.template,
            "mentor_ids": [int(m) for m in u.people],
            "more": u.more,
        }
        for u in solution.unmatched
    ]
    # `capacity` is the places left in this run; `elsewhere` the pairs the mentor has in other running cohorts.
    run.mentor_loads = [
        {"mentor_id": int(x.mentor), "load": x.load, "capacity": x.capacity, "elsewhere": elsewhere.get(x.mentor, 0)}
        for x in solution.mentors
    ]
    return [
        {
            "leader_id": int(p.leader),
            "mentor_id": int(p.mentor),
            "score": float(p.score),
            "pinned": bool(p.pinned),
            "reasons": [{"criterion": c, "points": float(v)} for c, v in p.reasons],
        }
        for p in solution.pairs
    ]
