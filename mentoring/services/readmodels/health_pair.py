"""One pair of a published cohort as the programme manager sees it: sessions, ratings, shared feedback,
fit checks, nudges, and the pair's row of the health dashboard, computed for that pair alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from matching import graph as session_graph
from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Match, Meeting, Notification
from mentoring.services import NotFound
from mentoring.services.readmodels.health_figures import MIN_SESSIONS, fit_answers, pair_rows, skill_names_by_key
from mentoring.services.readmodels.pair_view import MANAGER, feedback_for
from mentoring.services.translators.sessions_document import HEALTH_COHORTS, build_sessions


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
    # Only this pair's sessions: a pair's row of the dashboard depends on nothing else in the cohort.
    document = build_sessions([match.cohort_id], pair=(match.leader_id, match.mentor_id))
    metrics = session_graph.session_metrics(document.records, as_of, match.cohort.stall_days, MIN_SESSIONS)
    skill_names = skill_names_by_key()
    return next((row for row in pair_rows(document, metrics, skill_names) if row["match_id"] == match.id), None)


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
        fit=fit_answers([match.id]).get(match.id, {}),
        nudges=nudges,
        metrics=_metrics_row(match, (now or utcnow()).date()),
    )
