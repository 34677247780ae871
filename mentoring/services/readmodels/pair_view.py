"""What one reader may see of a pair's sessions and feedback: read models for the pages.

Feedback reaches a template only as a FeedbackView built for its reader, so a private note or text
not shared with the reader is never handed to a page in the first place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, Feedback, Match, Meeting, Person, Skill
from mentoring.services.usecases import meetings

AUTHOR, PARTNER, MANAGER = "author", "partner", "manager"


@dataclass(frozen=True)
class FeedbackView:
    """One side's feedback as a given reader may see it; text fields are empty when not shared with them."""

    author_name: str
    author_role: str
    rating: int
    what_worked: str
    try_next: str
    visibility: str
    private_note: str
    text_shared: bool
    by_reader: bool


def feedback_for(feedback: Feedback, match: Match, reader: str) -> FeedbackView:
    """The feedback as `reader` (author, partner or manager) may see it."""
    # Both visibilities include the pair; only "manager" adds the programme manager.
    shared = reader in (AUTHOR, PARTNER) or feedback.visibility == "manager"
    return FeedbackView(
        author_name=feedback.author.name,
        author_role="leader" if feedback.author_id == match.leader_id else "mentor",
        rating=feedback.rating,
        what_worked=feedback.what_worked if shared else "",
        try_next=feedback.try_next if shared else "",
        visibility=feedback.visibility,
        private_note=feedback.private_note if reader == AUTHOR else "",
        text_shared=shared,
        by_reader=reader == AUTHOR,
    )


@dataclass
class MeetingView:
    """A session as one of the pair sees it, with what they may do next."""

    meeting: Meeting
    skills: list[str]
    proposed_by_me: bool
    stage: str  # to-answer, waiting, planned, to-log, expired, done
    cancelled_by_name: str = ""
    my_feedback: FeedbackView | None = None
    their_feedback: FeedbackView | None = None
    actions: set[str] = field(default_factory=set)  # accept, decline, cancel, log, feedback, invite


@dataclass(frozen=True)
class GoalView:
    """One of the leader's goals and whether a held session covered it."""

    skill_id: int
    name: str
    priority: str
    covered: bool


@dataclass
class PairView:
    """One pair's sessions, goals, feedback and fit check, as one of its two people sees them."""

    match: Match
    me: Person
    partner: Person
    my_role: str
    is_open: bool
    goals: list[GoalView]
    to_answer: list[MeetingView]
    upcoming: list[MeetingView]
    to_log: list[MeetingView]
    past: list[MeetingView]
    held: int
    fit_check_open: bool
    my_fit: bool | None

    @property
    def covered(self) -> int:
        """How many goals a held session covered."""
        return sum(goal.covered for goal in self.goals)


def _stage(meeting: Meeting, me: int, now: datetime) -> str:
    started = meeting.starts_at <= now
    if meeting.status == "proposed":
        if started:
            return "expired"
        return "waiting" if meeting.proposed_by_id == me else "to-answer"
    if meeting.status == "accepted":
        return "to-log" if started else "planned"
    return "done"


def _actions(meeting: Meeting, stage: str, proposed_by_me: bool, open_pair: bool) -> set[str]:
    if not open_pair:
        return {"invite"} if meeting.status == "accepted" else set()
    by_stage = {
        "to-answer": {"accept", "decline"},
        "waiting": {"cancel"},
        "expired": set() if proposed_by_me else {"decline"},
        "planned": {"cancel", "invite"},
        "to-log": {"log", "invite"},
        "done": {"feedback"} if meeting.status == "held" else set(),
    }
    return set(by_stage[stage])


def meeting_view(
    meeting: Meeting, match: Match, me: Person, now: datetime, open_pair: bool, names: dict[int, str]
) -> MeetingView:
    """A session as `me` (one of the pair) sees it."""
    proposed_by_me = meeting.proposed_by_id == me.id
    stage = _stage(meeting, me.id, now)
    view = MeetingView(
        meeting=meeting,
        skills=[names[i] for i in meeting.skills if i in names],
        proposed_by_me=proposed_by_me,
        stage=stage,
        actions=_actions(meeting, stage, proposed_by_me, open_pair),
    )
    if meeting.cancelled_by_id is not None:
        view.cancelled_by_name = "you" if meeting.cancelled_by_id == me.id else match.other(me.id).name
    for feedback in meeting.feedback:
        if feedback.author_id == me.id:
            view.my_feedback = feedback_for(feedback, match, AUTHOR)
        else:
            view.their_feedback = feedback_for(feedback, match, PARTNER)
    return view


def _skill_names() -> dict[int, str]:
    return dict(db.session.execute(select(Skill.id, Skill.name)).all())


def build_pair_view(me: Person, match: Match, now: datetime, names: dict[int, str] | None = None) -> PairView:
    """The pair page's content for one of its two people."""
    names = names if names is not None else _skill_names()
    open_pair = meetings.is_open(match)
    query = (
        select(Meeting)
        .where(Meeting.match_id == match.id)
        .order_by(Meeting.starts_at, Meeting.id)
        .options(selectinload(Meeting.feedback).selectinload(Feedback.author))
    )
    views = [meeting_view(m, match, me, now, open_pair, names) for m in db.session.execute(query).scalars()]
    held = [v.meeting for v in views if v.meeting.status == "held"]
    covered_ids = {skill_id for m in held for skill_id in m.skills}
    goals = [
        GoalView(skill_id=g.skill_id, name=g.skill.name, priority=g.priority_label, covered=g.skill_id in covered_ids)
        for g in meetings.pair_goals(match)
    ]
    by_stage: dict[str, list[MeetingView]] = {}
    for view in views:
        by_stage.setdefault(view.stage, []).append(view)
    past = sorted(
        by_stage.get("done", []) + by_stage.get("expired", []),
        key=lambda v: (v.meeting.starts_at, v.meeting.id),
        reverse=True,
    )
    return PairView(
        match=match,
        me=me,
        partner=match.other(me.id),
        my_role="leader" if match.leader_id == me.id else "mentor",
        is_open=open_pair,
        goals=goals,
        to_answer=by_stage.get("to-answer", []),
        upcoming=sorted(
            by_stage.get("planned", []) + by_stage.get("waiting", []), key=lambda v: (v.meeting.starts_at, v.meeting.id)
        ),
        to_log=by_stage.get("to-log", []),
        past=past,
        held=len(held),
        fit_check_open=open_pair and bool(held),
        my_fit=meetings.fit_answer(me.id, match.id),
    )


def pair_view(me: Person, match_id: int, now: datetime | None = None) -> PairView:
    """One pair's page for one of its two people; NotFound for anyone else."""
    match = meetings.pair_of(me.id, match_id)
    return build_pair_view(me, match, now or utcnow())


def my_pairs(me: Person, now: datetime | None = None) -> list[PairView]:
    """The person's active pairs in published cohorts, as "my sessions" shows them."""
    now = now or utcnow()
    query = (
        select(Match)
        .join(Cohort, Match.cohort_id == Cohort.id)
        .where(
            (Match.leader_id == me.id) | (Match.mentor_id == me.id),
            Match.status == "active",
            Cohort.status == "published",
        )
        .order_by(Match.published_at.desc(), Match.id)
    )
    names = _skill_names()
    return [build_pair_view(me, match, now, names) for match in db.session.execute(query).scalars()]


def feedback_form_context(me: Person, meeting_id: int, now: datetime | None = None) -> tuple[MeetingView, Match]:
    """The session a feedback form is about, as its author sees it; NotFound for anyone else."""
    meeting = meetings.meeting_of(me.id, meeting_id)
    match = meeting.match
    return meeting_view(meeting, match, me, now or utcnow(), meetings.is_open(match), _skill_names()), match
