"""Helpers for the mentor and leader journey tests: valid form data, publishing a pair, finding errors."""

from __future__ import annotations

import html as html_text
import re

from mentoring.extensions import db
from mentoring.models import Cohort, Match, Person

GOAL_ROWS = 8
REASONS = [
    {"criterion": "goals", "points": 48.0},
    {"criterion": "language", "points": 0.0},
    {"criterion": "cross_department", "points": 10.0},
]


def mentor_form(
    skills: dict[str, int], levels: dict[str, int] | None = None, cohorts: tuple[int, ...] = (), **overrides: object
) -> dict[str, object]:
    """A valid mentor profile POST; `levels` maps skill key -> level, `overrides` replace any field."""
    data: dict[str, object] = {
        "name": "Ada Mentor",
        "department": "Digital",
        "grade": "2",
        "manager": "",
        "external_id": "",
        "location": "London",
        "timezone": "Europe/London",
        "languages": "en, fr",
        "formats": ["remote"],
        "capacity": "2",
        "hours_per_month": "6",
        "bio": "I run our TikTok account.",
        "cohorts": [str(c) for c in cohorts],
    }
    for row, (key, level) in enumerate((levels if levels is not None else {"tiktok/short-video": 5}).items()):
        data[f"skills-{row}-skill"], data[f"skills-{row}-level"] = str(skills[key]), str(level)
    data.update(overrides)
    return data


def leader_form(
    skills: dict[str, int], goals: list[tuple[str, int, int]] | None = None, **overrides: object
) -> dict[str, object]:
    """A valid leader request POST; `goals` are (skill key, priority, target level) in rows 0, 1, ..."""
    data: dict[str, object] = {
        "name": "Grace Leader",
        "department": "Finance",
        "grade": "12",
        "manager": "",
        "external_id": "",
        "location": "Paris",
        "timezone": "Europe/Paris",
        "languages": "fr, en",
        "formats": ["remote", "in-person"],
        "achieve": "Post on LinkedIn every week without a ghost-writer.",
        "about_me": "I sail, and I am proud of our apprenticeship scheme.",
        "mentors_wanted": "1",
    }
    chosen = goals if goals is not None else [("linkedin/writing-posts", 3, 4)]
    for row in range(GOAL_ROWS):  # a browser sends every row; unused ones say "no goal" (0)
        key, priority, level = chosen[row] if row < len(chosen) else (None, 2, 3)
        data[f"goals-{row}-skill"] = str(skills[key]) if key else "0"
        data[f"goals-{row}-priority"] = str(priority)
        data[f"goals-{row}-target_level"] = str(level)
    data.update(overrides)
    return data


def publish_pair(
    cohort: Cohort, leader: Person, mentor: Person, reasons: list | None = None, status: str = "active"
) -> Match:
    """Publish the cohort with one pair, the way the programme pages store it."""
    cohort.status = "published"
    match = Match(
        cohort_id=cohort.id,
        leader_id=leader.id,
        mentor_id=mentor.id,
        score=58.0,
        reasons=REASONS if reasons is None else reasons,
        status=status,
    )
    db.session.add(match)
    db.session.commit()
    return match


def error_near(html: str, field_name: str, message: str) -> bool:
    """Whether `message` is shown after the field named `field_name` and before the next field."""
    html = html_text.unescape(html)
    found = re.search(rf'name="{re.escape(field_name)}"', html)
    if found is None:
        return False
    following = html[found.end() :]
    next_field = re.search(r'name="(?!' + re.escape(field_name) + r'")', following)
    window = following[: next_field.start()] if next_field else following
    return message in window
