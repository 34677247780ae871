"""The session graph's metrics: how a programme is going, computed over typed records, linear in pairs + sessions.

Input format, metric definitions and edge cases are documented in docs/graph.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import networkx as nx

from matching.errors import InputError
from matching.graph.network import (
    build_graph,
    graph_pairs,
    graph_people,
    median_or_none,
    pair_summary,
    rounded,
)
from matching.graph.records import PairRecord, Person, SessionsData
from matching.graph.wire import fold, parse_sessions, skill_key, sorted_natural

RISK_CANCELLATIONS = 2  # this many cancellations by one side make a pair at risk
RISK_MISSED = 2  # this many missed sessions make a pair at risk
RISK_RATING = 3  # a mean rating below this makes a pair at risk


def _share(part: int, whole: int) -> float:
    return rounded(part / whole) if whole else 0.0


def _check_settings(as_of: Any, stall_days: Any, min_sessions: Any) -> dt.date:
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    if not isinstance(as_of, dt.date):
        raise InputError("as_of", f"must be a date, not {type(as_of).__name__}.", joiner=" ")
    for name, value in (("stall_days", stall_days), ("min_sessions", min_sessions)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(f"{name}", f"must be a whole number, 0 or more, not {value!r}.", joiner=" ")
    return as_of


def _risk_reasons(row: Mapping[str, Any], stall_days: int) -> list[str]:
    reasons = []
    since = "the last held session" if row["last_held"] else "the pair started with no session held yet"
    if not row["stalled"] and row["days_since"] * 2 > stall_days:
        reasons.append(f"{row['days_since']} days since {since}: more than half of the {stall_days}-day stall limit.")
    for side in ("leader", "mentor"):
        count = row[f"cancelled_by_{side}"]
        if count >= RISK_CANCELLATIONS:
            reasons.append(f"The {side} cancelled {count} sessions.")
    if row["missed"] >= RISK_MISSED:
        reasons.append(f"{row['missed']} sessions were missed.")
    for side in ("leader", "mentor"):
        mean = row[f"mean_rating_by_{side}"]
        if mean is not None and mean < RISK_RATING:
            reasons.append(f"The {side}'s mean rating is {mean:g}, below {RISK_RATING}.")
    return reasons


def _pair_row(pair: PairRecord, summary: Mapping[str, Any], as_of: dt.date, stall_days: int) -> dict[str, Any]:
    last_held = summary["last_held"]
    # A pair that starts after as_of has had no time to stall: days_since is floored at 0.
    days_since = max(0, (as_of - (last_held or pair.started)).days)
    row: dict[str, Any] = {
        "leader": pair.leader,
        "mentor": pair.mentor,
        "started": pair.started.isoformat(),
        "held": summary["held"],
        "last_held": last_held.isoformat() if last_held else None,
        "days_since": days_since,
        "stalled": days_since > stall_days,
        "cancelled_by_leader": summary["cancelled_by_leader"],
        "cancelled_by_mentor": summary["cancelled_by_mentor"],
        "missed": summary["missed"],
        "minutes_held": summary["minutes_held"],
        "mean_rating_by_leader": summary["mean_rating_by_leader"],
        "mean_rating_by_mentor": summary["mean_rating_by_mentor"],
        "median_response_hours": median_or_none(summary["responses"]),
        "responses": len(summary["responses"]),
        "goals": list(pair.goals),
        "goals_covered": summary["goals_covered"],
    }
    row["risk_reasons"] = _risk_reasons(row, stall_days)
    # Stalled pairs are their own category, so active, at-risk and stalled pairs add up to all pairs.
    row["at_risk"] = not row["stalled"] and bool(row["risk_reasons"])
    return row


def _mentor_rows(
    people: list[Person],
    pairs: list[PairRecord],
    held_by: Mapping[tuple[str, str], int],
) -> list[dict]:
    department = {p.id: p.department for p in people}
    by_mentor: dict[str, list[PairRecord]] = defaultdict(list)
    for pair in pairs:
        by_mentor[pair.mentor].append(pair)
    rows = []
    for mentor in (p for p in people if p.role == "mentor"):
        mine = by_mentor.get(mentor.id, [])
        leaders = {pair.leader for pair in mine if held_by[pair.leader, pair.mentor]}
        rows.append(
            {
                "mentor": mentor.id,
                "department": mentor.department,
                "pairs": len(mine),
                "held": sum(held_by[p.leader, p.mentor] for p in mine),
                "leaders_reached": len(leaders),
                "departments_reached": len({department[leader] for leader in leaders}),
            }
        )
    return rows


def _bridges(held_graph: nx.Graph, department: Mapping[str, str]) -> set[frozenset[str]]:
    return {frozenset((department[a], department[b])) for a, b in held_graph.edges if department[a] != department[b]}


def _department_rows(people: list[Person], active: set[str], bridges: set[frozenset[str]]) -> list[dict]:
    members_of: dict[str, list[Person]] = defaultdict(list)
    for person in people:
        members_of[person.department].append(person)
    bridged: dict[str, set[str]] = defaultdict(set)
    for a, b in (tuple(bridge) for bridge in bridges):
        bridged[a].add(b)
        bridged[b].add(a)
    rows = []
    for name in sorted_natural(members_of):
        members = members_of[name]
        rows.append(
            {
                "department": name,
                "leaders": sum(p.role == "leader" for p in members),
                "mentors": sum(p.role == "mentor" for p in members),
                "active_leaders": sum(p.role == "leader" and p.id in active for p in members),
                "active_mentors": sum(p.role == "mentor" and p.id in active for p in members),
                "bridged_to": sorted_natural(bridged.get(name, set())),
            }
        )
    return rows


def _leader_rows(people: list[Person], rows: list[dict], responses: Mapping[str, list[float]], k: int) -> list[dict]:
    by_leader: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_leader[row["leader"]].append(row)
    out = []
    for leader in (p for p in people if p.role == "leader"):
        mine = by_leader.get(leader.id, [])
        held = sum(row["held"] for row in mine)
        hours = responses.get(leader.id, [])
        out.append(
            {
                "leader": leader.id,
                "department": leader.department,
                "pairs": len(mine),
                "held": held,
                "met_min_sessions": bool(mine) and held >= k,
                "responses": len(hours),
                "median_response_hours": median_or_none(hours),
                "max_response_hours": rounded(max(hours)) if hours else None,
            }
        )
    return out


def _skill_rows(pairs: list[PairRecord], rows: list[dict]) -> list[dict]:
    wanted: dict[str, int] = defaultdict(int)
    covered: dict[str, int] = defaultdict(int)
    spelling: dict[str, str] = {}  # folded skill -> the spelling that sorts first
    for pair, row in zip(pairs, rows, strict=True):
        done = {fold(goal) for goal in row["goals_covered"]}
        for goal in pair.goals:
            key = fold(goal)
            spelling[key] = min(spelling.get(key, goal), goal, key=skill_key)
            wanted[key] += 1
            covered[key] += key in done
    return [
        {
            "skill": spelling[key],
            "pairs": wanted[key],
            "covered": covered[key],
            "share": _share(covered[key], wanted[key]),
        }
        for key in sorted(wanted, key=lambda k: skill_key(spelling[k]))
    ]


def compute_metrics(graph: nx.Graph, as_of: dt.date, stall_days: int = 30, min_sessions: int = 3) -> dict[str, Any]:
    """Per-pair, per-mentor, per-department, per-leader and programme metrics of a session graph on as_of."""
    as_of = _check_settings(as_of, stall_days, min_sessions)
    people = graph_people(graph)
    pairs = graph_pairs(graph)
    department = {p.id: p.department for p in people}
    summaries = [pair_summary(pair, as_of) for pair in pairs]
    rows = [_pair_row(pair, summary, as_of, stall_days) for pair, summary in zip(pairs, summaries, strict=True)]
    held_by = {(r["leader"], r["mentor"]): r["held"] for r in rows}
    held_graph = nx.Graph((leader, mentor) for (leader, mentor), n in held_by.items() if n)
    bridges = _bridges(held_graph, department)
    responses: dict[str, list[float]] = defaultdict(list)
    for pair, summary in zip(pairs, summaries, strict=True):
        responses[pair.leader].extend(summary["responses"])
    leaders = _leader_rows(people, rows, responses, min_sessions)
    paired_leaders = [row for row in leaders if row["pairs"]]
    goal_items = sum(len(p.goals) for p in pairs)
    all_hours = [h for hours in responses.values() for h in hours]
    stalled = sum(r["stalled"] for r in rows)
    at_risk = sum(r["at_risk"] for r in rows)
    return {
        "pairs": rows,
        "mentors": _mentor_rows(people, pairs, held_by),
        "departments": _department_rows(people, set(held_graph.nodes), bridges),
        "leaders": leaders,
        "programme": {
            "as_of": as_of.isoformat(),
            "stall_days": stall_days,
            "min_sessions": min_sessions,
            "pairs": len(rows),
            "active": len(rows) - stalled - at_risk,
            "at_risk": at_risk,
            "stalled": stalled,
            "held": sum(r["held"] for r in rows),
            "minutes_held": sum(r["minutes_held"] for r in rows),
            "goal_coverage": _share(sum(len(r["goals_covered"]) for r in rows), goal_items),
            "goal_coverage_by_skill": _skill_rows(pairs, rows),
            "leaders_met_min_sessions": _share(sum(r["met_min_sessions"] for r in paired_leaders), len(paired_leaders)),
            "median_response_hours": median_or_none(all_hours),
            "bridges": len(bridges),
        },
    }


def session_metrics(data: SessionsData, as_of: dt.date, stall_days: int = 30, min_sessions: int = 3) -> dict[str, Any]:
    """The metrics of typed session records on as_of (the in-process entry point: no JSON, no re-validation)."""
    as_of = _check_settings(as_of, stall_days, min_sessions)
    return compute_metrics(build_graph(data), as_of, stall_days, min_sessions)


def metrics_from_json(
    data: Mapping[str, Any], as_of: dt.date, stall_days: int = 30, min_sessions: int = 3
) -> dict[str, Any]:
    """Validate a SESSIONS.json document and return its metrics on as_of; raise InputError if invalid."""
    as_of = _check_settings(as_of, stall_days, min_sessions)
    return compute_metrics(build_graph(parse_sessions(data)), as_of, stall_days, min_sessions)


def earlier_pairs(
    source: nx.Graph | Mapping[str, Any] | SessionsData, held_only: bool = False
) -> list[tuple[str, str]]:
    """The (leader, mentor) pairs of a session graph or document, sorted, as history for the next cohort."""
    graph = source if isinstance(source, nx.Graph) else build_graph(source)
    return [
        (pair.leader, pair.mentor) for pair in graph_pairs(graph) if not held_only or any(s.held for s in pair.sessions)
    ]
