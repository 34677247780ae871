"""The Changes page of a published cohort: its active pairs (paged), late joiners, the waitlist, a pending change."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, joinedload

from mentoring.extensions import db
from mentoring.models import Cohort, LeaderRequest, Match, MatchRun, Person, WaitlistEntry, WaitlistStatus
from mentoring.services.usecases import pair_changes, waitlist
from mentoring.services.usecases.cohorts import get_cohort

PAGE_SIZE = 50
LIST_MAX = 100


@dataclass(frozen=True)
class WaitingLeader:
    """A leader on the waitlist and why."""

    person: Person
    reason: str
    entry: WaitlistEntry


@dataclass
class ChangesPage:
    """Everything on a published cohort's Changes page."""

    cohort: Cohort
    pairs: list[Match] = field(default_factory=list)
    pair_total: int = 0
    page: int = 1
    pages: int = 1
    query: str = ""
    late: list[LeaderRequest] = field(default_factory=list)
    late_total: int = 0
    waiting: list[WaitingLeader] = field(default_factory=list)
    waiting_total: int = 0
    pending: MatchRun | None = None


def _pending(cohort_id: int) -> MatchRun | None:
    latest = db.session.execute(
        select(MatchRun).where(MatchRun.cohort_id == cohort_id).order_by(MatchRun.id.desc()).limit(1)
    ).scalar_one_or_none()
    if latest is None or latest.kind != "repair" or (latest.stats or {}).get("published_at"):
        return None
    return latest if latest.status in ("optimal", "feasible") else None


def changes_page(cohort_id: int, page: int = 1, query: str = "") -> ChangesPage:
    """The cohort's active pairs, PAGE_SIZE a page, filtered by a name; late joiners and waitlist, bounded."""
    cohort = get_cohort(cohort_id)
    result = ChangesPage(cohort=cohort, query=query.strip())
    leader, mentor = aliased(Person), aliased(Person)
    pairs = (
        select(Match)
        .join(leader, leader.id == Match.leader_id)
        .join(mentor, mentor.id == Match.mentor_id)
        .where(Match.cohort_id == cohort.id, Match.status == "active")
    )
    if result.query:
        pattern = "%" + result.query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        pairs = pairs.where(
            or_(func.lower(leader.name).like(pattern, escape="\\"), func.lower(mentor.name).like(pattern, escape="\\"))
        )
    result.pair_total = db.session.execute(select(func.count()).select_from(pairs.subquery())).scalar_one()
    result.pages = max(1, -(-result.pair_total // PAGE_SIZE))
    result.page = min(max(1, page), result.pages)
    ordered = pairs.order_by(func.lower(leader.name), leader.id, mentor.id).options(
        joinedload(Match.leader), joinedload(Match.mentor)
    )
    result.pairs = list(
        db.session.execute(ordered.offset((result.page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).scalars().unique()
    )
    late = pair_changes.late_joiners(cohort.id)
    result.late_total, result.late = len(late), late[:LIST_MAX]
    entries = (
        select(WaitlistEntry)
        .where(WaitlistEntry.cohort_id == cohort.id, WaitlistEntry.status == WaitlistStatus.WAITING)
        .options(joinedload(WaitlistEntry.person))
        .order_by(WaitlistEntry.added_at, WaitlistEntry.id)
    )
    result.waiting_total = db.session.execute(select(func.count()).select_from(entries.subquery())).scalar_one()
    result.waiting = [
        WaitingLeader(entry.person, waitlist.reason_text(entry), entry)
        for entry in db.session.execute(entries.limit(LIST_MAX)).scalars()
    ]
    result.pending = _pending(cohort.id)
    return result
