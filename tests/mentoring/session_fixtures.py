"""Fixtures shared by the session, feedback, nudge and health tests: published pairs and their sessions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from mentoring.extensions import db
from mentoring.models import Feedback, FitCheck, Match, Meeting


@pytest.fixture
def make_pair(make_cohort: Callable, make_leader: Callable, make_mentor: Callable) -> Callable[..., Match]:
    """A published, active pair: `goals` as for make_leader; `leader`/`mentor` are column overrides."""

    def make(
        goals: list[tuple[str, int, int]] | None = None,
        cohort: object = None,
        published_at: datetime | None = None,
        leader: dict | None = None,
        mentor: dict | None = None,
        leader_person: object = None,
        mentor_person: object = None,
        **cohort_cols: object,
    ) -> Match:
        cohort = cohort or make_cohort(status="published", **cohort_cols)
        goals = goals or [("linkedin/personal-branding", 3, 3), ("tiktok/short-video", 2, 2)]
        leader_person = leader_person or make_leader(cohort, goals=goals, **(leader or {}))
        mentor_person = mentor_person or make_mentor(cohort=cohort, **(mentor or {}))
        match = Match(
            cohort_id=cohort.id,
            leader_id=leader_person.id,
            mentor_id=mentor_person.id,
            status="active",
            published_at=published_at or datetime.now(UTC) - timedelta(days=10),
        )
        db.session.add(match)
        db.session.commit()
        return match

    return make


@pytest.fixture
def add_meeting(skills: dict[str, int]) -> Callable[..., Meeting]:
    """A session row as it would be after the pages were used (for dashboard and nudge tests)."""

    def add(
        match: Match,
        starts_at: datetime,
        status: str = "held",
        proposed_by: str = "mentor",
        answer_hours: float | None = 2.0,
        cancelled_by: str | None = None,
        minutes: int = 60,
        skill_keys: tuple[str, ...] = ("linkedin/personal-branding",),
        ratings: dict[str, int] | None = None,
        proposed_at: datetime | None = None,
        texts: dict[str, dict] | None = None,
    ) -> Meeting:
        proposer = match.mentor_id if proposed_by == "mentor" else match.leader_id
        answerer = match.leader_id if proposed_by == "mentor" else match.mentor_id
        proposed_at = proposed_at or starts_at - timedelta(days=5)
        meeting = Meeting(
            match_id=match.id,
            proposed_by_id=proposer,
            starts_at=starts_at,
            duration_minutes=minutes,
            format="remote",
            skills=sorted(skills[k] for k in skill_keys),
            status=status,
            proposed_at=proposed_at,
            answered_at=None if answer_hours is None else proposed_at + timedelta(hours=answer_hours),
            answered_by_id=None if answer_hours is None else answerer,
            cancelled_by_id={"leader": match.leader_id, "mentor": match.mentor_id}.get(cancelled_by or ""),
        )
        db.session.add(meeting)
        db.session.flush()
        for side, rating in (ratings or {}).items():
            text = (texts or {}).get(side, {})
            db.session.add(
                Feedback(
                    meeting_id=meeting.id,
                    author_id=getattr(match, f"{side}_id"),
                    rating=rating,
                    what_worked=text.get("what_worked", ""),
                    try_next=text.get("try_next", ""),
                    visibility=text.get("visibility", "pair"),
                    private_note=text.get("private_note", ""),
                    created_at=starts_at + timedelta(hours=3),
                )
            )
        db.session.commit()
        return meeting

    return add


@pytest.fixture
def add_fit(app: object) -> Callable[..., FitCheck]:
    """One side's fit-check answer."""

    def add(match: Match, side: str, good_fit: bool) -> FitCheck:
        check = FitCheck(match_id=match.id, person_id=getattr(match, f"{side}_id"), good_fit=good_fit)
        db.session.add(check)
        db.session.commit()
        return check

    return add
