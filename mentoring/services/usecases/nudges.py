"""Nudges: reminder emails to pairs that stall, to people who leave a proposal unanswered, and to
leaders whose mentor's feedback waits for theirs. Each is sent once per occasion.

The rules (all measured against `now`, in UTC):
- stalled: the pair's last held session (or, with none, the publish date) is more than the cohort's
  stall limit in whole days before today: the dashboard's "stalled" exactly. Both people get it, unless a
  session is already proposed or planned for the future. Once per pair, person and last-held date, so
  a pair that meets and then stalls again is nudged again.
- unanswered: a proposal still unanswered more than 7 days after it was made, whose time has not
  passed yet; to the partner who has to answer it. Once per proposal.
- feedback: a held session on which the mentor left feedback and the leader has not, more than 3 days
  after the later of the session's end and the mentor's feedback; to the leader. Once per session.
  Sessions that ended more than 30 days ago are left alone (too late to be worth a reminder).
Only active pairs of published cohorts are nudged. No email carries feedback text or ratings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, Feedback, Match, Meeting, Person
from mentoring.services import Conflict, NotFound
from mentoring.services.infra import audit, mail
from mentoring.services.usecases.meetings import ends_at, format_local, site_link

UNANSWERED_AFTER = timedelta(days=7)
FEEDBACK_AFTER = timedelta(days=3)
FEEDBACK_WINDOW = timedelta(days=30)
KINDS = ("nudge-stalled", "nudge-unanswered", "nudge-feedback")


@dataclass
class NudgeReport:
    """Nudges of each kind queued by this run, and emails sent (None: left to the job consumer)."""

    stalled: int = 0
    unanswered: int = 0
    feedback: int = 0
    delivered: int | None = 0

    @property
    def queued(self) -> int:
        """All nudges queued by this run."""
        return self.stalled + self.unanswered + self.feedback


def send_due_nudges(
    now: datetime | None = None, cohort_id: int | None = None, actor: Person | None = None
) -> NudgeReport:
    """Queue every nudge due at `now` (for one cohort or all), commit, then deliver pending email."""
    now = now or utcnow()
    if cohort_id is not None and db.session.get(Cohort, cohort_id) is None:
        raise NotFound("There is no such cohort.")
    for attempt in range(2):
        try:
            report = _queue_due(now, cohort_id)
            if actor is not None:
                audit.record(
                    "nudges.send",
                    actor=actor,
                    object_type="cohort",
                    object_id=cohort_id or "all",
                    detail=f"{report.queued} nudges queued",
                )
            db.session.commit()
            break
        except IntegrityError as exc:
            # Another run (cron and a manager's click) queued the same occasion first; the next pass skips it.
            db.session.rollback()
            if attempt:
                raise Conflict("Nudges are being sent by another run right now. Try again in a minute.") from exc
    # Inside the consumer (the hourly job) this delivery job simply follows; inline under HUEY_IMMEDIATE.
    report.delivered = mail.deliver_soon()
    return report


def _active_matches(cohort_id: int | None) -> list[Match]:
    query = (
        select(Match)
        .join(Cohort, Match.cohort_id == Cohort.id)
        .where(Match.status == "active", Cohort.status == "published")
        .order_by(Match.id)
    )
    if cohort_id is not None:
        query = query.where(Match.cohort_id == cohort_id)
    return list(db.session.execute(query).scalars())


def _queue_due(now: datetime, cohort_id: int | None) -> NudgeReport:
    report = NudgeReport()
    matches = _active_matches(cohort_id)
    for match in matches:
        report.stalled += _stalled(match, now)
    by_id = {m.id: m for m in matches}
    if by_id:
        report.unanswered += _unanswered(by_id, now)
        report.feedback += _feedback(by_id, now)
    return report


def _stalled(match: Match, now: datetime) -> int:
    last_held = db.session.execute(
        select(func.max(Meeting.starts_at)).where(Meeting.match_id == match.id, Meeting.status == "held")
    ).scalar_one_or_none()
    since = (last_held or match.published_at).date()
    days = (now.date() - since).days
    if days <= match.cohort.stall_days:
        return 0
    coming = db.session.execute(
        select(Meeting.id)
        .where(Meeting.match_id == match.id, Meeting.status.in_(("proposed", "accepted")), Meeting.starts_at > now)
        .limit(1)
    ).first()
    if coming is not None:
        return 0
    what = f"your last session on {since:%d %B %Y}" if last_held else f"you were paired on {since:%d %B %Y}"
    sent = 0
    for person in (match.leader, match.mentor):
        other = match.other(person.id)
        body = (
            f"It has been {days} days since {what} with {other.name}. Regular sessions are what make "
            "reverse mentoring work: propose a time that suits you both."
        )
        sent += _queue(
            f"stalled:{match.id}:{person.id}:{since.isoformat()}",
            "nudge-stalled",
            person,
            match,
            f"Time for your next session with {other.name}",
            body,
        )
    return sent


def _unanswered(matches: dict[int, Match], now: datetime) -> int:
    query = (
        select(Meeting)
        .where(
            Meeting.match_id.in_(list(matches)),
            Meeting.status == "proposed",
            Meeting.proposed_at < now - UNANSWERED_AFTER,
            Meeting.starts_at > now,
        )
        .order_by(Meeting.id)
    )
    sent = 0
    for meeting in db.session.execute(query).scalars():
        match = matches[meeting.match_id]
        if meeting.proposed_by_id not in (match.leader_id, match.mentor_id):
            continue
        proposer = db.session.get(Person, meeting.proposed_by_id)
        person = match.other(proposer.id)
        days = (now - meeting.proposed_at).days
        body = (
            f"{proposer.name} proposed a session on {format_local(meeting.starts_at, person.timezone)} "
            f"{days} days ago and is waiting for your answer. Accept it, or decline it and propose "
            "another time."
        )
        sent += _queue(
            f"unanswered:{meeting.id}",
            "nudge-unanswered",
            person,
            match,
            f"{proposer.name} is waiting for your answer",
            body,
        )
    return sent


def _feedback(matches: dict[int, Match], now: datetime) -> int:
    query = (
        select(Meeting)
        .where(
            Meeting.match_id.in_(list(matches)),
            Meeting.status == "held",
            Meeting.starts_at > now - FEEDBACK_WINDOW - timedelta(days=1),
        )
        .order_by(Meeting.id)
    )
    sent = 0
    for meeting in db.session.execute(query).scalars():
        match = matches[meeting.match_id]
        by_author: dict[int, Feedback] = {f.author_id: f for f in meeting.feedback}
        mentor_feedback = by_author.get(match.mentor_id)
        if mentor_feedback is None or match.leader_id in by_author:
            continue
        end = ends_at(meeting)
        if now - end > FEEDBACK_WINDOW or now - max(end, mentor_feedback.created_at) <= FEEDBACK_AFTER:
            continue
        leader = match.leader
        body = (
            f"{match.mentor.name} left feedback on your session of "
            f"{format_local(meeting.starts_at, leader.timezone)} and would value yours: a rating and a "
            "few words on what worked and what to try next. It takes five minutes."
        )
        sent += _queue(
            f"feedback:{meeting.id}",
            "nudge-feedback",
            leader,
            match,
            f"{match.mentor.name} is waiting for your feedback",
            body,
        )
    return sent


def _queue(occasion: str, kind: str, person: Person, match: Match, subject: str, body: str) -> int:
    link = site_link("sessions.pair", match_id=match.id)
    queued = mail.queue(
        occasion,
        kind,
        person,
        subject,
        f"Hello {person.name},\n\n{body}\n\n{link}\n",
        match_id=match.id,
        cohort_id=match.cohort_id,
    )
    return 0 if queued is None else 1
