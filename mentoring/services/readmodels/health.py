"""Programme health for managers: the cohort dashboard, the all-cohorts overview, and the export texts.

Pages read the stored health summaries (services.usecases.health_summary): the figures a job computed
and one row per pair, paged, sorted and filtered in SQL. A page never computes a whole cohort: with no
summary yet it asks for one and says so. Feedback text never leaves here: the records carry ratings only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select

from matching import graph as session_graph
from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, HealthPairRow, HealthSummary, Match, Notification
from mentoring.models.health import ALL_COHORTS, cohort_scope
from mentoring.services.readmodels.health_figures import SORT_COLUMNS, AttentionItem, cohort_figures
from mentoring.services.readmodels.paging import Page, paginate
from mentoring.services.translators.sessions_document import HEALTH_COHORTS, build_sessions
from mentoring.services.usecases import health_summary
from mentoring.services.usecases.cohorts import get_cohort

PAIR_STATUSES = ("attention", "stalled", "at risk", "active")
NUDGES_SHOWN = 50
_EMPTY_PROGRAMME: dict[str, Any] = {}


@dataclass
class Dashboard:
    """Everything the cohort's health page shows (from the stored summary; `pending` while there is none)."""

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
    pair_page: Page = field(default_factory=Page)
    attention_count: int = 0
    leader_count: int = 0
    status: str = ""
    text: str = ""
    pending: bool = False  # no summary computed yet: the page says it is being computed
    updating: bool = False  # a newer summary is queued or being computed
    computed_at: str = ""  # HH:MM (UTC) of the summary shown


def _pair_page(summary_id: int, sort: str, direction: str, status: str, text: str, page: int) -> Page:
    """One page of the stored pair rows of a summary, filtered and in the order asked (empty values last).

    The database sorts row ids by their stored rank (small rows), then reads the 50 rows' data by id.
    """
    query = select(HealthPairRow.id).where(HealthPairRow.summary_id == summary_id)
    if status == "attention":
        query = query.where(HealthPairRow.attention.is_(True))
    elif status in PAIR_STATUSES:
        query = query.where(HealthPairRow.status == status)
    text = " ".join((text or "").split()).casefold()
    if text:
        query = query.where(
            or_(
                HealthPairRow.leader_fold.contains(text, autoescape=True),
                HealthPairRow.mentor_fold.contains(text, autoescape=True),
            )
        )
    rank = getattr(HealthPairRow, f"by_{sort}")
    ordered = rank.desc() if direction == "desc" else rank.asc()
    ids = paginate(query.order_by(rank.is_(None), ordered, HealthPairRow.position), page)
    rows = select(HealthPairRow.id, HealthPairRow.data).where(HealthPairRow.id.in_(ids.items))
    data = dict(db.session.execute(rows).all())
    return Page([data[i] for i in ids.items], ids.page, ids.per_page, ids.total)


def _summary_state(summary: HealthSummary | None) -> tuple[bool, bool, str]:
    """(pending, updating, computed at HH:MM) of a stored summary."""
    if summary is None or summary.computed_at is None:
        return True, True, ""
    return False, summary.stale, health_summary.computed_at_text(summary.computed_at)


def cohort_dashboard(
    cohort_id: int,
    sort: str = "leader",
    direction: str = "asc",
    now: datetime | None = None,
    status: str = "",
    text: str = "",
    page: int = 1,
) -> Dashboard:
    """The health page of one cohort on the day of `now`: its stored figures and one page of its pairs."""
    cohort = get_cohort(cohort_id)
    as_of = (now or utcnow()).date()
    sort = sort if sort in SORT_COLUMNS else "leader"
    direction = "desc" if direction == "desc" else "asc"
    status = status if status in PAIR_STATUSES else ""
    summary = health_summary.request(cohort_scope(cohort.id), as_of)
    pending, updating, computed_at = _summary_state(summary)
    figures: dict[str, Any] = summary.figures if summary is not None and not pending else {}
    pair_page: Page = Page()
    if summary is not None and not pending:
        pair_page = _pair_page(summary.id, sort, direction, status, text, page)
    ended = db.session.execute(
        select(func.count(Match.id)).where(Match.cohort_id == cohort.id, Match.status == "ended")
    ).scalar_one()
    return Dashboard(
        cohort=cohort,
        as_of=summary.as_of if summary is not None and summary.as_of and not pending else as_of,
        metrics={
            "programme": figures.get("programme", _EMPTY_PROGRAMME),
            "departments": figures.get("departments", []),
        },
        pairs=pair_page.items,
        sort=sort,
        direction=direction,
        skills=figures.get("skills", []),
        leaders=figures.get("leaders", []),
        departments=figures.get("departments", []),
        attention=[AttentionItem(row=a["row"], reasons=a["reasons"]) for a in figures.get("attention", [])],
        svg=figures.get("svg", ""),
        nudges=nudges_sent(cohort.id, limit=NUDGES_SHOWN),
        ended_pairs=ended,
        fit_answers=figures.get("fit_answers", {"no": 0, "yes": 0}),
        pair_page=pair_page,
        attention_count=figures.get("attention_count", 0),
        leader_count=figures.get("leader_count", 0),
        status=status,
        text=text,
        pending=pending,
        updating=updating,
        computed_at=computed_at,
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


@dataclass
class CohortHealth:
    """One line of the all-cohorts overview (programme None while its summary is being computed)."""

    cohort: Cohort | None
    programme: dict[str, Any] | None
    updating: bool = False
    computed_at: str = ""


def programme_overview(now: datetime | None = None) -> list[CohortHealth]:
    """Headline figures per published or closed cohort, then for all of them together (default stall limit)."""
    as_of = (now or utcnow()).date()
    query = select(Cohort).where(Cohort.status.in_(HEALTH_COHORTS)).order_by(Cohort.created_at.desc(), Cohort.id)
    cohorts = list(db.session.execute(query).scalars())
    scopes = [cohort_scope(c.id) for c in cohorts] + ([ALL_COHORTS] if len(cohorts) > 1 else [])
    summaries = health_summary.stored(scopes)
    for scope in scopes:
        found = summaries.get(scope)
        if found is None or found.computed_at is None or found.as_of != as_of:
            summaries[scope] = health_summary.request(scope, as_of)  # type: ignore[assignment]
    lines = []
    for cohort, scope in [(c, cohort_scope(c.id)) for c in cohorts] + [(None, s) for s in scopes[len(cohorts) :]]:
        pending, updating, computed_at = _summary_state(summaries.get(scope))
        programme = None if pending else summaries[scope].figures["programme"]
        lines.append(CohortHealth(cohort=cohort, programme=programme, updating=updating, computed_at=computed_at))
    return lines


# ---------------------------------------------------------------- export texts (built by the export job)


def pairs_csv(cohort_id: int, as_of: date) -> str:
    """The cohort's pairs and their metrics as CSV (names, no feedback text)."""
    cohort = get_cohort(cohort_id)
    figures = cohort_figures(cohort, as_of)
    return session_graph.metrics_csv(figures.metrics, labels=figures.document.labels)


def sessions_graphml(cohort_id: int, as_of: date) -> str:
    """The cohort's session graph as GraphML (names as labels, ratings, no feedback text)."""
    cohort = get_cohort(cohort_id)
    document = build_sessions([cohort.id])
    return session_graph.to_graphml(session_graph.build_graph(document.records), labels=document.labels, as_of=as_of)
