"""A published cohort's waitlist: who joins it when a change is published, and a manager taking someone off."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Match, MatchRun, Person, RunPair, WaitlistEntry, WaitlistStatus
from mentoring.models.waitlist import WAITLIST_REASON_MAX
from mentoring.services import NotFound, unit_of_work
from mentoring.services.infra import audit
from mentoring.services.readmodels.review_loads import unmatched_reason
from mentoring.services.usecases import matching_runs


def _entries(cohort_id: int, person_ids: set[int]) -> dict[int, WaitlistEntry]:
    if not person_ids:
        return {}
    # The cohort's entries, filtered here: an IN list of every paired leader would be thousands of parameters.
    query = select(WaitlistEntry).where(WaitlistEntry.cohort_id == cohort_id)
    return {entry.person_id: entry for entry in db.session.execute(query).scalars() if entry.person_id in person_ids}


def _wait(cohort_id: int, entries: dict[int, WaitlistEntry], person_id: int, reason: str, now: datetime) -> None:
    entry = entries.get(person_id)
    if entry is None:
        entry = WaitlistEntry(cohort_id=cohort_id, person_id=person_id, added_at=now)
        db.session.add(entry)
        entries[person_id] = entry
    elif entry.status != WaitlistStatus.WAITING:
        entry.added_at = now
    entry.status, entry.reason, entry.closed_at = WaitlistStatus.WAITING, reason[:WAITLIST_REASON_MAX], None


def record_publish(cohort_id: int, run: MatchRun, ended: list[Match], now: datetime) -> set[int]:
    """In the publishing transaction: newly paired leaders leave the waitlist; unpaired ones join it.

    Returns the ids of the leaders who joined (or stayed on) the waitlist with this publish.
    """
    stats = run.stats or {}
    paired = set(db.session.execute(select(RunPair.leader_id).where(RunPair.run_id == run.id)).scalars())
    # Reasons are kept with names, as they read today (the library's template filled in once, here).
    items = [u for u in run.unmatched or [] if u.get("leader_id")]
    names = matching_runs.people_names(
        [m.mentor_id for m in ended] + [i for u in items for i in u.get("mentor_ids", [])]
    )
    unmatched = {int(u["leader_id"]): unmatched_reason(u, names) for u in items}
    if run.kind == "repair" and stats.get("change") not in ("late", "waitlist"):
        unmatched = {}  # a re-pair's or replacement's leaders keep their other pairs; nobody joins from it
    if stats.get("change") == "end" and stats.get("waitlist"):
        for match in ended:
            mentor = names.get(str(match.mentor_id), "their mentor")
            unmatched[match.leader_id] = f"Their pair with {mentor} ended: {stats.get('reason', '')}"
    entries = _entries(cohort_id, paired | set(unmatched))
    for person_id in paired:
        entry = entries.get(person_id)
        if entry is not None and entry.status == WaitlistStatus.WAITING:
            entry.status, entry.closed_at = WaitlistStatus.PLACED, now
    joined = set()
    for person_id, reason in unmatched.items():
        if person_id not in paired:
            _wait(cohort_id, entries, person_id, reason, now)
            joined.add(person_id)
    return joined


def reason_text(entry: WaitlistEntry) -> str:
    """Why the leader waits (stored with names when they joined)."""
    return entry.reason or ""


def remove(manager: Person, cohort_id: int, person_id: int, now: datetime | None = None) -> None:
    """Take a leader off the cohort's waitlist."""
    with unit_of_work():
        entry = db.session.execute(
            select(WaitlistEntry).where(
                WaitlistEntry.cohort_id == cohort_id,
                WaitlistEntry.person_id == person_id,
                WaitlistEntry.status == WaitlistStatus.WAITING,
            )
        ).scalar_one_or_none()
        if entry is None:
            raise NotFound("This leader is not on the waitlist.")
        entry.status, entry.closed_at = WaitlistStatus.REMOVED, now or utcnow()
        audit.record(
            "waitlist.removed", actor=manager, object_type="cohort", object_id=cohort_id, detail=f"leader {person_id}"
        )
