"""Fixtures of the programme manager tests: a small cohort with predictable pairs, flash reading, outbox count."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from mentoring.extensions import db
from mentoring.models import FitCheck, Match, Notification

# Two goal skills with one expert mentor each, so the optimal pairs are known in advance.
BRANDING, VIDEO, ANALYTICS = "linkedin/personal-branding", "instagram/short-video", "youtube/analytics"


@dataclass
class Programme:
    """A cohort with a manager, mentors and leaders whose best pairs are leader[i] with mentor[i]."""

    cohort: Any
    manager: Any
    mentors: list[Any]
    leaders: list[Any]


@pytest.fixture
def programme(make_cohort, make_manager, make_mentor, make_leader) -> Programme:
    """Three leaders, each wanting one skill that exactly one mentor (capacity 1) teaches."""
    cohort = make_cohort(name="Spring 2027")
    manager = make_manager(name="Mia Manager")
    mentors = [
        make_mentor(cohort=cohort, skill_levels={skill: 5}, name=name)
        for skill, name in ((BRANDING, "Ada Brand"), (VIDEO, "Ben Video"), (ANALYTICS, "Cy Numbers"))
    ]
    leaders = [
        make_leader(cohort, goals=[(skill, 3, 4)], name=name)
        for skill, name in ((BRANDING, "Lena Lead"), (VIDEO, "Leo Lead"), (ANALYTICS, "Lou Lead"))
    ]
    return Programme(cohort, manager, mentors, leaders)


def flashes(response_text: str) -> list[str]:
    """The flash messages on a page, as plain text."""
    found = re.findall(r'<p class="flash flash-\w+" role="status">(.*?)</p>', response_text, re.S)
    return [html.unescape(text).strip() for text in found]


def active_pairs(cohort_id: int) -> set[tuple[int, int]]:
    """(leader id, mentor id) of the cohort's active Matches."""
    query = select(Match.leader_id, Match.mentor_id).where(Match.cohort_id == cohort_id, Match.status == "active")
    return set(db.session.execute(query).all())


def notification_count() -> int:
    """How many emails were ever queued."""
    return db.session.execute(select(func.count(Notification.id))).scalar_one()


def outbox_count(app: Any) -> int:
    """How many emails were written to the outbox folder."""
    folder = Path(app.config["MAIL_OUTBOX"])
    return len(list(folder.glob("*.eml"))) if folder.exists() else 0


def say_not_a_good_fit(match: Match, person_id: int) -> None:
    """One side of a published pair answers "no" to "is this a good fit?"."""
    db.session.add(FitCheck(match_id=match.id, person_id=person_id, good_fit=False))
    db.session.commit()
