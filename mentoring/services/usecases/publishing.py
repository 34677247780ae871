"""Publishing a cohort's pairs (all-or-nothing, idempotent) and publishing a re-pair as a change."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import insert, literal, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import defer

from mentoring.database import locked, utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, Match, MatchRun, MentorProfile, Person, RunPair
from mentoring.services import Conflict
from mentoring.services.infra import audit, mail
from mentoring.services.readmodels.mentor_loads import running_loads
from mentoring.services.readmodels.run_review import SUCCESSFUL, is_published, latest_run
from mentoring.services.usecases import health_summary, matching_runs, pair_changes, waitlist
from mentoring.services.usecases.cohorts import get_cohort
from mentoring.services.usecases.meetings import site_link

ASKED = ", as one of you asked."


@dataclass(frozen=True)
class PublishResult:
    """What a publish did: pairs created and ended, emails queued, or nothing if it was done before."""

    created: int = 0
    ended: int = 0
    emails: int = 0
    already: bool = False


def publish(
    manager: Person | None, cohort_id: int, run_id: int | None = None, now: datetime | None = None, deliver: bool = True
) -> PublishResult:
    """Publish the cohort's latest run: every pair becomes a Match and everyone hears by email, or nothing does.

    `deliver=False` leaves the queued emails for the next delivery (a batch such as the demo loader).
    """
    now = now or utcnow()
    cohort = get_cohort(cohort_id)
    if cohort.status in ("open", "closed"):
        raise Conflict(
            "Run the matching first: there is nothing to publish yet."
            if cohort.status == "open"
            else "This cohort is closed: nothing more is published in it."
        )
    run = latest_run(cohort.id)
    if run is None:
        raise Conflict("Run the matching first: there is nothing to publish yet.")
    if run_id is not None and run.id != run_id:
        raise Conflict("A newer matching run exists. Review it before publishing.")
    if is_published(run) or (cohort.status == "published" and run.kind == "full"):
        return PublishResult(already=True)
    if run.status not in SUCCESSFUL:
        raise Conflict("The latest run found no pairs to publish. Fix what it reports and run the matching again.")
    if matching_runs.run_in_progress(cohort, now):
        raise Conflict("A matching run is in progress for this cohort. Publish when it has finished.")
    kind = run.kind
    try:
        result = (
            _publish_change(manager, cohort, run, now)
            if run.kind == "repair"
            else _publish_all(manager, cohort, run, now)
        )
    except DBAPIError as exc:
        # A database refusal part-way (a pair or person gone, a constraint): the rollback undoes every pair.
        db.session.rollback()
        current_app.logger.warning("Publishing cohort %s failed and was rolled back: %s", cohort_id, exc.orig)
        raise Conflict("Publishing failed, so nothing was published. Run the matching again, then publish.") from exc
    except Exception:
        db.session.rollback()
        raise
    if result.emails and deliver:
        mail.deliver_soon()
    if kind == "repair" and result.ended:
        pair_changes.offer_when_room(cohort_id)  # a pair ended: its mentor may have room for the waitlist
    return result


def _lock_run(run_id: int) -> MatchRun:
    """The run, locked for this transaction (serialises two simultaneous publishes)."""
    # The mentors' loads (one entry per mentor) are not needed here: not decoded again.
    query = select(MatchRun).where(MatchRun.id == run_id).options(defer(MatchRun.mentor_loads))
    return db.session.execute(locked(query).execution_options(populate_existing=True)).scalar_one()


@dataclass(frozen=True)
class _Pair:
    """A proposed pair of the run, as plain columns (its score and reasons stay in the database)."""

    leader_id: int
    mentor_id: int
    pinned: bool


def _run_pairs(run_id: int) -> list[_Pair]:
    query = (
        select(RunPair.leader_id, RunPair.mentor_id, RunPair.pinned)
        .where(RunPair.run_id == run_id)
        .order_by(RunPair.leader_id, RunPair.mentor_id)
    )
    return [_Pair(*row) for row in db.session.execute(query)]


@dataclass(frozen=True)
class _Contact:
    """What an email about pairs needs of a person."""

    id: int
    name: str
    email: str
    is_active: bool


def _contacts(run_id: int, others: Iterable[int] = ()) -> dict[int, _Contact]:
    """id -> name, email and whether enabled, for everyone in the run's pairs and these others."""
    columns = select(Person.id, Person.name, Person.email, Person.is_active)
    in_run = or_(
        Person.id.in_(select(RunPair.leader_id).where(RunPair.run_id == run_id)),
        Person.id.in_(select(RunPair.mentor_id).where(RunPair.run_id == run_id)),
    )
    found = {row[0]: _Contact(*row) for row in db.session.execute(columns.where(in_run))}
    wanted = sorted({i for i in others if i and i not in found})
    for start in range(0, len(wanted), 1_000):
        query = columns.where(Person.id.in_(wanted[start : start + 1_000]))
        found.update((row[0], _Contact(*row)) for row in db.session.execute(query))
    return found


def _refuse_disabled(pairs: list[_Pair], people: dict[int, _Contact]) -> None:
    ids = {p.leader_id for p in pairs} | {p.mentor_id for p in pairs}
    for person_id in sorted(ids):
        person = people.get(person_id)
        if person is not None and not person.is_active:
            raise Conflict(f"{person.name}'s account is disabled. Run the matching again before publishing.")


def _refuse_over_capacity(cohort_id: int, run_id: int, pairs: list[_Pair], people: dict[int, _Contact]) -> None:
    """Refuse a run made stale by places used since: a pair published in another cohort, a lower capacity."""
    new = Counter(p.mentor_id for p in pairs)
    if not new:
        return
    # The mentors' profile rows stay locked until this publish commits, so two cohorts published at the same
    # moment (PostgreSQL) cannot both spend a mentor's last place; SQLite's writers are one at a time anyway.
    in_run = select(RunPair.mentor_id).where(RunPair.run_id == run_id)  # not a list of thousands of ids
    query = select(MentorProfile.person_id, MentorProfile.capacity).where(MentorProfile.person_id.in_(in_run))
    capacity = dict(db.session.execute(locked(query.order_by(MentorProfile.person_id))).all())
    elsewhere = running_loads(new, except_cohort=cohort_id)
    for mentor_id, count in sorted(new.items()):
        if elsewhere.get(mentor_id, 0) + count > capacity.get(mentor_id, 0):
            name = people[mentor_id].name if mentor_id in people else "a mentor"
            raise Conflict(
                f"Since this run, {name} has fewer places (a pair published in another "
                "cohort, or a lower capacity). Run the matching again, then publish."
            )


def _new_matches(cohort_id: int, run_id: int, now: datetime) -> None:
    """The run's pairs not yet in the cohort become active Matches, copied inside the database (INSERT ... SELECT)."""
    already = (
        select(Match.id)
        .where(Match.cohort_id == cohort_id, Match.leader_id == RunPair.leader_id, Match.mentor_id == RunPair.mentor_id)
        .exists()
    )
    table = Match.__table__
    pairs = select(
        literal(cohort_id, table.c.cohort_id.type),
        RunPair.leader_id,
        RunPair.mentor_id,
        literal(run_id, table.c.run_id.type),
        RunPair.score,
        RunPair.reasons,
        literal("active", table.c.status.type),
        literal(now, table.c.published_at.type),
    ).where(RunPair.run_id == run_id, ~already)
    columns = ["cohort_id", "leader_id", "mentor_id", "run_id", "score", "reasons", "status", "published_at"]
    db.session.execute(insert(table).from_select(columns, pairs, include_defaults=False))


def _unmatched_ids(run: MatchRun) -> list[int]:
    return [int(u["leader_id"]) for u in run.unmatched or [] if u.get("leader_id")]


def _publish_all(manager: Person | None, cohort: Cohort, run: MatchRun, now: datetime) -> PublishResult:
    cohort_id, run_id = cohort.id, run.id
    # One atomic status change first: it also makes a second, simultaneous publish wait and then do nothing.
    changed = db.session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id, Cohort.status == "matched")
        .values(status="published", published_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        return PublishResult(already=True)
    run = _lock_run(run_id)
    pairs = _run_pairs(run.id)
    unmatched = _unmatched_ids(run)
    people = _contacts(run.id, unmatched)
    _refuse_disabled(pairs, people)
    _refuse_over_capacity(cohort_id, run.id, pairs, people)
    existing = set(
        db.session.execute(select(Match.leader_id, Match.mentor_id).where(Match.cohort_id == cohort_id)).all()
    )
    created = [p for p in pairs if (p.leader_id, p.mentor_id) not in existing]
    _new_matches(cohort_id, run.id, now)
    waitlisted = waitlist.record_publish(cohort_id, run, [], now)
    emails = _announce(cohort, pairs, unmatched, f"published:{cohort_id}", people, waitlisted=waitlisted)
    run.stats = {**(run.stats or {}), "published_at": now.isoformat()}
    audit.record(
        "cohort.published",
        actor=manager,
        object_type="cohort",
        object_id=cohort_id,
        detail=f"run {run.id}: {len(created)} pairs, {emails} emails",
    )
    db.session.commit()
    # The pairs were written in bulk (no ORM flush to watch): tell the health summaries.
    health_summary.cohorts_changed([cohort_id])
    return PublishResult(created=len(created), emails=emails)


def _publish_change(manager: Person | None, cohort: Cohort, run: MatchRun, now: datetime) -> PublishResult:
    cohort_id = cohort.id
    run = _lock_run(run.id)
    if is_published(run):
        db.session.rollback()
        return PublishResult(already=True)
    flagged_ids = set((run.stats or {}).get("repair_of") or [])
    query = select(Match.id, Match.leader_id, Match.mentor_id, Match.status).where(Match.cohort_id == cohort_id)
    matches = list(db.session.execute(query))
    by_pair = {(m.leader_id, m.mentor_id): m for m in matches}
    flagged = [m for m in matches if m.id in flagged_ids]
    pairs = _run_pairs(run.id)
    kept_changed = any(
        p.pinned and getattr(by_pair.get((p.leader_id, p.mentor_id)), "status", None) != "active" for p in pairs
    )
    if len(flagged) != len(flagged_ids) or any(m.status != "active" for m in flagged) or kept_changed:
        raise Conflict("The pairs of this cohort changed since this re-pair ran. Run the re-pair again.")
    stats = run.stats or {}
    affected = {m.leader_id for m in flagged} | {m.mentor_id for m in flagged} | set(stats.get("placing") or [])
    unmatched = [leader_id for leader_id in _unmatched_ids(run) if leader_id in affected]
    new_pairs = [p for p in pairs if (p.leader_id, p.mentor_id) not in by_pair]
    ended = [(m.leader_id, m.mentor_id) for m in flagged]
    people = _contacts(run.id, list(affected) + unmatched)
    _refuse_disabled(pairs, people)
    db.session.execute(
        update(Match)
        .where(Match.id.in_([m.id for m in flagged]))
        .values(status="ended", ended_at=now)
        .execution_options(synchronize_session=False)
    )
    _new_matches(cohort_id, run.id, now)
    waitlisted = waitlist.record_publish(cohort_id, run, flagged, now)
    emails = _announce(
        cohort,
        new_pairs,
        unmatched,
        f"repaired:{run.id}",
        people,
        ended=ended,
        why=_ended_words(stats),
        waitlisted=waitlisted,
    )
    run.stats = {**(run.stats or {}), "published_at": now.isoformat()}
    audit.record(
        "cohort.repair_published",
        actor=manager,
        object_type="cohort",
        object_id=cohort_id,
        detail=f"run {run.id}: {len(flagged)} pairs ended, {len(new_pairs)} new, {emails} emails",
    )
    db.session.commit()
    health_summary.cohorts_changed([cohort_id])
    return PublishResult(created=len(new_pairs), ended=len(flagged), emails=emails)


def _ended_words(stats: dict) -> str:
    """What follows "Your pairing with X in Y has ended" for this kind of change."""
    change = stats.get("change")
    if change == "end":
        return f". The reason given: {stats.get('reason') or 'none'}."
    if change == "replace":
        return ": the programme manager chose a new mentor for the leader."
    return ASKED


def _announce(
    cohort: Cohort,
    pairs: list[_Pair],
    unmatched_ids: list[int],
    occasion: str,
    people: dict[int, _Contact],
    ended: list[tuple[int, int]] | None = None,
    why: str = ASKED,
    waitlisted: set[int] | None = None,
) -> int:
    """Queue one email per person about their new (and ended) pairs, in bulk; returns how many were queued."""
    mentors_of: dict[int, list[_Contact]] = defaultdict(list)
    leaders_of: dict[int, list[_Contact]] = defaultdict(list)
    ended_with: dict[int, list[_Contact]] = defaultdict(list)
    mentoring_ended: set[int] = set()
    told: set[int] = set()
    for pair in pairs:
        mentors_of[pair.leader_id].append(people[pair.mentor_id])
        leaders_of[pair.mentor_id].append(people[pair.leader_id])
        told.update((pair.leader_id, pair.mentor_id))
    for leader_id, mentor_id in ended or []:
        if leader_id in people and mentor_id in people:
            ended_with[leader_id].append(people[mentor_id])
            ended_with[mentor_id].append(people[leader_id])
            mentoring_ended.add(mentor_id)
            told.update((leader_id, mentor_id))
    told.update(leader_id for leader_id in [*unmatched_ids, *(waitlisted or ())] if leader_id in people)
    links = {endpoint: site_link(endpoint) for endpoint in ("leaders.my_mentor", "mentors.my_leaders")}
    messages = []
    for person_id in sorted(told):
        person = people[person_id]
        subject, body = _message(
            cohort,
            person,
            mentors_of[person_id],
            leaders_of[person_id],
            ended_with[person_id],
            as_mentor=person_id in mentoring_ended,
            repair=ended is not None,
            why=why,
            waitlisted=person_id in (waitlisted or ()),
            links=links,
        )
        messages.append(
            mail.Queued(f"{occasion}:{person_id}", "published", person.id, person.email, subject, body, cohort.id)
        )
    return mail.queue_many(messages)


def _names(people: list[_Contact]) -> str:
    names = [p.name for p in people]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _message(
    cohort: Cohort,
    person: _Contact,
    mentors: list[_Contact],
    leaders: list[_Contact],
    ended: list[_Contact],
    as_mentor: bool,
    repair: bool,
    why: str = ASKED,
    waitlisted: bool = False,
    links: dict[str, str] | None = None,
) -> tuple[str, str]:
    """Subject and plain-text body of one person's email about their pairs (`links`: endpoint -> link, made once)."""
    links = links or {endpoint: site_link(endpoint) for endpoint in ("leaders.my_mentor", "mentors.my_leaders")}
    lines = [f"Hello {person.name},", ""]
    if ended:
        lines.append(f"Your pairing with {_names(ended)} in {cohort.name} has ended{why}")
    if mentors:
        lines.append(
            f"Your mentor{'s are' if len(mentors) > 1 else ' is'} {_names(mentors)}. "
            'Sign in and open "My mentor" to see why you were paired and how to get in touch:\n'
            + links["leaders.my_mentor"]
        )
    if leaders:
        lines.append(
            f"You will mentor {_names(leaders)}. "
            'Sign in and open "My leaders" to see their goals and why you were paired:\n' + links["mentors.my_leaders"]
        )
    if as_mentor and not mentors and not leaders:
        lines.append("No new leader is planned for you for now.")
    elif not mentors and not leaders and not waitlisted:
        lines.append(
            "We could not find a mentor for you this time. A programme manager will be in touch."
            if why == ASKED
            else "No new mentor is planned for you in this cohort."
        )
    if waitlisted:
        lines.append("You are on the waitlist: you will be offered a mentor as soon as one has room.")
    lines += ["", f"Thank you for taking part in {cohort.name}."]
    topic = "Your pairing has changed" if repair else "Your pairing"
    return f"{topic} in {cohort.name}", "\n".join(lines) + "\n"
