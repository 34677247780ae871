"""People HR records as having left: accounts disabled, open pairs ended with a plain note, sessions withdrawn.

Called inside the HR import's transaction (no commit here). The person's row stays, for the history of
their pairs; disabling is what a manager's "Disable" does (no sign-in, every login session ended).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update

from mentoring.extensions import db
from mentoring.models import Cohort, LoginSession, Match, Meeting, Person
from mentoring.services.infra import mail

CHUNK = 5000  # ids per IN (...) list: well under every database's limit on bound parameters


@dataclass(frozen=True)
class LeaversOutcome:
    """What recording leavers did."""

    disabled: int
    pairs_ended: int
    sessions_withdrawn: int
    emails: int


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _end_pairs(ids: set[int], now: datetime) -> list[Match]:
    ended: list[Match] = []
    for chunk in _chunks(sorted(ids)):
        query = select(Match).where(
            Match.status == "active", or_(Match.leader_id.in_(chunk), Match.mentor_id.in_(chunk))
        )
        ended.extend(m for m in db.session.execute(query).scalars() if m not in ended)
    for match in ended:
        match.status, match.ended_at = "ended", now
    return ended


def _withdraw_sessions(matches: list[Match], leavers: set[int], now: datetime) -> int:
    """Cancel the proposed sessions, and the planned ones still to come, of the pairs that end."""
    withdrawn = 0
    for match in matches:
        query = select(Meeting).where(Meeting.match_id == match.id, Meeting.status.in_(("proposed", "accepted")))
        for meeting in db.session.execute(query).scalars():
            if meeting.status == "accepted" and meeting.starts_at <= now:
                continue  # it may have happened: the pair's record keeps it to be logged
            meeting.status, meeting.logged_at = "cancelled", now
            meeting.cancelled_by_id = match.leader_id if match.leader_id in leavers else match.mentor_id
            withdrawn += 1
    return withdrawn


def _note_counterparts(matches: list[Match], leavers: set[int], cohorts: dict[int, str], key: str) -> int:
    queued = 0
    for match in matches:
        for person, other in ((match.leader, match.mentor), (match.mentor, match.leader)):
            if person.id not in leavers or other.id in leavers or not other.is_active:
                continue
            body = (
                f"Hello {other.name},\n\n"
                f"{person.name} has left the organisation, so your reverse-mentoring pair in "
                f"{cohorts.get(match.cohort_id, 'the programme')} has ended. Sessions you had proposed or planned "
                "together are cancelled.\n\n"
                "The programme team knows and can find you a new pair. Thank you for the time you gave.\n"
            )
            if mail.queue(f"leaver:{key}:{match.id}:{other.id}", "leaver", other, "Your pair has ended", body):
                queued += 1
    return queued


def _note_managers(matches: list[Match], cohorts: dict[int, str], key: str) -> int:
    if not matches:
        return 0
    by_cohort: dict[int, list[str]] = defaultdict(list)
    for match in matches:
        by_cohort[match.cohort_id].append(f"- {match.leader.name} (leader) with {match.mentor.name} (mentor)")
    lines = [
        f"{cohorts.get(cid, 'A cohort')}:\n" + "\n".join(sorted(pairs)) for cid, pairs in sorted(by_cohort.items())
    ]
    body = (
        "The HR import recorded people who have left. These pairs have ended, and the other person of each "
        "was told:\n\n" + "\n\n".join(lines) + "\n\nYou can re-pair the people who stay from the cohort's page.\n"
    )
    managers = db.session.execute(
        select(Person).where(Person.is_manager.is_(True), Person.is_active.is_(True)).order_by(Person.id)
    ).scalars()
    queued = 0
    for manager in managers:
        if mail.queue(f"leavers:{key}:{manager.id}", "leavers", manager, "Pairs ended: people have left", body):
            queued += 1
    return queued


def record_leavers(person_ids: Sequence[int], now: datetime, key: str) -> LeaversOutcome:
    """Disable these accounts as left (rows kept), end their open pairs and tell the people concerned."""
    leavers = set(person_ids)
    for chunk in _chunks(sorted(leavers)):
        db.session.execute(
            update(Person).where(Person.id.in_(chunk)).values(is_active=False, left_at=now),
            execution_options={"synchronize_session": False},
        )
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.person_id.in_(chunk), LoginSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    ended = _end_pairs(leavers, now)
    withdrawn = _withdraw_sessions(ended, leavers, now)
    cohort_ids = {m.cohort_id for m in ended}
    cohorts = dict(db.session.execute(select(Cohort.id, Cohort.name).where(Cohort.id.in_(cohort_ids))).all())
    emails = _note_counterparts(ended, leavers, cohorts, key) + _note_managers(ended, cohorts, key)
    return LeaversOutcome(len(leavers), len(ended), withdrawn, emails)
