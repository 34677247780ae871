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

from sqlalchemy import select
from sqlalchemy.orm import selectinload

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


@dataclass
class SessionsDocument:
    """The library's SESSIONS.json input, the names behind its ids, and the match ids behind its pairs."""

    data: dict[str, Any]
    labels: dict[str, str]
    matches: dict[tuple[str, str], list[int]]
    match_rows: dict[int, Match] = field(default_factory=dict)


def _department(person: Person) -> str:
    return " ".join(_UNPRINTABLE.sub(" ", person.department or "").split()) or NO_DEPARTMENT


def _active_matches(cohort_ids: Iterable[int] | None) -> list[Match]:
    query = (
        select(Match)
        .join(Cohort, Match.cohort_id == Cohort.id)
        .where(Match.status == "active", Cohort.status.in_(HEALTH_COHORTS))
        .order_by(Match.leader_id, Match.mentor_id, Match.id)
        .options(selectinload(Match.leader), selectinload(Match.mentor))
    )
    if cohort_ids is not None:
        query = query.where(Match.cohort_id.in_(list(cohort_ids)))
    return list(db.session.execute(query).scalars())


def _goal_keys(matches: list[Match]) -> dict[tuple[int, int], list[str]]:
    wanted = {(m.cohort_id, m.leader_id) for m in matches}
    query = (
        select(LeaderRequest.cohort_id, LeaderRequest.person_id, Skill.key)
        .join(Goal, Goal.request_id == LeaderRequest.id)
        .join(Skill, Goal.skill_id == Skill.id)
        .where(LeaderRequest.person_id.in_({leader for _, leader in wanted}))
        .order_by(Skill.key)
    )
    goals: dict[tuple[int, int], list[str]] = {}
    for cohort_id, person_id, key in db.session.execute(query):
        if (cohort_id, person_id) in wanted:
            goals.setdefault((cohort_id, person_id), []).append(key)
    return goals


# The columns a session item needs, read as plain rows (no ORM objects: this runs on every dashboard view).
MEETING_COLUMNS = (
    Meeting.id,
    Meeting.match_id,
    Meeting.status,
    Meeting.starts_at,
    Meeting.duration_minutes,
    Meeting.skills,
    Meeting.proposed_at,
    Meeting.answered_at,
    Meeting.answered_by_id,
    Meeting.cancelled_by_id,
)


def _session_status(meeting: Any, match: Match) -> str | None:
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
    meeting: Any, match: Match, status: str, keys: dict[int, str], given: list[tuple[int, int]]
) -> dict[str, Any]:
    """One session of the document; `given` is the (author id, rating) of its feedback."""
    ratings: dict[str, int | None] = {"leader": None, "mentor": None}
    if status == "held":
        for author_id, rating in given:
            side = "leader" if author_id == match.leader_id else "mentor"
            ratings[side] = rating
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
        "skills": [keys[i] for i in meeting.skills if i in keys],
        "ratings": ratings,
        "proposed_at": _iso(meeting.proposed_at) if leader_answered else None,
        "answered_at": _iso(meeting.answered_at) if leader_answered else None,
    }


def build_sessions(cohort_ids: Iterable[int] | None = None) -> SessionsDocument:
    """The SESSIONS document of the active pairs of these cohorts (every published or closed cohort if None)."""
    matches = _active_matches(cohort_ids)
    goals = _goal_keys(matches)
    keys = dict(db.session.execute(select(Skill.id, Skill.key)).all())
    people: dict[str, dict[str, str]] = {}
    labels: dict[str, str] = {}
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    owners: dict[tuple[str, str], list[int]] = {}
    by_match: dict[int, Match] = {m.id: m for m in matches}
    for match in matches:
        for node, person, role in (
            (leader_node(match.leader_id), match.leader, "leader"),
            (mentor_node(match.mentor_id), match.mentor, "mentor"),
        ):
            people.setdefault(node, {"id": node, "role": role, "department": _department(person)})
            labels[node] = person.name
        key = (leader_node(match.leader_id), mentor_node(match.mentor_id))
        started = match.published_at.date().isoformat()
        pair_goals = goals.get((match.cohort_id, match.leader_id), [])
        if key in pairs:  # the same two people paired again in a later cohort: one edge, merged
            pairs[key]["started"] = min(pairs[key]["started"], started)
            pairs[key]["goals"] = sorted(set(pairs[key]["goals"]) | set(pair_goals))
        else:
            pairs[key] = {"leader": key[0], "mentor": key[1], "started": started, "goals": list(pair_goals)}
        owners.setdefault(key, []).append(match.id)
    sessions = []
    if by_match:
        logged = (Meeting.match_id.in_(list(by_match)), Meeting.status.in_(LOGGED))
        ratings: dict[int, list[tuple[int, int]]] = {}
        given = (
            select(Feedback.meeting_id, Feedback.author_id, Feedback.rating)
            .join(Meeting, Meeting.id == Feedback.meeting_id)
            .where(*logged)
            .order_by(Feedback.id)
        )
        for meeting_id, author_id, rating in db.session.execute(given):
            ratings.setdefault(meeting_id, []).append((author_id, rating))
        query = select(*MEETING_COLUMNS).where(*logged).order_by(Meeting.starts_at, Meeting.id)
        for meeting in db.session.execute(query):
            match = by_match[meeting.match_id]
            status = _session_status(meeting, match)
            if status is not None:
                sessions.append(_session_item(meeting, match, status, keys, ratings.get(meeting.id, [])))
    data = {
        "people": [people[n] for n in sorted(people, key=_node_order)],
        "pairs": [pairs[k] for k in sorted(pairs, key=lambda k: (_node_order(k[0]), _node_order(k[1])))],
        "sessions": sessions,
    }
    return SessionsDocument(data=data, labels=labels, matches=owners, match_rows=by_match)


def _node_order(node: str) -> tuple[str, int]:
    return node[0], int(node[1:])
