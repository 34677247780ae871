"""The SESSIONS document of docs/graph.md built from the database: published pairs and their sessions.

People are graph nodes `L<id>` (as a leader) and `M<id>` (as a mentor); sessions carry ratings only,
never feedback text. `services.health` feeds the document to matching.graph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select, union

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
    """The library's SESSIONS.json input, the names behind its ids, and the match ids behind its pairs."""

    data: dict[str, Any]
    labels: dict[str, str]
    matches: dict[tuple[str, str], list[int]]
    match_rows: dict[int, PairRow] = field(default_factory=dict)


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


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _session_item(
    meeting: SessionRow, match: PairRow, status: str, keys: dict[int, str], given: dict[int, int]
) -> dict[str, Any]:
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
    return {
        "leader": leader_node(match.leader_id),
        "mentor": mentor_node(match.mentor_id),
        "date": meeting.starts_at.date().isoformat(),
        "status": status,
        "minutes": meeting.duration_minutes,
        "skills": [keys[i] for i in meeting.skills or [] if i in keys],
        "ratings": ratings,
        "proposed_at": _iso(meeting.proposed_at) if leader_answered else None,
        "answered_at": _iso(meeting.answered_at) if leader_answered else None,
    }


def build_sessions(cohort_ids: Iterable[int] | None = None, pair: tuple[int, int] | None = None) -> SessionsDocument:
    """The SESSIONS document of the active pairs of these cohorts (every published or closed cohort if None).

    `pair` (leader id, mentor id) keeps only that pair: what one pair's page needs, not the whole cohort.
    Six set-based queries of plain columns, whatever the number of pairs.
    """
    pairs_query = matches_query(cohort_ids, pair)
    matches = [
        PairRow(*row) for row in db.session.execute(pairs_query.order_by(Match.leader_id, Match.mentor_id, Match.id))
    ]
    people = _people(pairs_query)
    goals = _goal_keys(pairs_query)
    keys = dict(db.session.execute(select(Skill.id, Skill.key)).all())
    nodes: dict[str, dict[str, str]] = {}
    labels: dict[str, str] = {}
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    owners: dict[tuple[str, str], list[int]] = {}
    by_match: dict[int, PairRow] = {m.id: m for m in matches}
    for match in matches:
        for node, person_id, role in (
            (leader_node(match.leader_id), match.leader_id, "leader"),
            (mentor_node(match.mentor_id), match.mentor_id, "mentor"),
        ):
            name, department = people.get(person_id, ("", None))
            nodes.setdefault(node, {"id": node, "role": role, "department": _department(department)})
            labels[node] = name
        key = (leader_node(match.leader_id), mentor_node(match.mentor_id))
        started = match.published_at.date().isoformat()
        pair_goals = goals.get((match.cohort_id, match.leader_id), [])
        if key in pairs:  # the same two people paired again in a later cohort: one edge, merged
            pairs[key]["started"] = min(pairs[key]["started"], started)
            pairs[key]["goals"] = sorted(set(pairs[key]["goals"]) | set(pair_goals))
        else:
            pairs[key] = {"leader": key[0], "mentor": key[1], "started": started, "goals": list(pair_goals)}
        owners.setdefault(key, []).append(match.id)
    items = []
    if by_match:
        sessions, ratings = _sessions(pairs_query)
        for meeting in sessions:
            match = by_match[meeting.match_id]
            status = _session_status(meeting, match)
            if status is not None:
                items.append(_session_item(meeting, match, status, keys, ratings.get(meeting.id, {})))
    data = {
        "people": [nodes[n] for n in sorted(nodes, key=_node_order)],
        "pairs": [pairs[k] for k in sorted(pairs, key=lambda k: (_node_order(k[0]), _node_order(k[1])))],
        "sessions": items,
    }
    return SessionsDocument(data=data, labels=labels, matches=owners, match_rows=by_match)


def _node_order(node: str) -> tuple[str, int]:
    return node[0], int(node[1:])
