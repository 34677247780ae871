"""Programme health for managers: the cohort dashboard, the all-cohorts overview, one pair, and exports.

The numbers are the library's (matching.graph), computed on the SESSIONS document of
services.sessions_document; this module only adds names and fit-check answers, sorts, and records
exports in the audit log. Feedback text never leaves here: the document carries ratings only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from matching import graph as session_graph
from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, FitCheck, Match, Meeting, Notification, Person, Skill
from mentoring.models.cohorts import STALL_DAYS_DEFAULT
from mentoring.services import NotFound
from mentoring.services.infra import audit
from mentoring.services.readmodels.pair_view import MANAGER, feedback_for
from mentoring.services.translators.sessions_document import HEALTH_COHORTS, SessionsDocument, build_sessions
from mentoring.services.usecases.cohorts import get_cohort

MIN_SESSIONS = 3  # a leader "meets the minimum" with this many held sessions

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
_STATUS_ORDER = {"stalled": 0, "at risk": 1, "active": 2}


@dataclass
class AttentionItem:
    """A pair the manager should look at, and why."""

    row: dict[str, Any]
    reasons: list[str]


@dataclass
class Dashboard:
    """Everything the cohort's health page shows."""

    cohort: Cohort
    as_of: date
    metrics: dict[str, Any]
    pairs: list[dict[str, Any]]
    sort: str
    direction: str
    skills: list[dict[str, Any]]
    leaders: list[dict[str, Any]]
    departments: list[dict[str, Any]]
    attention: list[AttentionItem]
    svg: str
    nudges: list[Notification]
    ended_pairs: int
    fit_answers: dict[str, int] = field(default_factory=dict)


def cohort_metrics(cohort: Cohort, as_of: date) -> tuple[SessionsDocument, dict[str, Any]]:
    """The cohort's SESSIONS document and the library's metrics for it on as_of."""
    document, metrics, _graph = _cohort_graph(cohort, as_of)
    return document, metrics


def _cohort_graph(cohort: Cohort, as_of: date) -> tuple[SessionsDocument, dict[str, Any], Any]:
    """The cohort's SESSIONS document, its metrics and its session graph, the graph built once."""
    document = build_sessions([cohort.id])
    graph = session_graph.build_graph(document.data)  # validates the document as metrics_from_json would
    metrics = session_graph.compute_metrics(graph, as_of, cohort.stall_days, MIN_SESSIONS)
    return document, metrics, graph


def _fit_answers(match_ids: list[int]) -> dict[int, dict[int, bool]]:
    answers: dict[int, dict[int, bool]] = {}
    if match_ids:
        query = select(FitCheck).where(FitCheck.match_id.in_(match_ids))
        for check in db.session.execute(query).scalars():
            answers.setdefault(check.match_id, {})[check.person_id] = check.good_fit
    return answers


def _pair_rows(document: SessionsDocument, metrics: dict[str, Any], skill_names: dict[str, str]) -> list[dict]:
    matches = document.match_rows
    fits = _fit_answers(list(matches))
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


def _sort_value(row: dict[str, Any], column: str) -> Any:
    if column in ("leader", "mentor"):
        return (row[f"{column}_name"].casefold(), row[column])
    if column == "status":
        return _STATUS_ORDER[row["status"]]
    if column == "goals_covered":
        return len(row["goals_covered"])
    if column == "fit":
        return sum(answer is False for answer in (row["fit_leader"], row["fit_mentor"]))
    return row[column]


def sort_rows(rows: list[dict[str, Any]], column: str, direction: str) -> tuple[list[dict[str, Any]], str, str]:
    """The pair rows sorted by a known column (unknown ones fall back to the leader); empty values last."""
    column = column if column in SORT_COLUMNS else "leader"
    direction = "desc" if direction == "desc" else "asc"
    present = [r for r in rows if _sort_value(r, column) is not None]
    missing = [r for r in rows if _sort_value(r, column) is None]
    present.sort(key=lambda r: (_sort_value(r, column), r["leader"], r["mentor"]), reverse=direction == "desc")
    return present + missing, column, direction


def _attention(rows: list[dict[str, Any]]) -> list[AttentionItem]:
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
            _STATUS_ORDER[i.row["status"]],
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


def nudges_sent(cohort_id: int, limit: int = 200) -> list[Notification]:
    """The nudges queued for this cohort's pairs, newest first."""
    query = (
        select(Notification)
        .where(Notification.cohort_id == cohort_id, Notification.kind.like("nudge-%"))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


def cohort_dashboard(
    cohort_id: int, sort: str = "leader", direction: str = "asc", now: datetime | None = None
) -> Dashboard:
    """The health page of one cohort on the day of `now`."""
    cohort = get_cohort(cohort_id)
    as_of = (now or utcnow()).date()
    document, metrics, graph = _cohort_graph(cohort, as_of)
    skill_names = dict(db.session.execute(select(Skill.key, Skill.name)).all())
    rows, sort, direction = sort_rows(_pair_rows(document, metrics, skill_names), sort, direction)
    svg = session_graph.render_svg(graph, labels=document.labels, as_of=as_of)
    ended = db.session.execute(select(Match.id).where(Match.cohort_id == cohort.id, Match.status == "ended")).all()
    skills = [
        {**s, "name": skill_names.get(s["skill"], s["skill"])} for s in metrics["programme"]["goal_coverage_by_skill"]
    ]
    return Dashboard(
        cohort=cohort,
        as_of=as_of,
        metrics=metrics,
        pairs=rows,
        sort=sort,
        direction=direction,
        skills=skills,
        leaders=_leader_rows(metrics, document, cohort.id),
        departments=metrics["departments"],
        attention=_attention(rows),
        svg=svg,
        nudges=nudges_sent(cohort.id),
        ended_pairs=len(ended),
        fit_answers={
            "no": sum((r["fit_leader"] is False) + (r["fit_mentor"] is False) for r in rows),
            "yes": sum((r["fit_leader"] is True) + (r["fit_mentor"] is True) for r in rows),
        },
    )


@dataclass
class CohortHealth:
    """One line of the all-cohorts overview."""

    cohort: Cohort | None
    programme: dict[str, Any]


def programme_overview(now: datetime | None = None) -> list[CohortHealth]:
    """Headline figures per published or closed cohort, then for all of them together (default stall limit)."""
    as_of = (now or utcnow()).date()
    query = select(Cohort).where(Cohort.status.in_(HEALTH_COHORTS)).order_by(Cohort.created_at.desc(), Cohort.id)
    lines = [
        CohortHealth(cohort=c, programme=cohort_metrics(c, as_of)[1]["programme"])
        for c in db.session.execute(query).scalars()
    ]
    if len(lines) > 1:
        together = session_graph.metrics_from_json(build_sessions(None).data, as_of, STALL_DAYS_DEFAULT, MIN_SESSIONS)
        lines.append(CohortHealth(cohort=None, programme=together["programme"]))
    return lines


# ---------------------------------------------------------------- one pair, for the manager


@dataclass
class ManagedPair:
    """One pair as the manager sees it: sessions with ratings and only the feedback text shared with managers."""

    match: Match
    meetings: list[Meeting]
    feedback: dict[int, list[Any]]
    fit: dict[int, bool]
    nudges: list[Notification]
    metrics: dict[str, Any] | None = None  # the pair's row of the dashboard; None once the pair has ended


def _metrics_row(match: Match, as_of: date) -> dict[str, Any] | None:
    if match.status != "active" or match.cohort.status not in HEALTH_COHORTS:
        return None
    document, metrics = cohort_metrics(match.cohort, as_of)
    skill_names = dict(db.session.execute(select(Skill.key, Skill.name)).all())
    return next((row for row in _pair_rows(document, metrics, skill_names) if row["match_id"] == match.id), None)


def managed_pair(cohort_id: int, match_id: int, now: datetime | None = None) -> ManagedPair:
    """A pair of the cohort for the manager's eyes; NotFound if it is not in that cohort."""
    match = db.session.get(Match, match_id)
    if match is None or match.cohort_id != cohort_id:
        raise NotFound("There is no such pair in this cohort.")
    found = list(
        db.session.execute(
            select(Meeting).where(Meeting.match_id == match.id).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        ).scalars()
    )
    feedback = {m.id: [feedback_for(f, match, MANAGER) for f in m.feedback] for m in found}
    nudges = list(
        db.session.execute(
            select(Notification)
            .where(Notification.match_id == match.id, Notification.kind.like("nudge-%"))
            .order_by(Notification.created_at.desc())
        ).scalars()
    )
    return ManagedPair(
        match=match,
        meetings=found,
        feedback=feedback,
        fit=_fit_answers([match.id]).get(match.id, {}),
        nudges=nudges,
        metrics=_metrics_row(match, (now or utcnow()).date()),
    )


# ---------------------------------------------------------------- exports


def export_csv(manager: Person, cohort_id: int, now: datetime | None = None) -> str:
    """The cohort's pairs and their metrics as CSV (names, no feedback text), recorded in the audit log."""
    cohort = get_cohort(cohort_id)
    document, metrics = cohort_metrics(cohort, (now or utcnow()).date())
    text = session_graph.metrics_csv(metrics, labels=document.labels)
    audit.record_now(
        "export", actor=manager, object_type="cohort", object_id=cohort.id, detail="pairs and metrics (CSV)"
    )
    return text


def export_graphml(manager: Person, cohort_id: int, now: datetime | None = None) -> str:
    """The cohort's session graph as GraphML (names as labels, ratings, no feedback text), audited."""
    cohort = get_cohort(cohort_id)
    as_of = (now or utcnow()).date()
    document = build_sessions([cohort.id])
    text = session_graph.to_graphml(session_graph.build_graph(document.data), labels=document.labels, as_of=as_of)
    audit.record_now(
        "export", actor=manager, object_type="cohort", object_id=cohort.id, detail="session graph (GraphML)"
    )
    return text
