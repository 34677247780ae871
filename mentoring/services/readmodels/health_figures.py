"""A cohort's health figures computed from the database: the library's metrics on the session records,
with names, fit-check answers, a status word, sort orders, the attention list and the slowest leaders.

This is the whole-cohort computation: the health summary job runs it (services.usecases.health_summary),
a page never does. One pair's page computes that pair alone with the same row builder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from matching import graph as session_graph
from mentoring.extensions import db
from mentoring.models import Cohort, FitCheck, Match, Meeting, Skill
from mentoring.services.translators.sessions_document import SessionsDocument, build_sessions

MIN_SESSIONS = 3  # a leader "meets the minimum" with this many held sessions
GRAPH_MAX_NODES = 150  # a larger drawing is unreadable and heavy: the GraphML export carries it instead
ATTENTION_SHOWN = 20
LEADERS_SHOWN = 20

SORT_COLUMNS = (
    "leader",
    "mentor",
    "status",
    "held",
    "last_held",
    "days_since",
    "cancelled_by_leader",
    "cancelled_by_mentor",
    "missed",
    "minutes_held",
    "mean_rating_by_leader",
    "mean_rating_by_mentor",
    "median_response_hours",
    "goals_covered",
    "fit",
)
STATUS_ORDER = {"stalled": 0, "at risk": 1, "active": 2}


@dataclass
class AttentionItem:
    """A pair the manager should look at, and why."""

    row: dict[str, Any]
    reasons: list[str]


@dataclass(frozen=True)
class CohortFigures:
    """A cohort's records, the library's metrics, the pair and leader rows and the attention list."""

    document: SessionsDocument
    metrics: dict[str, Any]
    rows: list[dict[str, Any]]
    leaders: list[dict[str, Any]]
    attention: list[AttentionItem]
    svg: str


def skill_names_by_key() -> dict[str, str]:
    """Skill key -> its current name."""
    return dict(db.session.execute(select(Skill.key, Skill.name)).all())


def fit_answers(match_ids: list[int], cohort_id: int | None = None) -> dict[int, dict[int, bool]]:
    """match id -> person id -> their answer, for these matches (or every match of the cohort)."""
    answers: dict[int, dict[int, bool]] = {}
    query = select(FitCheck.match_id, FitCheck.person_id, FitCheck.good_fit)
    if cohort_id is not None:
        query = query.join(Match, Match.id == FitCheck.match_id).where(Match.cohort_id == cohort_id)
    elif match_ids:
        query = query.where(FitCheck.match_id.in_(match_ids))
    else:
        return answers
    for match_id, person_id, good_fit in db.session.execute(query):
        answers.setdefault(match_id, {})[person_id] = good_fit
    return answers


def pair_rows(
    document: SessionsDocument, metrics: dict[str, Any], skill_names: dict[str, str], cohort_id: int | None = None
) -> list[dict]:
    """The library's pair rows with match ids, names, a status word and both fit answers."""
    matches = document.match_rows
    fits = fit_answers(list(matches), cohort_id)
    rows = []
    for row in metrics["pairs"]:
        match_id = document.matches[row["leader"], row["mentor"]][-1]
        match = matches[match_id]
        answers = fits.get(match_id, {})
        status = "stalled" if row["stalled"] else "at risk" if row["at_risk"] else "active"
        rows.append(
            {
                **row,
                "match_id": match_id,
                "leader_name": document.labels[row["leader"]],
                "mentor_name": document.labels[row["mentor"]],
                "status": status,
                "fit_leader": answers.get(match.leader_id),
                "fit_mentor": answers.get(match.mentor_id),
                "goal_names": [skill_names.get(k, k) for k in row["goals"]],
                "covered_names": [skill_names.get(k, k) for k in row["goals_covered"]],
            }
        )
    return rows


def sort_value(row: dict[str, Any], column: str) -> Any:
    """The value a pair row sorts by in a column (None: no value, sorted last)."""
    if column in ("leader", "mentor"):
        return (row[f"{column}_name"].casefold(), row[column])
    if column == "status":
        return STATUS_ORDER[row["status"]]
    if column == "goals_covered":
        return len(row["goals_covered"])
    if column == "fit":
        return sum(answer is False for answer in (row["fit_leader"], row["fit_mentor"]))
    return row[column]


def sort_rows(rows: list[dict[str, Any]], column: str, direction: str) -> tuple[list[dict[str, Any]], str, str]:
    """The pair rows sorted by a known column (unknown ones fall back to the leader); empty values last."""
    column = column if column in SORT_COLUMNS else "leader"
    direction = "desc" if direction == "desc" else "asc"
    present = [r for r in rows if sort_value(r, column) is not None]
    missing = [r for r in rows if sort_value(r, column) is None]
    present.sort(key=lambda r: (sort_value(r, column), r["leader"], r["mentor"]), reverse=direction == "desc")
    return present + missing, column, direction


def attention_items(rows: list[dict[str, Any]]) -> list[AttentionItem]:
    """The pairs that need the manager's attention, most urgent first, each with its reasons."""
    items = []
    for row in rows:
        reasons = [
            f"The {side} answered that this is not a good fit."
            for side in ("leader", "mentor")
            if row[f"fit_{side}"] is False
        ]
        if row["stalled"]:
            reasons.append(f"Stalled: {row['days_since']} days without a held session.")
        if row["stalled"] or row["at_risk"]:
            reasons.extend(r for r in row["risk_reasons"] if r not in reasons)
        if reasons:
            items.append(AttentionItem(row=row, reasons=reasons))
    return sorted(
        items,
        key=lambda i: (
            i.row["fit_leader"] is not False and i.row["fit_mentor"] is not False,
            STATUS_ORDER[i.row["status"]],
            i.row["leader_name"].casefold(),
        ),
    )


def _leader_rows(metrics: dict[str, Any], document: SessionsDocument, cohort_id: int) -> list[dict[str, Any]]:
    waiting: dict[int, int] = {}
    query = (
        select(Match.leader_id, Meeting.id)
        .join(Match, Meeting.match_id == Match.id)
        .where(
            Match.cohort_id == cohort_id,
            Match.status == "active",
            Meeting.status == "proposed",
            Meeting.proposed_by_id == Match.mentor_id,
        )
    )
    for leader_id, _ in db.session.execute(query):
        waiting[leader_id] = waiting.get(leader_id, 0) + 1
    rows = []
    for row in metrics["leaders"]:
        if not row["pairs"]:
            continue
        person_id = int(row["leader"][1:])
        rows.append({**row, "name": document.labels[row["leader"]], "waiting": waiting.get(person_id, 0)})
    return sorted(
        rows,
        key=lambda r: (r["median_response_hours"] is None, -(r["median_response_hours"] or 0), r["name"].casefold()),
    )


def cohort_figures(cohort: Cohort, as_of: date, skill_names: dict[str, str] | None = None) -> CohortFigures:
    """The whole cohort's health figures on as_of (the summary job's work, never a page's)."""
    skill_names = skill_names_by_key() if skill_names is None else skill_names
    document = build_sessions([cohort.id])
    metrics = session_graph.session_metrics(document.records, as_of, cohort.stall_days, MIN_SESSIONS)
    rows = pair_rows(document, metrics, skill_names, cohort_id=cohort.id)
    leaders = _leader_rows(metrics, document, cohort.id)
    svg = ""
    if len(document.records.people) <= GRAPH_MAX_NODES:
        graph = session_graph.build_graph(document.records)
        svg = session_graph.render_svg(graph, labels=document.labels, as_of=as_of)
    attention = attention_items(sort_rows(rows, "leader", "asc")[0])
    return CohortFigures(document, metrics, rows, leaders, attention, svg)
