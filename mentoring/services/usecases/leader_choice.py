"""Leader choice: a cohort where each leader picks a mentor from suggestions, and mentors accept or decline.

The manager starts it on an open cohort with a deadline: the cohort is published (pairs appear as mentors
accept) and every leader is told to choose. Suggestions come from the optimiser (services.translators.
choice_problem): the first is the leader's place in the optimum for everyone still choosing, the others use
only places to spare, so any pick keeps everyone else matchable. A pick holds the mentor's place until they
answer. At the deadline, whoever has no pair is matched by the optimum and the round closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

import matching
from mentoring.database import locked, utcnow
from mentoring.extensions import db
from mentoring.models import (
    ChoiceRound,
    Cohort,
    LeaderRequest,
    Match,
    MentorChoice,
    MentorProfile,
    Person,
    Suggestion,
)
from mentoring.models.choices import ChoiceStatus
from mentoring.services import Conflict, InvalidField, NotFound, unit_of_work
from mentoring.services.infra import audit, mail
from mentoring.services.translators import choice_problem
from mentoring.services.usecases.cohorts import get_cohort
from mentoring.services.usecases.meetings import site_link

STARTABLE = ("open", "matched")


class _Taken(Exception):
    """The picked mentor's place went to someone else between showing and picking."""


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh of the suggestions found: leaders still choosing, and those with no suggestion at all."""

    choosing: int
    without_suggestion: int


def round_of(cohort_id: int, lock: bool = False) -> ChoiceRound | None:
    """The cohort's leader-choice round, if it runs as "leaders choose"."""
    query = select(ChoiceRound).where(ChoiceRound.cohort_id == cohort_id)
    if lock:
        query = locked(query).execution_options(populate_existing=True)
    return db.session.execute(query).scalar_one_or_none()


def is_choosing(cohort_id: int) -> bool:
    """Whether leaders of this cohort are choosing their mentors right now."""
    found = round_of(cohort_id)
    return found is not None and found.closed_at is None


def start(manager: Person, cohort_id: int, deadline: datetime, now: datetime | None = None) -> RefreshResult:
    """Run an open cohort as "leaders choose" until `deadline`: publish it, suggest mentors, tell every leader."""
    now = now or utcnow()
    if deadline <= now:
        raise InvalidField("deadline", "Choose a deadline in the future.")
    with unit_of_work(Conflict("Leader choice was just started for this cohort by someone else.")):
        cohort = get_cohort(cohort_id, lock=True)
        if cohort.status not in STARTABLE or round_of(cohort.id) is not None:
            raise Conflict("Leader choice can only start on an open cohort that has not been published.")
        db.session.add(ChoiceRound(cohort_id=cohort.id, deadline=deadline, started_at=now, started_by_id=manager.id))
        cohort.status, cohort.published_at = "published", now
        db.session.flush()
        result = _suggest(cohort, now)
        _tell_leaders(cohort, deadline)
        audit.record(
            "choice.started",
            actor=manager,
            object_type="cohort",
            object_id=cohort.id,
            detail=f"deadline {deadline.isoformat(timespec='minutes')}, {result.choosing} leaders choosing",
        )
    return result


def refresh(cohort_id: int, now: datetime | None = None) -> RefreshResult:
    """Compute every choosing leader's suggestions again (after picks, declines or changed capacity)."""
    with unit_of_work():
        cohort = get_cohort(cohort_id, lock=True)
        current = round_of(cohort.id)
        if current is None or current.closed_at is not None:
            raise Conflict("This cohort is not choosing its mentors.")
        return _suggest(cohort, now or utcnow())


def _solve(problem: matching.Problem) -> matching.Solution | None:
    if not problem.leaders or not problem.mentors:
        return None
    return matching.solve(problem)


def _suggest(cohort: Cohort, now: datetime) -> RefreshResult:
    """Replace the choosing leaders' suggestions: first their place in the optimum, then alternatives by score."""
    leaders = choice_problem.choosing_leaders(cohort.id)
    room = choice_problem.mentor_room(cohort.id)
    db.session.execute(delete(Suggestion).where(Suggestion.cohort_id == cohort.id))
    cut, full = choice_problem.optimum(cohort, leaders, room)
    first_solution = _solve(cut)
    first = {int(p.leader): int(p.mentor) for p in first_solution.pairs} if first_solution else {}
    rows = [_suggestion(cohort.id, p, 0) for p in (first_solution.pairs if first_solution else ())]
    spare = choice_problem.spare_places(room, first)
    declined = choice_problem.declined_pairs(cohort.id)
    second = _solve(choice_problem.alternatives(full, leaders, spare, first, declined))
    ranked: dict[int, list[matching.Pair]] = {}
    for pair in second.pairs if second else ():
        ranked.setdefault(int(pair.leader), []).append(pair)
    for pairs in ranked.values():
        pairs.sort(key=lambda p: (-p.score, int(p.mentor)))
        rows += [_suggestion(cohort.id, p, rank) for rank, p in enumerate(pairs[: choice_problem.ALTERNATIVES], 1)]
    db.session.add_all(rows)
    current = round_of(cohort.id)
    if current is not None:
        current.suggested_at = now
    suggested = {row.leader_id for row in rows}
    return RefreshResult(choosing=len(leaders), without_suggestion=len(leaders - suggested))


def _reasons(pair: matching.Pair) -> list[dict[str, float | str]]:
    return [{"criterion": criterion, "points": float(points)} for criterion, points in pair.reasons]


def _suggestion(cohort_id: int, pair: matching.Pair, rank: int) -> Suggestion:
    return Suggestion(
        cohort_id=cohort_id,
        leader_id=int(pair.leader),
        mentor_id=int(pair.mentor),
        rank=rank,
        score=float(pair.score),
        reasons=_reasons(pair),
    )


def _tell_leaders(cohort: Cohort, deadline: datetime) -> None:
    people = db.session.execute(
        select(Person)
        .join(LeaderRequest, LeaderRequest.person_id == Person.id)
        .where(LeaderRequest.cohort_id == cohort.id, Person.is_active.is_(True))
        .order_by(Person.id)
    ).scalars()
    link = site_link("leaders.choose", cohort=cohort.id)
    for person in people:
        body = (
            f"Hello {person.name},\n\nIn {cohort.name} you choose your own mentor. We have suggested mentors who "
            f"fit your goals, with the reasons. Pick one by {deadline:%d %B %Y}; after that date we pair "
            f"everyone who has not chosen with the best mentor still free.\n\n{link}\n"
        )
        mail.queue(
            f"choice-open:{cohort.id}:{person.id}",
            "choice",
            person,
            f"Choose your mentor in {cohort.name}",
            body,
            cohort_id=cohort.id,
        )


def choose(leader: Person, cohort_id: int, mentor_id: int, now: datetime | None = None) -> MentorChoice:
    """The leader picks one of their suggested mentors; the mentor's place is held until they answer."""
    now = now or utcnow()
    try:
        return _choose(leader, cohort_id, mentor_id, now)
    except _Taken:
        refresh(cohort_id, now)
        raise Conflict(
            "Another leader has just taken that mentor's last place. Your suggestions are updated."
        ) from None


def _choose(leader: Person, cohort_id: int, mentor_id: int, now: datetime) -> MentorChoice:
    with unit_of_work(Conflict("You already picked a mentor a moment ago. Reload the page.")):
        current = round_of(cohort_id, lock=True)
        if current is None or current.closed_at is not None or now >= current.deadline:
            raise Conflict("Choosing a mentor is closed for this cohort.")
        if leader.id not in choice_problem.choosing_leaders(cohort_id):
            raise Conflict("You already have a mentor, or a pick waiting for an answer, in this cohort.")
        suggestion = db.session.execute(
            select(Suggestion).where(
                Suggestion.cohort_id == cohort_id, Suggestion.leader_id == leader.id, Suggestion.mentor_id == mentor_id
            )
        ).scalar_one_or_none()
        if suggestion is None:
            raise NotFound("That mentor is not among your suggestions.")
        db.session.execute(locked(select(MentorProfile.id).where(MentorProfile.person_id == mentor_id)))
        if not _still_free(cohort_id, leader.id, mentor_id, suggestion.rank):
            raise _Taken
        choice = MentorChoice(cohort_id=cohort_id, leader_id=leader.id, mentor_id=mentor_id, created_at=now)
        db.session.add(choice)
        db.session.flush()
        mentor = db.session.get(Person, mentor_id)
        cohort = get_cohort(cohort_id)
        mail.queue(
            f"choice-picked:{choice.id}",
            "choice",
            mentor,
            f"{leader.name} would like you as their mentor",
            f"Hello {mentor.name},\n\n{leader.name} chose you as their mentor in {cohort.name}. Accept or decline "
            f"on your page:\n\n{site_link('mentors.my_leaders')}\n",
            cohort_id=cohort_id,
        )
    return choice


def _still_free(cohort_id: int, leader_id: int, mentor_id: int, rank: int) -> bool:
    """Whether the mentor has a place for this leader without taking one the optimum keeps for another."""
    room = choice_problem.mentor_room(cohort_id).get(mentor_id, 0)
    if rank == 0:
        return room >= 1
    kept_for_others = db.session.execute(
        select(Suggestion.leader_id).where(
            Suggestion.cohort_id == cohort_id,
            Suggestion.mentor_id == mentor_id,
            Suggestion.rank == 0,
            Suggestion.leader_id != leader_id,
        )
    ).scalars()
    choosing = choice_problem.choosing_leaders(cohort_id)
    return room - sum(1 for other in kept_for_others if other in choosing) >= 1


def choice_of_mentor(mentor: Person, choice_id: int, lock: bool = False) -> MentorChoice:
    """A pick addressed to this mentor, or NotFound."""
    query = select(MentorChoice).where(MentorChoice.id == choice_id, MentorChoice.mentor_id == mentor.id)
    if lock:
        query = locked(query).execution_options(populate_existing=True)
    choice = db.session.execute(query).scalar_one_or_none()
    if choice is None:
        raise NotFound("There is no such request.")
    return choice


def answer(mentor: Person, choice_id: int, accept: bool, now: datetime | None = None) -> MentorChoice:
    """The mentor accepts (the pair starts) or declines (the leader chooses again) a leader's pick."""
    now = now or utcnow()
    with unit_of_work(Conflict("This request was answered a moment ago. Reload the page.")):
        choice = choice_of_mentor(mentor, choice_id, lock=True)
        if choice.status != ChoiceStatus.PENDING:
            raise Conflict("This request has already been answered.")
        current = round_of(choice.cohort_id)
        if current is None or current.closed_at is not None:
            raise Conflict("Choosing closed for this cohort; the programme managers paired everyone.")
        choice.status = ChoiceStatus.ACCEPTED if accept else ChoiceStatus.DECLINED
        choice.answered_at = now
        cohort = get_cohort(choice.cohort_id)
        leader = choice.leader
        if accept:
            suggestion = db.session.execute(
                select(Suggestion).where(
                    Suggestion.cohort_id == cohort.id,
                    Suggestion.leader_id == leader.id,
                    Suggestion.mentor_id == mentor.id,
                )
            ).scalar_one_or_none()
            db.session.add(
                Match(
                    cohort_id=cohort.id,
                    leader_id=leader.id,
                    mentor_id=mentor.id,
                    score=suggestion.score if suggestion else 0.0,
                    reasons=list(suggestion.reasons) if suggestion else [],
                    status="active",
                    published_at=now,
                )
            )
            subject = f"{mentor.name} is your mentor"
            text = f'{mentor.name} accepted. Open "My mentor" to see why you fit and how to get in touch.'
            link = site_link("leaders.my_mentor")
        else:
            subject = f"{mentor.name} cannot take you on"
            text = f"{mentor.name} cannot mentor you this time. Choose another of your suggested mentors."
            link = site_link("leaders.choose", cohort=cohort.id)
        mail.queue(
            f"choice-answered:{choice.id}",
            "choice",
            leader,
            subject,
            f"Hello {leader.name},\n\n{text}\n\n{link}\n",
            cohort_id=cohort.id,
        )
        db.session.flush()
        if not accept:
            _suggest(cohort, now)  # the place freed and the declined pair change the suggestions
    return choice


def fall_back(actor: Person | None, cohort_id: int, now: datetime | None = None) -> int:
    """Close the choosing: waiting picks lapse and everyone without a pair gets the optimum; returns pairs made."""
    now = now or utcnow()
    with unit_of_work(Conflict("Choosing is being closed by someone else right now.")):
        current = round_of(cohort_id, lock=True)
        if current is None or current.closed_at is not None:
            raise Conflict("Choosing is already closed for this cohort.")
        cohort = get_cohort(cohort_id)
        waiting = db.session.execute(
            select(MentorChoice).where(MentorChoice.cohort_id == cohort_id, MentorChoice.status == ChoiceStatus.PENDING)
        ).scalars()
        for choice in waiting:
            choice.status, choice.answered_at = ChoiceStatus.WITHDRAWN, now
        db.session.flush()
        leaders = choice_problem.choosing_leaders(cohort_id)
        cut, _ = choice_problem.optimum(cohort, leaders, choice_problem.mentor_room(cohort_id))
        solution = _solve(cut)
        pairs = list(solution.pairs) if solution else []
        people = {
            p.id: p
            for p in db.session.execute(
                select(Person).where(
                    Person.id.in_(sorted({int(x.leader) for x in pairs} | {int(x.mentor) for x in pairs}))
                )
            ).scalars()
        }
        db.session.add_all(
            Match(
                cohort_id=cohort_id,
                leader_id=int(p.leader),
                mentor_id=int(p.mentor),
                score=float(p.score),
                reasons=_reasons(p),
                status="active",
                published_at=now,
            )
            for p in pairs
        )
        for pair in pairs:
            leader, mentor = people[int(pair.leader)], people[int(pair.mentor)]
            mail.queue(
                f"choice-fallback:{cohort_id}:{leader.id}",
                "choice",
                leader,
                f"Your mentor in {cohort.name}",
                f"Hello {leader.name},\n\nChoosing has closed, so we paired you with {mentor.name}, the best "
                f"fit still free.\n\n{site_link('leaders.my_mentor')}\n",
                cohort_id=cohort_id,
            )
            mail.queue(
                f"choice-fallback:{cohort_id}:{leader.id}:{mentor.id}",
                "choice",
                mentor,
                f"A new leader in {cohort.name}",
                f"Hello {mentor.name},\n\nYou will mentor {leader.name}.\n\n{site_link('mentors.my_leaders')}\n",
                cohort_id=cohort_id,
            )
        current.closed_at = now
        db.session.execute(delete(Suggestion).where(Suggestion.cohort_id == cohort_id))
        audit.record(
            "choice.closed",
            actor=actor,
            object_type="cohort",
            object_id=cohort_id,
            detail=f"{len(pairs)} pairs by the optimum, {len(leaders) - len(pairs)} without a mentor",
        )
    return len(pairs)


def due_rounds(now: datetime | None = None) -> list[int]:
    """Cohorts whose choosing deadline has passed and that are not closed yet."""
    now = now or utcnow()
    query = select(ChoiceRound.cohort_id).where(ChoiceRound.closed_at.is_(None), ChoiceRound.deadline <= now)
    return sorted(db.session.execute(query).scalars())
