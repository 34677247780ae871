"""The stored health summary of each cohort (and of all cohorts together), kept up to date by a job.

A change to what the figures are made of (sessions logged or ended, feedback, fit checks, publishing,
pair changes, people renamed or moved, goals, a skill renamed, a cohort's stall limit) marks the
summaries concerned stale in the same transaction and, once it commits, queues one recompute per
summary (debounced: a summary already stale is not queued again). The job computes the whole cohort
(services.readmodels.health_figures) and stores its figures and one row per pair; pages only read them.
A periodic sweep compares the stored fingerprints with the data, to catch bulk writes and a new day.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, insert, select, update

from matching import graph as session_graph
from mentoring.database import reading, utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, HealthPairRow, HealthSummary
from mentoring.models.cohorts import STALL_DAYS_DEFAULT
from mentoring.models.health import ALL_COHORTS, NAME_FOLD_MAX, RANKED, cohort_scope
from mentoring.services.infra import jobs
from mentoring.services.readmodels import health_figures as figures_of
from mentoring.services.readmodels.health_inputs import fingerprint
from mentoring.services.translators.sessions_document import HEALTH_COHORTS, build_sessions

TASK = "health.summary"
SWEEP_TASK = "health.sweep"
LOST_AFTER = timedelta(minutes=10)  # a recompute asked for this long ago and not done is asked for again
log = logging.getLogger(__name__)


def scope_cohort(scope: str) -> int | None:
    """The cohort id of a cohort scope, None for all cohorts."""
    return None if scope == ALL_COHORTS else int(scope.split("-", 1)[1])


def today() -> date:
    """The date the figures are computed for when nobody asks for another one."""
    return utcnow().date()


# ---------------------------------------------------------------- asking for a recompute


def _queue(scopes: Iterable[str], as_of: date | None = None) -> None:
    """Queue one recompute per scope (after a short delay in production, so a burst of changes is one job)."""
    queue = jobs.queue_of()
    delay = float(current_app.config.get("HEALTH_SUMMARY_DELAY_S", 0) or 0)
    day = as_of.isoformat() if as_of else None
    for scope in sorted(set(scopes)):
        task = queue.tasks[TASK]
        if delay > 0 and not current_app.config.get("HUEY_IMMEDIATE"):
            task.schedule(args=(scope, day), delay=delay)
        else:
            task(scope, day)


def mark_stale(connection: Any, cohort_ids: Iterable[int] | None) -> list[str]:
    """Mark the summaries of these cohorts (every cohort if None) and of all cohorts stale; the newly stale."""
    where = []
    if cohort_ids is not None:
        where.append(HealthSummary.scope.in_([cohort_scope(i) for i in set(cohort_ids)] + [ALL_COHORTS]))
    fresh = list(
        connection.execute(select(HealthSummary.scope).where(HealthSummary.stale.is_(False), *where)).scalars()
    )
    # requested_at moves on even where a recompute is already queued: one running now must run again.
    connection.execute(update(HealthSummary).where(*where).values(stale=True, requested_at=utcnow()))
    return fresh


def cohorts_changed(cohort_ids: Iterable[int] | None) -> None:
    """After a committed bulk write to these cohorts (every cohort if None): mark their summaries stale, queue."""
    fresh = mark_stale(db.session, cohort_ids)
    db.session.commit()
    if fresh:
        _queue(fresh)


def request(scope: str, as_of: date) -> HealthSummary | None:
    """Ask for the scope's summary on as_of unless it is stored or on its way; the stored row (None if none)."""
    summary = db.session.execute(select(HealthSummary).where(HealthSummary.scope == scope)).scalar_one_or_none()
    now = utcnow()
    if summary is not None and summary.computed_at is not None and summary.as_of == as_of and not summary.stale:
        return summary  # stored for that day
    lost = summary is None or summary.requested_at is None or now - summary.requested_at > LOST_AFTER
    if summary is not None and summary.stale and not lost:
        return summary  # a recompute is on its way
    from mentoring.services import unit_of_work

    with unit_of_work():
        if summary is None:
            summary = HealthSummary(scope=scope, cohort_id=scope_cohort(scope), figures={}, fingerprint="")
            db.session.add(summary)
        summary.stale = True
        summary.requested_at = now
    _queue([scope], as_of)
    db.session.expire_all()
    return db.session.execute(select(HealthSummary).where(HealthSummary.scope == scope)).scalar_one_or_none()


# ---------------------------------------------------------------- the job


def _ranks(rows: list[dict[str, Any]]) -> dict[str, dict[int, int]]:
    """column -> match id -> the row's rank in that column's ascending order (rows with no value left out)."""
    ranks: dict[str, dict[int, int]] = {}
    for column in RANKED:
        ordered = figures_of.sort_rows(rows, column, "asc")[0]
        ranks[column] = {
            r["match_id"]: rank for rank, r in enumerate(ordered) if figures_of.sort_value(r, column) is not None
        }
    return ranks


def _pair_rows(summary_id: int, computed: figures_of.CohortFigures) -> list[dict[str, Any]]:
    rows = computed.rows
    ranks = _ranks(rows)
    attention = {item.row["match_id"] for item in computed.attention}
    return [
        {
            "summary_id": summary_id,
            "match_id": row["match_id"],
            "position": position,
            "status": row["status"],
            "attention": row["match_id"] in attention,
            "leader_fold": " ".join(row["leader_name"].split()).casefold()[:NAME_FOLD_MAX],
            "mentor_fold": " ".join(row["mentor_name"].split()).casefold()[:NAME_FOLD_MAX],
            "data": row,
            **{f"by_{column}": ranks[column].get(row["match_id"]) for column in RANKED},
        }
        for position, row in enumerate(rows)
    ]


def _cohort_payload(cohort: Cohort, as_of: date) -> tuple[dict[str, Any], figures_of.CohortFigures]:
    skill_names = figures_of.skill_names_by_key()
    computed = figures_of.cohort_figures(cohort, as_of, skill_names)
    metrics = computed.metrics
    rows = computed.rows
    payload = {
        "programme": metrics["programme"],
        "departments": metrics["departments"],
        "skills": [
            {**s, "name": skill_names.get(s["skill"], s["skill"])}
            for s in metrics["programme"]["goal_coverage_by_skill"]
        ],
        "leaders": computed.leaders[: figures_of.LEADERS_SHOWN],
        "leader_count": len(computed.leaders),
        "attention": [{"row": i.row, "reasons": i.reasons} for i in computed.attention[: figures_of.ATTENTION_SHOWN]],
        "attention_count": len(computed.attention),
        "fit_answers": {
            "no": sum((r["fit_leader"] is False) + (r["fit_mentor"] is False) for r in rows),
            "yes": sum((r["fit_leader"] is True) + (r["fit_mentor"] is True) for r in rows),
        },
        "svg": computed.svg,
    }
    return payload, computed


def _all_payload(as_of: date) -> dict[str, Any]:
    document = build_sessions(None)
    metrics = session_graph.session_metrics(document.records, as_of, STALL_DAYS_DEFAULT, figures_of.MIN_SESSIONS)
    return {"programme": metrics["programme"]}


def _inputs(scope: str, cohort: Cohort | None) -> str:
    cohort_id = scope_cohort(scope)
    skills = sorted(figures_of.skill_names_by_key().items())
    stall = cohort.stall_days if cohort is not None else STALL_DAYS_DEFAULT
    skill_digest = hashlib.blake2b(repr(skills).encode(), digest_size=8).hexdigest()
    return repr((fingerprint(None if cohort_id is None else [cohort_id]), stall, skill_digest))[:2000]


def refresh(scope: str, as_of_text: str | None = None) -> None:
    """The job: compute the scope's summary (on as_of, default the later of today and the stored day), store it."""
    cohort_id = scope_cohort(scope)
    cohort = db.session.get(Cohort, cohort_id) if cohort_id is not None else None
    if cohort_id is not None and cohort is None:
        return  # the cohort was deleted meanwhile
    summary = db.session.execute(select(HealthSummary).where(HealthSummary.scope == scope)).scalar_one_or_none()
    if summary is None:
        summary = HealthSummary(scope=scope, cohort_id=cohort_id, figures={}, fingerprint="", stale=True)
        db.session.add(summary)
    as_of = date.fromisoformat(as_of_text) if as_of_text else max(today(), summary.as_of or today())
    started = utcnow()
    summary.started_at = started
    db.session.commit()
    summary_id = summary.id
    # Seconds of reading at 10,000 pairs must not hold SQLite's write lock: only the final write takes it.
    with reading():
        inputs = _inputs(scope, cohort)
        rows: list[dict[str, Any]] = []
        if cohort is not None:
            payload, computed = _cohort_payload(cohort, as_of)
            rows = _pair_rows(summary_id, computed)
        else:
            payload = _all_payload(as_of)
    summary = db.session.execute(select(HealthSummary).where(HealthSummary.scope == scope)).scalar_one()
    db.session.execute(delete(HealthPairRow).where(HealthPairRow.summary_id == summary.id))
    if rows:
        db.session.execute(insert(HealthPairRow), rows)
    summary.figures = payload
    summary.as_of = as_of
    summary.fingerprint = inputs
    summary.computed_at = utcnow()
    # A change that came in while this job ran asks for another turn.
    again = summary.requested_at is not None and summary.requested_at > started
    summary.stale = again
    db.session.commit()
    log.info("health summary computed scope=%s as_of=%s pairs=%s again=%s", scope, as_of, len(rows), again)
    if again:
        _queue([scope])


def sweep() -> list[str]:
    """The periodic safety net: queue a recompute of every summary whose inputs or day no longer match,
    or whose recompute was asked for long ago and never done (a consumer that died)."""
    due = []
    now = utcnow()
    day = now.date()
    with reading():
        for summary in db.session.execute(select(HealthSummary)).scalars():
            if summary.stale:
                if summary.requested_at is None or now - summary.requested_at > LOST_AFTER:
                    due.append(summary.scope)
                continue
            cohort = db.session.get(Cohort, summary.cohort_id) if summary.cohort_id is not None else None
            if summary.cohort_id is not None and (cohort is None or cohort.status not in HEALTH_COHORTS):
                continue
            if (summary.as_of or day) < day or summary.fingerprint != _inputs(summary.scope, cohort):
                due.append(summary.scope)
    if due:
        db.session.execute(
            update(HealthSummary).where(HealthSummary.scope.in_(due)).values(stale=True, requested_at=now)
        )
    db.session.commit()
    if due:
        _queue(due)
    return due


def stored(scopes: Iterable[str]) -> dict[str, HealthSummary]:
    """The stored summaries of these scopes, by scope (one query)."""
    query = select(HealthSummary).where(HealthSummary.scope.in_(list(scopes)))
    return {s.scope: s for s in db.session.execute(query).scalars()}


def computed_at_text(moment: datetime | None) -> str:
    """HH:MM of a computation (UTC), for the page's "computed at" line."""
    return moment.strftime("%H:%M") if moment else ""


def queue_after_commit(scopes: Iterable[str]) -> None:
    """Queue the recomputes a committed transaction asked for (called by services.infra.health_watch)."""
    try:
        _queue(scopes)
    except Exception:  # a queue that does not answer must not undo a committed change
        log.exception("health summary could not be queued scopes=%s", sorted(scopes))
