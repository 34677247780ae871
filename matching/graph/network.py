"""The networkx session graph built from SESSIONS.json records, and the summary of one pair's sessions."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from typing import Any

import networkx as nx

from matching.graph.wire import (
    PairRecord,
    Person,
    SessionRecord,
    SessionsData,
    fold,
    natural_key,
    parse_sessions,
)

DIGITS = 3  # every float in the output is rounded to this many decimals


def build_graph(data: Mapping[str, Any] | SessionsData) -> nx.Graph:
    """The session graph: a node per person (role, department), an edge per pair carrying its sessions."""
    parsed = data if isinstance(data, SessionsData) else parse_sessions(data)
    graph = nx.Graph()
    for person in parsed.people:
        graph.add_node(person.id, role=person.role, department=person.department)
    for pair in parsed.pairs:
        graph.add_edge(
            pair.leader,
            pair.mentor,
            leader=pair.leader,
            mentor=pair.mentor,
            started=pair.started,
            goals=pair.goals,
            sessions=pair.sessions,
        )
    return graph


def graph_pairs(graph: nx.Graph) -> list[PairRecord]:
    """The pairs of a session graph as records, sorted by leader then mentor."""
    pairs = [
        PairRecord(
            leader=data["leader"],
            mentor=data["mentor"],
            started=data["started"],
            goals=tuple(data.get("goals", ())),
            sessions=tuple(data.get("sessions", ())),
        )
        for _, _, data in graph.edges(data=True)
    ]
    return sorted(pairs, key=lambda p: (natural_key(p.leader), natural_key(p.mentor)))


def graph_people(graph: nx.Graph) -> list[Person]:
    """The people of a session graph as records, in natural id order."""
    return [
        Person(
            id=str(n),
            role=graph.nodes[n]["role"],
            department=graph.nodes[n]["department"],
        )
        for n in sorted(graph.nodes, key=lambda n: natural_key(str(n)))
    ]


def sessions_until(pair: PairRecord, as_of: dt.date | None) -> tuple[SessionRecord, ...]:
    """The pair's sessions dated on or before as_of (all of them if as_of is None)."""
    if as_of is None:
        return pair.sessions
    return tuple(s for s in pair.sessions if s.date <= as_of)


def rounded(value: float | None) -> float | None:
    """The value rounded to DIGITS decimals, or None."""
    return None if value is None else round(value, DIGITS)


def mean_or_none(values: list[int]) -> float | None:
    """The rounded mean, or None for no values."""
    return rounded(statistics.fmean(values)) if values else None


def median_or_none(values: list[float]) -> float | None:
    """The rounded median, or None for no values."""
    # statistics.median takes the mean of the two middle values for an even count.
    return rounded(statistics.median(values)) if values else None


def pair_summary(pair: PairRecord, as_of: dt.date | None = None) -> dict[str, Any]:
    """Counts, minutes, ratings and response times of one pair's sessions dated on or before as_of."""
    sessions = sessions_until(pair, as_of)
    held = [s for s in sessions if s.held]
    responses = [h for h in (s.response_hours for s in sessions) if h is not None]
    covered = {fold(skill) for s in held for skill in s.skills}
    return {
        "held": len(held),
        "last_held": max((s.date for s in held), default=None),
        "minutes_held": sum(s.minutes or 0 for s in held),
        "cancelled_by_leader": sum(s.status == "cancelled-by-leader" for s in sessions),
        "cancelled_by_mentor": sum(s.status == "cancelled-by-mentor" for s in sessions),
        "missed": sum(s.status == "missed" for s in sessions),
        "mean_rating_by_leader": mean_or_none([s.rating_by_leader for s in held if s.rating_by_leader is not None]),
        "mean_rating_by_mentor": mean_or_none([s.rating_by_mentor for s in held if s.rating_by_mentor is not None]),
        "responses": responses,
        "goals_covered": [goal for goal in pair.goals if fold(goal) in covered],
    }
