"""Sessions of a published pair: propose, answer, cancel, log, feedback and the fit check.

Each public function is one use case: it checks that the person belongs to the pair (NotFound
otherwise, so ids of other pairs reveal nothing), changes the rows, queues the emails, commits, and
then delivers the emails. Feedback text never goes into an email.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import func, select

from mentoring.database import locked, utcnow
from mentoring.extensions import db
from mentoring.models import Feedback, FitCheck, Goal, LeaderRequest, Match, Meeting, Person, Skill
from mentoring.models.meetings import FEEDBACK_TEXT_MAX, VISIBILITIES
from mentoring.models.people import FORMATS
from mentoring.services import Conflict, InvalidField, NotFound, unit_of_work
from mentoring.services.infra import mail

DURATION_MIN = 15
DURATION_MAX = 240
PROPOSE_AHEAD = timedelta(days=366)
MAX_OPEN_PROPOSALS = 10  # per pair: enough for a term of sessions, too few to flood a partner
OUTCOMES = ("held", "cancelled-by-me", "cancelled-by-them", "missed")
VIEWABLE_COHORTS = ("published", "closed")
FORMAT_LABELS = {"remote": "remote", "in-person": "in person"}


# ---------------------------------------------------------------- time zones and links


def zone_of(tz_name: str | None) -> ZoneInfo:
    """The person's time zone, UTC when unset or unknown."""
    try:
        return ZoneInfo(tz_name) if tz_name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_to_utc(local: datetime, tz_name: str | None) -> datetime:
    """A wall-clock time in the person's zone as UTC; InvalidField for a time skipped by a clock change."""
    zone = zone_of(tz_name)
    try:
        aware = local.replace(tzinfo=zone)
        in_utc = aware.astimezone(UTC)
        round_trip = in_utc.astimezone(zone).replace(tzinfo=None)
    except (OverflowError, ValueError) as exc:
        raise InvalidField("date", "Choose a date within the next year.") from exc
    if round_trip != local.replace(tzinfo=None):
        raise InvalidField(
            "time", f"{local:%H:%M} does not exist on that day in {zone.key}: the clocks change. Choose another time."
        )
    return in_utc


def format_local(moment: datetime, tz_name: str | None, with_zone: bool = True) -> str:
    """A UTC moment as the person reads it, e.g. "Mon 12 Apr 2027, 14:00 (Europe/London)"."""
    zone = zone_of(tz_name)
    local = moment.astimezone(zone)
    text = f"{local:%a} {local.day} {local:%b %Y, %H:%M}"
    return f"{text} ({zone.key})" if with_zone else text


def site_link(endpoint: str, **values: object) -> str:
    """A link for an email: SITE_URL (if configured) plus the page's path; works without a request."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    path = adapter.build(endpoint, values)
    return (current_app.config.get("SITE_URL") or "").rstrip("/") + path


# ---------------------------------------------------------------- lookups


def pair_of(person_id: int, match_id: int, lock: bool = False) -> Match:
    """The published pair `match_id` if the person is one of its two people; NotFound otherwise.

    With `lock`, the pair's row stays locked until the transaction ends (see database.locked).
    """
    match = db.session.get(Match, match_id, with_for_update=lock or None)
    if match is None or not match.includes(person_id) or match.cohort.status not in VIEWABLE_COHORTS:
        raise NotFound("There is no such pair among yours.")
    return match


def meeting_of(person_id: int, meeting_id: int, lock: bool = False) -> Meeting:
    """The session `meeting_id` if the person belongs to its pair; NotFound otherwise."""
    query = select(Meeting).where(Meeting.id == meeting_id)
    if lock:
        query = locked(query)
    meeting = db.session.execute(query).scalar_one_or_none()
    if meeting is None:
        raise NotFound("There is no such session among yours.")
    pair_of(person_id, meeting.match_id)
    return meeting


def is_open(match: Match) -> bool:
    """Whether the pair can still plan and log sessions (active, in a published cohort)."""
    return match.status == "active" and match.cohort.status == "published"


def _require_open(match: Match) -> None:
    if not is_open(match):
        raise Conflict("This pair has ended: its sessions can be read but no longer changed.")


def pair_goals(match: Match) -> list[Goal]:
    """The leader's goals for this pair's cohort, most important first."""
    query = (
        select(Goal)
        .join(LeaderRequest, Goal.request_id == LeaderRequest.id)
        .join(Skill, Goal.skill_id == Skill.id)
        .where(LeaderRequest.cohort_id == match.cohort_id, LeaderRequest.person_id == match.leader_id)
        .order_by(Goal.priority.desc(), Skill.name)
    )
    return list(db.session.execute(query).scalars())


def held_count(match_id: int) -> int:
    """How many sessions of the pair were held."""
    query = select(func.count(Meeting.id)).where(Meeting.match_id == match_id, Meeting.status == "held")
    return db.session.execute(query).scalar_one()


def skill_names(skill_ids: list[int]) -> list[str]:
    """The names of these skills, in the given order (unknown ids left out)."""
    if not skill_ids:
        return []
    names = dict(db.session.execute(select(Skill.id, Skill.name).where(Skill.id.in_(skill_ids))).all())
    return [names[i] for i in skill_ids if i in names]


def ends_at(meeting: Meeting) -> datetime:
    """When the session ends."""
    return meeting.starts_at + timedelta(minutes=meeting.duration_minutes)


# ---------------------------------------------------------------- propose and answer


def propose(
    person: Person,
    match_id: int,
    starts_local: datetime,
    duration_minutes: int,
    meeting_format: str,
    skill_ids: list[int],
    now: datetime | None = None,
) -> Meeting:
    """Propose a session at a wall-clock time in the proposer's time zone; the partner is told by email."""
    now = now or utcnow()
    # Locked: two proposals at once must not both pass the clash and open-proposal checks.
    match = pair_of(person.id, match_id, lock=True)
    _require_open(match)
    if not DURATION_MIN <= duration_minutes <= DURATION_MAX:
        raise InvalidField("duration", f"A session lasts {DURATION_MIN} to {DURATION_MAX} minutes.")
    if meeting_format not in FORMATS:
        raise InvalidField("format", "Choose remote or in person.")
    starts_at = local_to_utc(starts_local, person.timezone)
    if starts_at <= now:
        raise InvalidField("date", "Choose a time in the future.")
    if starts_at > now + PROPOSE_AHEAD:
        raise InvalidField("date", "Choose a date within the next year.")
    goal_ids = [goal.skill_id for goal in pair_goals(match)]
    chosen = sorted(set(skill_ids))
    if any(skill_id not in goal_ids for skill_id in chosen):
        raise InvalidField("skills", "Choose skills from the leader's goals.")
    if goal_ids and not chosen:
        raise InvalidField("skills", "Choose at least one of the leader's goals to work on.")
    _check_no_clash(match.id, starts_at, duration_minutes, now)
    meeting = Meeting(
        match_id=match.id,
        proposed_by_id=person.id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        format=meeting_format,
        skills=chosen,
        status="proposed",
        proposed_at=now,
    )
    db.session.add(meeting)
    db.session.flush()
    other = match.other(person.id)
    _notify(
        other,
        meeting,
        "meeting-proposed",
        f"{person.name} proposed a mentoring session",
        f"{person.name} proposed a reverse-mentoring session.\n\n{_details(meeting, other)}\n\n"
        "Accept or decline it on the pair's page:",
    )
    _commit_and_deliver()
    return meeting


def _check_no_clash(match_id: int, starts_at: datetime, minutes: int, now: datetime) -> None:
    query = select(Meeting).where(Meeting.match_id == match_id, Meeting.status.in_(("proposed", "accepted")))
    open_meetings = [m for m in db.session.execute(query).scalars() if ends_at(m) > now]
    if len([m for m in open_meetings if m.status == "proposed"]) >= MAX_OPEN_PROPOSALS:
        raise Conflict(f"This pair already has {MAX_OPEN_PROPOSALS} proposals waiting for an answer.")
    end = starts_at + timedelta(minutes=minutes)
    for other in open_meetings:
        if other.starts_at < end and ends_at(other) > starts_at:
            raise InvalidField("time", "This overlaps another session of yours that is proposed or planned.")


def answer(person: Person, meeting_id: int, accept: bool, now: datetime | None = None) -> Meeting:
    """Accept or decline a proposal made by the partner; records when and by whom it was answered."""
    now = now or utcnow()
    meeting = meeting_of(person.id, meeting_id, lock=True)
    _require_open(meeting.match)
    if meeting.status != "proposed":
        raise Conflict("This proposal has already been answered or withdrawn.")
    if meeting.proposed_by_id == person.id:
        raise Conflict("You proposed this session: your partner answers it.")
    if accept and meeting.starts_at <= now:
        raise Conflict("The proposed time has passed. Decline it and propose a new time.")
    meeting.status = "accepted" if accept else "declined"
    meeting.answered_at = now
    meeting.answered_by_id = person.id
    other = meeting.match.other(person.id)
    verb = "accepted" if accept else "declined"
    _notify(
        other,
        meeting,
        f"meeting-{verb}",
        f"{person.name} {verb} your proposed session",
        f"{person.name} {verb} the session you proposed.\n\n{_details(meeting, other)}\n\nSee your sessions:",
    )
    _commit_and_deliver()
    return meeting


def cancel(person: Person, meeting_id: int, now: datetime | None = None) -> Meeting:
    """Call off a session before it starts: the proposer withdraws a proposal, either cancels a planned one."""
    now = now or utcnow()
    meeting = meeting_of(person.id, meeting_id, lock=True)
    _require_open(meeting.match)
    if meeting.status not in ("proposed", "accepted"):
        raise Conflict("Only a proposed or planned session can be cancelled.")
    if meeting.status == "proposed" and meeting.proposed_by_id != person.id:
        raise Conflict("Your partner proposed this session: decline it instead.")
    if meeting.starts_at <= now:
        raise Conflict("This session has started: log what happened instead.")
    meeting.status = "cancelled"
    meeting.cancelled_by_id = person.id
    meeting.logged_at = now
    other = meeting.match.other(person.id)
    _notify(
        other,
        meeting,
        "meeting-cancelled",
        f"{person.name} cancelled a mentoring session",
        f"{person.name} cancelled this session.\n\n{_details(meeting, other)}\n\nPropose a new time:",
    )
    _commit_and_deliver()
    return meeting


def log_outcome(person: Person, meeting_id: int, outcome: str, now: datetime | None = None) -> Meeting:
    """Record what became of a planned session once it has started: held, cancelled (by whom) or missed."""
    now = now or utcnow()
    meeting = meeting_of(person.id, meeting_id, lock=True)
    _require_open(meeting.match)
    if outcome not in OUTCOMES:
        raise InvalidField("outcome", "Choose what happened.")
    if meeting.status in ("held", "cancelled", "missed"):
        raise Conflict(f"This session is already logged as {meeting.status}.")
    if meeting.status != "accepted":
        raise Conflict("Only a session your partner accepted can be logged.")
    if meeting.starts_at > now:
        raise Conflict("This session has not started yet. To call it off, cancel it.")
    other = meeting.match.other(person.id)
    if outcome.startswith("cancelled"):
        meeting.status = "cancelled"
        meeting.cancelled_by_id = person.id if outcome == "cancelled-by-me" else other.id
    else:
        meeting.status = outcome
    meeting.logged_at = now
    if meeting.status == "held":
        _notify(
            other,
            meeting,
            "meeting-held",
            "How did your mentoring session go?",
            f"{person.name} logged your session as held.\n\n{_details(meeting, other)}\n\n"
            "Leave your feedback (a rating and a few words) on the pair's page:",
        )
    _commit_and_deliver()
    return meeting


# ---------------------------------------------------------------- feedback and fit check


def leave_feedback(
    person: Person,
    meeting_id: int,
    rating: int,
    what_worked: str,
    try_next: str,
    visibility: str,
    private_note: str = "",
    now: datetime | None = None,
) -> Feedback:
    """Give (or edit) one's feedback on a held session; the partner is told by email, without the text."""
    now = now or utcnow()
    meeting = meeting_of(person.id, meeting_id, lock=True)
    _require_open(meeting.match)
    if meeting.status != "held":
        raise Conflict("Feedback opens once the session is logged as held.")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidField("rating", "Choose a rating from 1 to 5.")
    if visibility not in VISIBILITIES:
        raise InvalidField("visibility", "Choose who may read your feedback.")
    for field, text in (("what_worked", what_worked), ("try_next", try_next), ("private_note", private_note)):
        if len(text or "") > FEEDBACK_TEXT_MAX:
            raise InvalidField(field, f"Keep this to {FEEDBACK_TEXT_MAX} characters.")
    feedback = next((f for f in meeting.feedback if f.author_id == person.id), None)
    first_time = feedback is None
    # The same person saving from two windows at once: the unique key answers like a second save would.
    with unit_of_work(Conflict("Your feedback was just saved from another window. Reload the page.")):
        if feedback is None:
            feedback = Feedback(meeting_id=meeting.id, author_id=person.id, created_at=now)
            db.session.add(feedback)
        feedback.rating = rating
        feedback.what_worked = (what_worked or "").strip()
        feedback.try_next = (try_next or "").strip()
        feedback.visibility = visibility
        feedback.private_note = (private_note or "").strip()
        db.session.flush()
        if first_time:
            other = meeting.match.other(person.id)
            _notify(
                other,
                meeting,
                "feedback-received",
                f"{person.name} left feedback on your session",
                f"{person.name} left feedback on your session of "
                f"{format_local(meeting.starts_at, other.timezone)}.\n\nRead what they shared, "
                "and leave yours, on the pair's page:",
                occasion=f"feedback-received:{feedback.id}",
            )
    mail.deliver_pending()
    return feedback


def answer_fit_check(person: Person, match_id: int, good_fit: bool, now: datetime | None = None) -> FitCheck:
    """Answer (or change) "is this a good fit?" once the pair has held a session; "no" flags the pair."""
    now = now or utcnow()
    match = pair_of(person.id, match_id)
    _require_open(match)
    if held_count(match.id) == 0:
        raise Conflict("The fit check opens after your first session together.")
    query = select(FitCheck).where(FitCheck.match_id == match.id, FitCheck.person_id == person.id)
    check = db.session.execute(locked(query)).scalar_one_or_none()
    with unit_of_work(Conflict("Your answer was just saved from another window. Reload the page.")):
        if check is None:
            check = FitCheck(match_id=match.id, person_id=person.id)
            db.session.add(check)
        check.good_fit = bool(good_fit)
        check.answered_at = now
    return check


def fit_answer(person_id: int, match_id: int) -> bool | None:
    """The person's fit-check answer for the pair, or None if not answered."""
    query = select(FitCheck.good_fit).where(FitCheck.match_id == match_id, FitCheck.person_id == person_id)
    return db.session.execute(query).scalar_one_or_none()


# ---------------------------------------------------------------- email helpers


def _details(meeting: Meeting, reader: Person) -> str:
    skills = ", ".join(skill_names(list(meeting.skills))) or "to be agreed"
    return (
        f"When: {format_local(meeting.starts_at, reader.timezone)}, {meeting.duration_minutes} minutes\n"
        f"Format: {FORMAT_LABELS.get(meeting.format, meeting.format)}\nSkills: {skills}"
    )


def _notify(person: Person, meeting: Meeting, kind: str, subject: str, body: str, occasion: str | None = None) -> None:
    link = site_link("sessions.pair", match_id=meeting.match_id)
    mail.queue(
        occasion or f"{kind}:{meeting.id}",
        kind,
        person,
        subject,
        f"Hello {person.name},\n\n{body}\n{link}\n",
        match_id=meeting.match_id,
        cohort_id=meeting.match.cohort_id,
    )


def _commit_and_deliver() -> None:
    db.session.commit()
    mail.deliver_pending()
