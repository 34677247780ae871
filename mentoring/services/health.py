"""Programme health for managers: the SESSIONS document built from the database, fed to matching.graph.

The numbers are the library's (matching.graph); this module only gathers the input, adds names and
fit-check answers, sorts, and records exports in the audit log. Feedback text never leaves here:
the document carries ratings only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matching import graph as session_graph
from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, FitCheck, Goal, LeaderRequest, Match, Meeting, Notification, Person, Skill
from mentoring.models.cohorts import STALL_DAYS_DEFAULT
from mentoring.services import NotFound, audit
from mentoring.services.cohorts import get_cohort

MIN_SESSIONS = 3  # a leader "meets the minimum" with this many held sessions
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


def _session_status(meeting: Meeting, match: Match) -> str | None:
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


def _session_item(meeting: Meeting, match: Match, status: str, keys: dict[int, str]) -> dict[str, Any]:
    ratings: dict[str, int | None] = {"leader": None, "mentor": None}
    if status == "held":
        for feedback in meeting.feedback:
            side = "leader" if feedback.author_id == match.leader_id else "mentor"
            ratings[side] = feedback.rating
    # The response time is the leader's: only an answer given by the leader is recorded.
    leader_answered = (meeting.answered_by_id == match.leader_id and meeting.answered_at is not None
                       and meeting.answered_at >= meeting.proposed_at)
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
        for node, person, role in ((leader_node(match.leader_id), match.leader, "leader"),
                                   (mentor_node(match.mentor_id), match.mentor, "mentor")):
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
        query = (select(Meeting).where(Meeting.match_id.in_(list(by_match)), Meeting.status.in_(LOGGED))
                 .order_by(Meeting.starts_at, Meeting.id).options(selectinload(Meeting.feedback)))
        for meeting in db.session.execute(query).scalars():
            match = by_match[meeting.match_id]
            status = _session_status(meeting, match)
            if status is not None:
                sessions.append(_session_item(meeting, match, status, keys))
    data = {"people": [people[n] for n in sorted(people, key=_node_order)],
            "pairs": [pairs[k] for k in sorted(pairs, key=lambda k: (_node_order(k[0]), _node_order(k[1])))],
            "sessions": sessions}
    return SessionsDocument(data=data, labels=labels, matches=owners, match_rows=by_match)


def _node_order(node: str) -> tuple[str, int]:
    return node[0], int(node[1:])


# ---------------------------------------------------------------- the dashboard


SORT_COLUMNS = ("leader", "mentor", "status", "held", "last_held", "days_since", "cancelled_by_leader",
                "cancelled_by_mentor", "missed", "minutes_held", "mean_rating_by_leader", "mean_rating_by_mentor",
                "median_response_hours", "goals_covered", "fit")
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
    document = build_sessions([cohort.id])
    metrics = session_graph.metrics_from_json(document.data, as_of, cohort.stall_days, MIN_SESSIONS)
    return document, metrics


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
        rows.append({**row, "match_id": match_id,
                     "leader_name": document.labels[row["leader"]], "mentor_name": document.labels[row["mentor"]],
                     "status": status,
                     "fit_leader": answers.get(match.leader_id), "fit_mentor": answers.get(match.mentor_id),
                     "goal_names": [skill_names.get(k, k) for k in row["goals"]],
                     "covered_names": [skill_names.get(k, k) for k in row["goals_covered"]]})
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
        reasons = [f"The {side} answered that this is not a good fit." for side in ("leader", "mentor")
                   if row[f"fit_{side}"] is False]
        if row["stalled"]:
            reasons.append(f"Stalled: {row['days_since']} days without a held session.")
        if row["stalled"] or row["at_risk"]:
            reasons.extend(r for r in row["risk_reasons"] if r not in reasons)
        if reasons:
            items.append(AttentionItem(row=row, reasons=reasons))
    return sorted(items, key=lambda i: (i.row["fit_leader"] is not False and i.row["fit_mentor"] is not False,
                                        _STATUS_ORDER[i.row["status"]], i.row["leader_name"].casefold()))


def _leader_rows(metrics: dict[str, Any], document: SessionsDocument, cohort_id: int) -> list[dict[str, Any]]:
    waiting: dict[int, int] = {}
    query = (select(Match.leader_id, Meeting.id).join(Match, Meeting.match_id == Match.id)
             .where(Match.cohort_id == cohort_id, Match.status == "active", Meeting.status == "proposed",
                    Meeting.proposed_by_id == Match.mentor_id))
    for leader_id, _ in db.session.execute(query):
        waiting[leader_id] = waiting.get(leader_id, 0) + 1
    rows = []
    for row in metrics["leaders"]:
        if not row["pairs"]:
            continue
        person_id = int(row["leader"][1:])
        rows.append({**row, "name": document.labels[row["leader"]], "waiting": waiting.get(person_id, 0)})
    return sorted(rows, key=lambda r: (r["median_response_hours"] is None, -(r["median_response_hours"] or 0),
                                       r["name"].casefold()))


def nudges_sent(cohort_id: int, limit: int = 200) -> list[Notification]:
    """The nudges queued for this cohort's pairs, newest first."""
    query = (select(Notification).where(Notification.cohort_id == cohort_id, Notification.kind.like("nudge-%"))
             .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
    return list(db.session.execute(query).scalars())


def cohort_dashboard(cohort_id: int, sort: str = "leader", direction: str = "asc",
                     now: datetime | None = None) -> Dashboard:
    """The health page of one cohort on the day of `now`."""
    cohort = get_cohort(cohort_id)
    as_of = (now or utcnow()).date()
    document, metrics = cohort_metrics(cohort, as_of)
    skill_names = dict(db.session.execute(select(Skill.key, Skill.name)).all())
    rows, sort, direction = sort_rows(_pair_rows(document, metrics, skill_names), sort, direction)
    graph = session_graph.build_graph(document.data)
    svg = session_graph.render_svg(graph, labels=document.labels, as_of=as_of)
    ended = db.session.execute(select(Match.id).where(Match.cohort_id == cohort.id, Match.status == "ended")).all()
    skills = [{**s, "name": skill_names.get(s["skill"], s["skill"])}
              for s in metrics["programme"]["goal_coverage_by_skill"]]
    return Dashboard(
        cohort=cohort, as_of=as_of, metrics=metrics, pairs=rows, sort=sort, direction=direction, skills=skills,
        leaders=_leader_rows(metrics, document, cohort.id), departments=metrics["departments"],
        attention=_attention(rows),
        svg=svg,
        nudges=nudges_sent(cohort.id), ended_pairs=len(ended),
        fit_answers={"no": sum((r["fit_leader"] is False) + (r["fit_mentor"] is False) for r in rows),
                     "yes": sum((r["fit_leader"] is True) + (r["fit_mentor"] is True) for r in rows)},
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
    lines = [CohortHealth(cohort=c, programme=cohort_metrics(c, as_of)[1]["programme"])
             for c in db.session.execute(query).scalars()]
    if len(lines) > 1:
        together = session_graph.metrics_from_json(build_sessions(None).data, as_of, STALL_DAYS_DEFAULT,
                                                   MIN_SESSIONS)
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
    from mentoring.services.pair_view import MANAGER, feedback_for

    match = db.session.get(Match, match_id)
    if match is None or match.cohort_id != cohort_id:
        raise NotFound("There is no such pair in this cohort.")
    found = list(db.session.execute(select(Meeting).where(Meeting.match_id == match.id)
                                    .order_by(Meeting.starts_at.desc(), Meeting.id.desc())).scalars())
    feedback = {m.id: [feedback_for(f, match, MANAGER) for f in m.feedback] for m in found}
    nudges = list(db.session.execute(select(Notification).where(Notification.match_id == match.id,
                                                                Notification.kind.like("nudge-%"))
                                     .order_by(Notification.created_at.desc())).scalars())
    return ManagedPair(match=match, meetings=found, feedback=feedback,
                       fit=_fit_answers([match.id]).get(match.id, {}), nudges=nudges,
                       metrics=_metrics_row(match, (now or utcnow()).date()))


# ---------------------------------------------------------------- exports


def export_csv(manager: Person, cohort_id: int, now: datetime | None = None) -> str:
    """The cohort's pairs and their metrics as CSV (names, no feedback text), recorded in the audit log."""
    cohort = get_cohort(cohort_id)
    document, metrics = cohort_metrics(cohort, (now or utcnow()).date())
    text = session_graph.metrics_csv(metrics, labels=document.labels)
    audit.record("export", actor=manager, object_type="cohort", object_id=cohort.id, detail="pairs and metrics (CSV)")
    db.session.commit()
    return text


def export_graphml(manager: Person, cohort_id: int, now: datetime | None = None) -> str:
    """The cohort's session graph as GraphML (names as labels, ratings, no feedback text), audited."""
    cohort = get_cohort(cohort_id)
    as_of = (now or utcnow()).date()
    document = build_sessions([cohort.id])
    text = session_graph.to_graphml(session_graph.build_graph(document.data), labels=document.labels, as_of=as_of)
    audit.record("export", actor=manager, object_type="cohort", object_id=cohort.id, detail="session graph (GraphML)")
    db.session.commit()
    return text

