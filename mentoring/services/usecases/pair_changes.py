"""Changes to a published cohort, each proposed as a run of kind "repair" that the manager reviews, then publishes.

End a pair, replace one leader's mentor (from the optimiser's three best), place late joiners, and offer
mentors to the waitlist. A proposal solves only the leaders concerned against the mentors' spare capacity
(services.translators.placement.build_placement); everyone else's pairs stay as they are, and the cohort's
department cap counts them together with the new ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from flask import current_app
from sqlalchemy import func, select

import matching
from mentoring.database import locked, utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, LeaderRequest, Match, MatchRun, Person, RunPair, WaitlistEntry, WaitlistStatus
from mentoring.services import Conflict, NotFound, ServiceError
from mentoring.services.infra import audit, run_lock
from mentoring.services.translators.matching_problem import cohort_rules
from mentoring.services.translators.placement import build_placement
from mentoring.services.usecases import matching_runs

REASON_MAX = 200
CANDIDATES = 3
LATE_TASK = "pairs.offer-late-joiners"


class Change(StrEnum):
    """The kinds of change to a published cohort."""

    END = "end"
    REPLACE = "replace"
    LATE = "late"
    WAITLIST = "waitlist"


@dataclass(frozen=True)
class Candidate:
    """A possible new mentor for a leader, with the score and reasons the optimiser gave."""

    mentor: Person
    score: float
    reasons: list[dict[str, Any]]


def _published_cohort(cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("There is no such cohort.")
    if cohort.status != "published":
        raise Conflict("Pairs change this way only in a published cohort.")
    return cohort


def active_match(cohort_id: int, match_id: int) -> Match:
    """An active pair of the published cohort, or NotFound/Conflict."""
    match = db.session.get(Match, match_id)
    if match is None or match.cohort_id != cohort_id:
        raise NotFound("There is no such pair in this cohort.")
    _published_cohort(cohort_id)
    if match.status != "active":
        raise Conflict("This pair has already ended.")
    return match


def _solve_placement(
    cohort: Cohort,
    wanted: dict[int, int],
    freed: Iterable[int] = (),
    adjust: Callable[[matching.Problem], matching.Problem] = lambda problem: problem,
) -> tuple[matching.Problem, matching.Solution | None]:
    """Solve a placement (None when nobody is to be placed); pairs marked pinned are existing ones.

    Existing pairs are pinned so the department cap counts them. One that breaks a rule today (someone's
    details changed since) cannot be pinned: then its mentor's department is held as full instead.
    """
    for pin_existing in (True, False):
        problem = adjust(build_placement(cohort, wanted, freed, pin_existing).problem)
        if not problem.leaders:
            return problem, None
        try:
            return problem, matching.solve(problem)
        except matching.InputError as exc:
            if not (pin_existing and exc.path.startswith("pinned[")):
                raise ServiceError("The matching could not run: " + matching_runs.error_text(exc)) from exc
    raise AssertionError("unreachable: the second pass pins nothing")


def _run_pair(pair: matching.Pair) -> RunPair:
    return RunPair(
        leader_id=int(pair.leader),
        mentor_id=int(pair.mentor),
        score=float(pair.score),
        pinned=False,
        reasons=[{"criterion": c, "points": float(v)} for c, v in pair.reasons],
    )


def _store(
    cohort_id: int,
    manager: Person | None,
    change: dict[str, Any],
    message: str,
    build: Callable[[], tuple[list[RunPair], list[dict[str, Any]], dict[str, Any]]],
    now: datetime | None,
    keep_empty: bool = True,
) -> MatchRun | None:
    """Take the cohort's run lock, build the proposal (solving outside any transaction), store it as a run.

    With `keep_empty=False` a proposal that pairs nobody is not stored (None).
    """
    started = now or utcnow()
    cohort = _published_cohort(cohort_id)
    window = run_lock.window(cohort_rules(cohort)["time_limit_s"])
    manager_id = manager.id if manager is not None else None
    token = run_lock.take(cohort_id, ("published",), started, window)
    try:
        clock = time.perf_counter()
        pairs, unmatched, stats = build()
        db.session.rollback()
        elapsed = time.perf_counter() - clock
        if not pairs and not keep_empty:
            return None
        cohort = db.session.execute(
            locked(select(Cohort).where(Cohort.id == cohort_id)).execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if cohort is None or cohort.run_token != token or cohort.status != "published":
            db.session.rollback()
            raise Conflict("The cohort changed while this change was prepared. Try again.")
        run = MatchRun(
            cohort_id=cohort_id,
            run_by_id=manager_id,
            kind="repair",
            started_at=started,
            finished_at=started + timedelta(seconds=elapsed),
            rules=cohort_rules(cohort),
            status="optimal",
            message=message[:500],
            matched=len(pairs),
            total_score=float(sum(p.score for p in pairs)),
            unmatched=unmatched,
            mentor_loads=[],
            stats={**stats, **change, "seconds": round(elapsed, 3)},
        )
        run.pairs = pairs
        db.session.add(run)
        db.session.flush()
        actor = db.session.get(Person, manager_id) if manager_id is not None else None
        audit.record(
            f"pairs.change_{change['change']}",
            actor=actor,
            object_type="cohort",
            object_id=cohort_id,
            detail=f"run {run.id}: {len(pairs)} new pairs proposed, ending {change.get('repair_of') or []}",
        )
        db.session.commit()
        return run
    finally:
        run_lock.release(cohort_id, token)


# ---------------------------------------------------------------- end a pair


def propose_end(
    manager: Person, cohort_id: int, match_id: int, reason: str, to_waitlist: bool, now: datetime | None = None
) -> MatchRun:
    """Propose ending a pair, with a reason; the leader goes to the waitlist or not."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError("Say why the pair ends: both people read it in their email.")
    match = active_match(cohort_id, match_id)
    leader, mentor = match.leader.name, match.mentor.name
    message = f"End the pair of {leader} with {mentor}: {reason[:REASON_MAX]}."
    message += f" {leader} goes on the waitlist." if to_waitlist else f" {leader} does not go on the waitlist."
    change = {"change": Change.END.value, "repair_of": [match.id], "reason": reason[:REASON_MAX]}
    change["waitlist"] = bool(to_waitlist)
    return _store(cohort_id, manager, change, message, lambda: ([], [], {}), now)


# ---------------------------------------------------------------- replace a mentor


def replacement_candidates(cohort_id: int, match_id: int, limit: int = CANDIDATES) -> list[Candidate]:
    """The optimiser's best new mentors for the pair's leader, best first, keeping every rule and capacity."""
    match = active_match(cohort_id, match_id)
    cohort = match.cohort
    leader_id, excluded = match.leader_id, set()
    found: list[matching.Pair] = []

    def without_excluded(problem: matching.Problem) -> matching.Problem:
        forbidden = set(problem.forbidden) | {(str(leader_id), mentor) for mentor in excluded}
        # Spending the freed place on the same mentor is no replacement.
        forbidden.add((str(leader_id), str(match.mentor_id)))
        known = {m.id for m in problem.mentors}
        return replace(problem, forbidden=tuple(sorted(pair for pair in forbidden if pair[1] in known)))

    for _ in range(limit):
        _, solution = _solve_placement(cohort, {leader_id: 1}, [match.id], without_excluded)
        best = next((p for p in solution.pairs if not p.pinned), None) if solution is not None else None
        if best is None:
            break
        found.append(best)
        excluded.add(best.mentor)
    people = {
        p.id: p
        for p in db.session.execute(select(Person).where(Person.id.in_([int(p.mentor) for p in found]))).scalars()
    }
    return [
        Candidate(people[int(p.mentor)], float(p.score), [{"criterion": c, "points": float(v)} for c, v in p.reasons])
        for p in found
        if int(p.mentor) in people
    ]


def propose_replacement(
    manager: Person, cohort_id: int, match_id: int, mentor_id: int, now: datetime | None = None
) -> MatchRun:
    """Propose replacing the pair's mentor with one of the optimiser's best candidates."""
    match = active_match(cohort_id, match_id)
    leader_id = match.leader_id
    candidates = replacement_candidates(cohort_id, match_id)
    chosen = next((c for c in candidates if c.mentor.id == mentor_id), None)
    if chosen is None:
        raise Conflict("That mentor is no longer among the best replacements. Choose from the list again.")
    pair = RunPair(leader_id=leader_id, mentor_id=mentor_id, score=chosen.score, reasons=chosen.reasons)
    message = f"Replace {match.mentor.name} as mentor of {match.leader.name} with {chosen.mentor.name}."
    change = {"change": Change.REPLACE.value, "repair_of": [match_id], "reason": "a new mentor was chosen for you"}
    return _store(cohort_id, manager, change, message, lambda: ([pair], [], {}), now)


# ---------------------------------------------------------------- late joiners and the waitlist


def _active_counts(cohort_id: int) -> dict[int, int]:
    query = (
        select(Match.leader_id, func.count(Match.id))
        .where(Match.cohort_id == cohort_id, Match.status == "active")
        .group_by(Match.leader_id)
    )
    return dict(db.session.execute(query).all())


def late_joiners(cohort_id: int) -> list[LeaderRequest]:
    """Requests in the published cohort from leaders never paired or waitlisted in it, oldest first."""
    ever = select(Match.leader_id).where(Match.cohort_id == cohort_id)
    listed = select(WaitlistEntry.person_id).where(WaitlistEntry.cohort_id == cohort_id)
    query = (
        select(LeaderRequest)
        .join(Person, Person.id == LeaderRequest.person_id)
        .where(
            LeaderRequest.cohort_id == cohort_id,
            Person.is_active.is_(True),
            LeaderRequest.person_id.not_in(ever),
            LeaderRequest.person_id.not_in(listed),
        )
        .order_by(LeaderRequest.created_at, LeaderRequest.id)
    )
    return list(db.session.execute(query).scalars())


def waiting_leader_ids(cohort_id: int) -> list[int]:
    """Leaders waiting on the cohort's waitlist who still have a request in it."""
    query = (
        select(WaitlistEntry.person_id)
        .join(LeaderRequest, (LeaderRequest.person_id == WaitlistEntry.person_id))
        .where(
            WaitlistEntry.cohort_id == cohort_id,
            LeaderRequest.cohort_id == cohort_id,
            WaitlistEntry.status == WaitlistStatus.WAITING,
        )
        .order_by(WaitlistEntry.added_at, WaitlistEntry.id)
    )
    return list(db.session.execute(query).scalars())


def _place(
    manager: Person | None,
    cohort_id: int,
    wanted: dict[int, int],
    change: Change,
    message: str,
    now: datetime | None,
    keep_empty: bool = True,
) -> MatchRun | None:
    def build() -> tuple[list[RunPair], list[dict[str, Any]], dict[str, Any]]:
        problem, solution = _solve_placement(_published_cohort(cohort_id), wanted)
        placing = [x for x in problem.leaders if wanted.get(int(x.id), 0) > 0]
        if not placing or solution is None:
            raise Conflict("Nobody is waiting to be placed.")
        unmatched = [
            {"leader_id": int(u.leader), "reason": u.reason, "unfilled": u.unfilled}
            for u in solution.unmatched
            if wanted.get(int(u.leader), 0) > 0
        ]
        stats = {
            "leaders": len(placing),
            "mentors": len(problem.mentors),
            "forbidden": len(problem.forbidden),
            "pinned": len(problem.pinned),
        }
        # Pinned pairs are existing ones, in the problem only so the department cap counts them.
        return [_run_pair(p) for p in solution.pairs if not p.pinned], unmatched, stats

    info = {"change": change.value, "repair_of": [], "placing": sorted(wanted)}
    return _store(cohort_id, manager, info, message, build, now, keep_empty)


def propose_late_joiners(
    manager: Person | None, cohort_id: int, now: datetime | None = None, keep_empty: bool = True
) -> MatchRun | None:
    """Match the late joiners against the mentors' spare capacity; everyone else's pairs stay."""
    _published_cohort(cohort_id)
    wanted = {r.person_id: max(1, r.mentors_wanted or 1) for r in late_joiners(cohort_id)}
    if not wanted:
        raise Conflict("No leader has joined this cohort since it was published.")
    message = f"Place {len(wanted)} late joiner(s) with mentors who have room; every other pair stays."
    return _place(manager, cohort_id, wanted, Change.LATE, message, now, keep_empty)


def offer_late_joiners(cohort_id: int) -> MatchRun | None:
    """The job after a leader asks to join a running cohort: propose their placement for the manager's review.

    Nothing is proposed while another change awaits review, or when nobody can be placed (the leader stays
    on the Changes page's late joiners, for the manager).
    """
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or cohort.status != "published" or _pending_change(cohort_id) or not late_joiners(cohort_id):
        return None
    try:
        return propose_late_joiners(None, cohort_id, keep_empty=False)
    except ServiceError as exc:
        current_app.logger.info("No late joiner placed in cohort %s: %s", cohort_id, exc)
        return None


def _waitlist_wanted(cohort_id: int) -> dict[int, int]:
    ids = waiting_leader_ids(cohort_id)
    if not ids:
        return {}
    counts = _active_counts(cohort_id)
    asked = dict(
        db.session.execute(
            select(LeaderRequest.person_id, LeaderRequest.mentors_wanted).where(
                LeaderRequest.cohort_id == cohort_id, LeaderRequest.person_id.in_(ids)
            )
        ).all()
    )
    wanted = {pid: max(1, asked.get(pid) or 1) - counts.get(pid, 0) for pid in ids}
    return {pid: n for pid, n in wanted.items() if n > 0}


def propose_waitlist_offers(
    manager: Person | None, cohort_id: int, now: datetime | None = None, keep_empty: bool = True
) -> MatchRun | None:
    """Offer mentors with room to the leaders on the waitlist, as a change the manager approves."""
    _published_cohort(cohort_id)
    wanted = _waitlist_wanted(cohort_id)
    if not wanted:
        raise Conflict("Nobody is waiting on this cohort's waitlist.")
    message = f"Offer a mentor to {len(wanted)} leader(s) on the waitlist; every other pair stays."
    return _place(manager, cohort_id, wanted, Change.WAITLIST, message, now, keep_empty)


def _pending_change(cohort_id: int) -> bool:
    latest = db.session.execute(
        select(MatchRun).where(MatchRun.cohort_id == cohort_id).order_by(MatchRun.id.desc()).limit(1)
    ).scalar_one_or_none()
    return (
        latest is not None
        and latest.status in matching_runs.SUCCESSFUL
        and not (latest.stats or {}).get("published_at")
    )


def proposed_for(cohort_id: int, leader_id: int) -> bool:
    """Whether the cohort's change awaiting review proposes a mentor for this leader."""
    latest = db.session.execute(
        select(MatchRun).where(MatchRun.cohort_id == cohort_id).order_by(MatchRun.id.desc()).limit(1)
    ).scalar_one_or_none()
    if latest is None or latest.kind != "repair" or not _pending_change(cohort_id):
        return False
    query = select(RunPair.id).where(RunPair.run_id == latest.id, RunPair.leader_id == leader_id).limit(1)
    return db.session.execute(query).first() is not None


def offer_when_room(cohort_id: int) -> MatchRun | None:
    """When capacity appears: propose offers to the waitlist, unless nobody waits or a change awaits review.

    Kept only when it pairs someone; the manager approves it by publishing it on the review page.
    """
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or cohort.status != "published" or _pending_change(cohort_id):
        return None
    if not _waitlist_wanted(cohort_id):
        return None
    try:
        # Nobody placed: no proposal to review, so nothing is stored.
        return propose_waitlist_offers(None, cohort_id, keep_empty=False)
    except ServiceError as exc:
        current_app.logger.info("No waitlist offer for cohort %s: %s", cohort_id, exc)
        return None


def offer_for_mentor(person: Person) -> list[MatchRun]:
    """After a mentor raised their capacity: waitlist offers in the published cohorts they mentor in."""
    from mentoring.models import MentorEnrolment

    query = (
        select(Cohort.id)
        .join(MentorEnrolment, MentorEnrolment.cohort_id == Cohort.id)
        .where(MentorEnrolment.person_id == person.id, Cohort.status == "published")
        .order_by(Cohort.id)
    )
    offers = [offer_when_room(cohort_id) for cohort_id in db.session.execute(query).scalars()]
    return [run for run in offers if run is not None]
