"""The demo's finished cohort: matched and published by the real services, then months of sessions.

Pairs behave like real ones: most meet every few weeks, some fade and stall, one is rocky and asks
for a re-pair, leaders answer proposals more slowly than mentors, and feedback flows both ways.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import Cohort, Feedback, FitCheck, Goal, LeaderRequest, Match, MatchRun, Meeting, Person

WORKED = (
    "We rewrote my LinkedIn headline together and it finally sounds like me.",
    "Seeing real examples from my own feed made the analytics click.",
    "Recording a draft video on the spot took the fear out of it.",
    "Practising replies to a critical comment was useful; I feel calmer about it.",
    "We planned four posts for the month; I have already published two.",
    "Clear, patient explanations; I asked lots of basic questions and that was fine.",
    "We went through privacy settings on every account I have.",
)
TRY_NEXT = (
    "Try a short video instead of a text post next week.",
    "Block 20 minutes on Friday to answer comments.",
    "Share something personal, not only company news.",
    "Look at the engagement numbers before our next session.",
    "Join two conversations on Viva Engage that I did not start.",
    "Draft a post with an AI tool and then make it sound like me.",
)
MENTOR_WORKED = (
    "Great energy; came prepared with a post idea.",
    "Asked sharp questions about why some posts reach more people.",
    "Opened up about what feels awkward online; that helped us focus.",
    "Published the post we drafted the same afternoon.",
)
PRIVATE_NOTES = (
    "Remember to bring the analytics export next time.",
    "Felt rushed today; suggest a longer slot.",
    "Ask about the all-hands video they mentioned.",
)
PATTERNS = ("steady", "steady", "steady", "steady", "fading", "fading", "late", "rocky")


def run_spring_cohort(cohort_id: int, manager_id: int, now: datetime, seed: int) -> tuple[int, int]:
    """Match and publish the finished cohort through the real services, then add its session history."""
    from mentoring.services.usecases import publishing

    manager = db.session.get(Person, manager_id)
    cohort = db.session.get(Cohort, cohort_id)
    published_at = datetime.combine(cohort.starts_on, datetime.min.time(), tzinfo=now.tzinfo)
    run = _run_with_the_demo_mentor(cohort_id, manager, published_at - timedelta(days=3))
    publishing.publish(manager, cohort_id, now=published_at)
    rng = random.Random(seed + 1)
    matches = list(
        db.session.execute(
            select(Match).where(Match.cohort_id == cohort_id).order_by(Match.leader_id, Match.mentor_id)
        ).scalars()
    )
    sessions = 0
    for index, match in enumerate(matches):
        pattern = "rocky" if index == 1 else PATTERNS[rng.randrange(len(PATTERNS))]
        sessions += _pair_history(match, pattern, published_at, now, rng)
    _pending_proposal(matches[0], now)
    db.session.commit()
    return len(run.pairs), sessions


DEMO_MENTOR = "mentor@demo.example"


def _run_with_the_demo_mentor(cohort_id: int, manager: Person, when: datetime) -> MatchRun:
    """Match the cohort so that the demo mentor's login has a leader: if the optimum leaves them out, a
    manager pins them to a leader they may mentor (the lowest-scoring pair first), as a manager would."""
    from mentoring.services import ServiceError
    from mentoring.services.usecases import matching_runs, pair_rules

    mentor_id = db.session.execute(select(Person.id).where(Person.email == DEMO_MENTOR)).scalar_one()
    run = matching_runs.run_matching(cohort_id, manager, now=when)
    if any(pair.mentor_id == mentor_id for pair in run.pairs):
        return run
    for leader_id in [p.leader_id for p in sorted(run.pairs, key=lambda p: (p.score, p.leader_id))]:
        rule = pair_rules.set_pair_rule(manager, cohort_id, leader_id, mentor_id, "pin")
        try:
            run = matching_runs.run_matching(cohort_id, manager, now=when)
        except ServiceError:  # the pin breaks a rule for this leader: try the next one
            pair_rules.remove_pair_rule(manager, cohort_id, rule.id)
            continue
        if any(pair.mentor_id == mentor_id for pair in run.pairs):
            return run
        pair_rules.remove_pair_rule(manager, cohort_id, rule.id)
    return run


def _goal_skill_ids(match: Match) -> list[int]:
    query = (
        select(Goal.skill_id)
        .join(LeaderRequest, Goal.request_id == LeaderRequest.id)
        .where(LeaderRequest.cohort_id == match.cohort_id, LeaderRequest.person_id == match.leader_id)
        .order_by(Goal.priority.desc(), Goal.skill_id)
    )
    return list(db.session.execute(query).scalars())


def _pair_history(match: Match, pattern: str, start: datetime, now: datetime, rng: random.Random) -> int:
    skills = _goal_skill_ids(match)
    day = start + timedelta(days=rng.randint(5, 12) + (40 if pattern == "late" else 0))
    held = 0
    created = 0
    while day < now - timedelta(days=1):
        if pattern == "fading" and held >= rng.choice([2, 3]):
            break
        status, cancelled_by = _outcome(pattern, match, rng)
        meeting = _meeting(
            match,
            working_hours_start(match, day, rng),
            status,
            cancelled_by,
            rng.sample(skills, min(len(skills), rng.choice([1, 1, 2]))),
            rng,
        )
        created += 1
        if status == "held":
            held += 1
            _feedback(meeting, match, pattern, rng)
            if held == 1:
                _fit_checks(match, meeting.starts_at, pattern)
        day += timedelta(days=rng.randint(12, 24))
    if pattern == "steady" and rng.random() < 0.6:
        upcoming = now + timedelta(days=rng.randint(2, 9))
        _meeting(match, working_hours_start(match, upcoming, rng), "accepted", None, skills[:1], rng)
        created += 1
    return created


WORKDAY = (9, 17)  # local hours in which both people of a pair can meet
STRETCHED = ((9, 17), (8, 18), (7, 19))  # for pairs whose zones share no 9-to-5 hour, a longer day
LONGEST_SESSION = timedelta(minutes=60)


def _local(moment: datetime, zone: str | None) -> datetime:
    try:
        return moment.astimezone(ZoneInfo(zone)) if zone else moment
    except (KeyError, ValueError):
        return moment


def in_working_hours(
    start: datetime, zone: str | None, length: timedelta = LONGEST_SESSION, day: tuple[int, int] = WORKDAY
) -> bool:
    """Whether a session from `start` lies within a weekday's working hours (`day`, local) in `zone`."""
    begin, end = _local(start, zone), _local(start + length, zone)
    return (
        begin.weekday() < 5
        and begin.date() == end.date()
        and begin.hour >= day[0]
        and (end.hour, end.minute) <= (day[1], 0)
    )


def working_hours_start(match: Match, day: datetime, rng: random.Random) -> datetime:
    """A start on `day` or the next weekdays (UTC, on the half hour) within both people's working hours,
    stretched to 8-18 or 7-19 local only for pairs whose zones share no 9-to-5 hour."""
    zones = (match.leader.timezone, match.mentor.timezone)
    for hours in STRETCHED:
        for offset in range(7):
            base = (day + timedelta(days=offset)).replace(minute=0, second=0, microsecond=0)
            fits = [
                start
                for start in (base.replace(hour=h) + timedelta(minutes=m) for h in range(24) for m in (0, 30))
                if all(in_working_hours(start, zone, day=hours) for zone in zones)
            ]
            if fits:
                return rng.choice(fits)
    # No shared working hours at all (zones far apart): the leader's morning.
    morning = _local(day, match.leader.timezone).replace(hour=WORKDAY[0], minute=0, second=0, microsecond=0)
    return morning.astimezone(day.tzinfo)


def _outcome(pattern: str, match: Match, rng: random.Random) -> tuple[str, int | None]:
    roll = rng.random()
    leader_cancels = 0.45 if pattern == "rocky" else 0.12
    if roll < leader_cancels:
        return "cancelled", match.leader_id
    if roll < leader_cancels + 0.05:
        return "cancelled", match.mentor_id
    if roll < leader_cancels + 0.08:
        return "missed", None
    return "held", None


def _meeting(
    match: Match, starts_at: datetime, status: str, cancelled_by: int | None, skills: list[int], rng: random.Random
) -> Meeting:
    by_mentor = rng.random() < 0.6
    proposed_at = starts_at - timedelta(days=rng.randint(5, 14), hours=rng.randint(0, 8))
    # Leaders answer more slowly than mentors: that is the response time managers watch.
    hours = rng.lognormvariate(3.0, 0.8) if by_mentor else rng.lognormvariate(1.5, 0.7)
    answered_at = proposed_at + timedelta(hours=min(hours, 150))
    meeting = Meeting(
        match_id=match.id,
        proposed_by_id=match.mentor_id if by_mentor else match.leader_id,
        starts_at=starts_at,
        duration_minutes=rng.choice([30, 45, 60, 60]),
        format=rng.choice(["remote", "remote", "in-person"]),
        skills=skills,
        status=status,
        proposed_at=proposed_at,
        answered_at=answered_at,
        answered_by_id=match.leader_id if by_mentor else match.mentor_id,
        cancelled_by_id=cancelled_by,
        logged_at=starts_at + timedelta(hours=2) if status in ("held", "cancelled", "missed") else None,
    )
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _feedback(meeting: Meeting, match: Match, pattern: str, rng: random.Random) -> None:
    low = pattern == "rocky"
    leader_rating = rng.choice([2, 3]) if low else rng.choice([4, 4, 5, 5, 3])
    mentor_rating = rng.choice([2, 3]) if low else rng.choice([4, 5, 5])
    at = meeting.starts_at + timedelta(hours=rng.randint(3, 48))
    if rng.random() < 0.85:
        db.session.add(
            Feedback(
                meeting_id=meeting.id,
                author_id=match.leader_id,
                rating=leader_rating,
                what_worked=rng.choice(WORKED),
                try_next=rng.choice(TRY_NEXT),
                visibility=rng.choice(["pair", "manager"]),
                private_note=rng.choice(PRIVATE_NOTES) if rng.random() < 0.3 else "",
                created_at=at,
            )
        )
    if rng.random() < 0.9:
        db.session.add(
            Feedback(
                meeting_id=meeting.id,
                author_id=match.mentor_id,
                rating=mentor_rating,
                what_worked=rng.choice(MENTOR_WORKED),
                try_next=rng.choice(TRY_NEXT),
                visibility=rng.choice(["pair", "manager"]),
                private_note=rng.choice(PRIVATE_NOTES) if rng.random() < 0.3 else "",
                created_at=at,
            )
        )


def _fit_checks(match: Match, first_held: datetime, pattern: str) -> None:
    at = first_held + timedelta(days=1)
    db.session.add(FitCheck(match_id=match.id, person_id=match.leader_id, good_fit=True, answered_at=at))
    db.session.add(FitCheck(match_id=match.id, person_id=match.mentor_id, good_fit=pattern != "rocky", answered_at=at))


def _pending_proposal(match: Match, now: datetime) -> None:
    # A mentor's proposal the leader has left unanswered for nine days: a nudge is due.
    proposed_at = now - timedelta(days=9)
    db.session.add(
        Meeting(
            match_id=match.id,
            proposed_by_id=match.mentor_id,
            starts_at=working_hours_start(match, now + timedelta(days=4), random.Random(match.id)),
            duration_minutes=45,
            format="remote",
            skills=_goal_skill_ids(match)[:1],
            status="proposed",
            proposed_at=proposed_at,
        )
    )
