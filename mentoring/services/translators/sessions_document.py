"""The session graph's typed records (matching.graph) built from the database: published pairs and their sessions.

People are graph nodes `L<id>` (as a leader) and `M<id>` (as a mentor); sessions carry ratings only,
never feedback text. The records are built as the SESSIONS.json wire format would validate them (same
spellings and order), but directly from set-based queries: no JSON and no re-validation in between.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, and_, select, union

from matching import graph
from matching.fields import fold, natural_key
from matching.graph.wire import skill_key
from mentoring.extensions import db
from mentoring.models import Cohort, Feedback, Goal, LeaderRequest, Match, Meeting, Person, Skill

NO_DEPARTMENT = "No department"
HEALTH_COHORTS = ("published", "closed")
LOGGED = ("held", "cancelled", "missed")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def leader_node(person_id: int) -> str:
    """The graph id of a person as a leader (a person may lead in one pair and mentor in another)."""
    return f"L{person_id}"


def mentor_node(person_id: int) -> str:
    """The graph id of a person as a mentor."""
    return f"M{person_id}"


@dataclass(frozen=True)
class PairRow:
    """A published pair as the document needs it (plain columns, not an ORM object)."""

    id: int
    cohort_id: int
    leader_id: int
    mentor_id: int
    published_at: datetime


@dataclass(frozen=True)
class SessionRow:
    """A logged session as the document needs it."""

    id: int
    match_id: int
    starts_at: datetime
    duration_minutes: int
    skills: list[int]
    status: str
    proposed_at: datetime
    answered_at: datetime | None
    answered_by_id: int | None
    cancelled_by_id: int | None


@dataclass
class SessionsDocument:
    """The session graph's typed records, the names behind their ids, and the match ids behind their pairs."""

    records: graph.SessionsData
    labels: dict[str, str]
    matches: dict[tuple[str, str], list[int]]
    match_rows: dict[int, PairRow] = field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        """The same records as a SESSIONS.json document (for the command line or another process)."""
        return graph.write_sessions(self.records)


def _department(department: str | None) -> str:
    return " ".join(_UNPRINTABLE.sub(" ", department or "").split()) or NO_DEPARTMENT


def matches_query(cohort_ids: Iterable[int] | None, pair: tuple[int, int] | None = None) -> Select:
    """The active pairs of published or closed cohorts (of these cohorts, of this one pair), as columns."""
    query = (
        select(Match.id, Match.cohort_id, Match.leader_id, Match.mentor_id, Match.published_at)
        .join(Cohort, Match.cohort_id == Cohort.id)
        .where(Match.status == "active", Cohort.status.in_(HEALTH_COHORTS))
    )
    if cohort_ids is not None:
        query = query.where(Match.cohort_id.in_(list(cohort_ids)))
    if pair is not None:
        query = query.where(Match.leader_id == pair[0], Match.mentor_id == pair[1])
    return query


def _people(matches: Select) -> dict[int, tuple[str, str | None]]:
    """id -> (name, department) of everyone in these pairs."""
    pairs = matches.subquery()
    ids = union(select(pairs.c.leader_id), select(pairs.c.mentor_id)).subquery()
    query = select(Person.id, Person.name, Person.department).where(Person.id.in_(select(ids.c[0])))
    return {pid: (name, department) for pid, name, department in db.session.execute(query)}


def _goal_keys(matches: Select) -> dict[tuple[int, int], list[str]]:
    pairs = matches.subquery()
    query = (
        select(LeaderRequest.cohort_id, LeaderRequest.person_id, Skill.key)
        .join(Goal, Goal.request_id == LeaderRequest.id)
        .join(Skill, Goal.skill_id == Skill.id)
        .join(pairs, and_(pairs.c.leader_id == LeaderRequest.person_id, pairs.c.cohort_id == LeaderRequest.cohort_id))
        .distinct()
        .order_by(Skill.key)
    )
    goals: dict[tuple[int, int], list[str]] = {}
    for cohort_id, person_id, key in db.session.execute(query):
        goals.setdefault((cohort_id, person_id), []).append(key)
    return goals


def _sessions(matches: Select) -> tuple[list[SessionRow], dict[int, dict[int, int]]]:
    """The logged sessions of these pairs, by start, and meeting id -> author id -> rating of held ones."""
    match_ids = select(matches.subquery().c.id)
    query = (
        select(
            Meeting.id,
            Meeting.match_id,
            Meeting.starts_at,
            Meeting.duration_minutes,
            Meeting.skills,
            Meeting.status,
            Meeting.proposed_at,
            Meeting.answered_at,
            Meeting.answered_by_id,
            Meeting.cancelled_by_id,
        )
        .where(Meeting.match_id.in_(match_ids), Meeting.status.in_(LOGGED))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    sessions = [SessionRow(*row) for row in db.session.execute(query)]
    ratings: dict[int, dict[int, int]] = {}
    query = (
        select(Feedback.meeting_id, Feedback.author_id, Feedback.rating)
        .join(Meeting, Meeting.id == Feedback.meeting_id)
        .where(Meeting.match_id.in_(match_ids), Meeting.status == "held")
        .order_by(Feedback.id)
    )
    for meeting_id, author_id, rating in db.session.execute(query):
        ratings.setdefault(meeting_id, {})[author_id] = rating
    return sessions, ratings


def _session_status(meeting: SessionRow, match: PairRow) -> str | None:
    if meeting.status in ("held", "missed"):
        return meeting.status
    # Only an agreed (accepted) session that is then cancelled is a cancellation; a withdrawn proposal is not.
    if meeting.status == "cancelled" and meeting.answered_at is not None:
        if meeting.cancelled_by_id == match.leader_id:
            return "cancelled-by-leader"
        if meeting.cancelled_by_id == match.mentor_id:
            return "cancelled-by-mentor"
    return None


def _utc(moment: datetime) -> datetime:
    # What the wire format does with a timestamp: naive ones are UTC, aware ones are turned into UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _skill_names(names: Iterable[str]) -> tuple[str, ...]:
    """Skill names as the wire format keeps them: one spelling per folded name, in skill order."""
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(fold(name), " ".join(name.split()))
    return tuple(sorted(unique.values(), key=skill_key))


def _session_record(
    meeting: SessionRow, match: PairRow, status: str, keys: dict[int, str], given: dict[int, int]
) -> graph.SessionRecord:
    ratings: dict[str, int | None] = {"leader": None, "mentor": None}
    if status == "held":
        for author_id, rating in given.items():
            ratings["leader" if author_id == match.leader_id else "mentor"] = rating
    # The response time is the leader's: only an answer given by the leader is recorded.
    leader_answered = (
        meeting.answered_by_id == match.leader_id
        and meeting.answered_at is not None
        and meeting.answered_at >= meeting.proposed_at
    )
    return graph.SessionRecord(
        leader=leader_node(match.leader_id),
        mentor=mentor_node(match.mentor_id),
        date=meeting.starts_at.date(),
        status=status,
        minutes=meeting.duration_minutes,
        skills=_skill_names(keys[i] for i in meeting.skills or [] if i in keys),
        rating_by_leader=ratings["leader"],
        rating_by_mentor=ratings["mentor"],
        proposed_at=_utc(meeting.proposed_at) if leader_answered else None,
        answered_at=_utc(meeting.answered_at) if leader_answered and meeting.answered_at else None,
    )


def _people_records(matches: list[PairRow], people: dict[int, tuple[str, str | None]]) -> tuple[list, dict]:
    """The graph's people in id order (departments spelled as first met, like the wire format) and labels."""
    nodes: dict[str, tuple[str, int]] = {}
    for match in matches:
        nodes.setdefault(leader_node(match.leader_id), ("leader", match.leader_id))
        nodes.setdefault(mentor_node(match.mentor_id), ("mentor", match.mentor_id))
    spelling: dict[str, str] = {}
    records, labels = [], {}
    for node in sorted(nodes, key=natural_key):
        role, person_id = nodes[node]
        name, department = people.get(person_id, ("", None))
        written = _department(department)
        records.append(graph.Person(id=node, role=role, department=spelling.setdefault(fold(written), written)))
        labels[node] = name
    return records, labels


def build_sessions(cohort_ids: Iterable[int] | None = None, pair: tuple[int, int] | None = None) -> SessionsDocument:
    """The session-graph records of the active pairs of these cohorts (every published or closed cohort if None).

    `pair` (leader id, mentor id) keeps only that pair: what one pair's page needs, not the whole cohort.
    Six set-based queries of plain columns, whatever the number of pairs; no JSON in between.
    """
    pairs_query = matches_query(cohort_ids, pair)
    matches = [
        PairRow(*row) for row in db.session.execute(pairs_query.order_by(Match.leader_id, Match.mentor_id, Match.id))
    ]
    people = _people(pairs_query)
    goals = _goal_keys(pairs_query)
    keys = dict(db.session.execute(select(Skill.id, Skill.key)).all())
    persons, labels = _people_records(matches, people)
    started: dict[tuple[str, str], date] = {}
    wanted: dict[tuple[str, str], list[str]] = {}
    owners: dict[tuple[str, str], list[int]] = {}
    by_match: dict[int, PairRow] = {m.id: m for m in matches}
    for match in matches:
        key = (leader_node(match.leader_id), mentor_node(match.mentor_id))
        day = match.published_at.date()
        # The same two people paired again in a later cohort: one edge, merged.
        started[key] = min(started.get(key, day), day)
        wanted.setdefault(key, []).extend(goals.get((match.cohort_id, match.leader_id), []))
        owners.setdefault(key, []).append(match.id)
    sessions: dict[tuple[str, str], list[graph.SessionRecord]] = {}
    if by_match:
        rows, ratings = _sessions(pairs_query)
        for meeting in rows:
            match = by_match[meeting.match_id]
            status = _session_status(meeting, match)
            if status is not None:
                record = _session_record(meeting, match, status, keys, ratings.get(meeting.id, {}))
                sessions.setdefault((record.leader, record.mentor), []).append(record)
    pairs = tuple(
        graph.PairRecord(
            leader=key[0],
            mentor=key[1],
            started=started[key],
            goals=_skill_names(wanted[key]),
            # Sessions come by start; a stable sort by day keeps that order within a day.
            sessions=tuple(sorted(sessions.get(key, ()), key=lambda s: s.date)),
        )
        for key in sorted(started, key=lambda k: (natural_key(k[0]), natural_key(k[1])))
    )
    records = graph.SessionsData(people=tuple(persons), pairs=pairs)
    return SessionsDocument(records=records, labels=labels, matches=owners, match_rows=by_match)
