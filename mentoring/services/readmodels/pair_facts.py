"""The facts behind each point of a pair's score, from both people's data ("you share English; 6 hours overlap").

Stored reasons are criterion + points only; the facts are derived when shown, so they follow the people's
current details.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mentoring.locale_names import language_name
from mentoring.models import Person

WORK_START, WORK_END = time(9), time(17)
FORMAT_WORDS = {"remote": "remotely", "in-person": "in person"}


def _names(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def working_hours_overlap(zone_a: str | None, zone_b: str | None, on: date | None = None) -> float | None:
    """Hours of 9:00-17:00 the two time zones share on a day (None when a zone is unknown)."""
    day = on or date.today()
    try:
        spans = []
        for zone in (zone_a, zone_b):
            if not zone:
                return None
            tz = ZoneInfo(zone)
            spans.append((datetime.combine(day, WORK_START, tz), datetime.combine(day, WORK_END, tz)))
    except (ZoneInfoNotFoundError, ValueError):
        return None
    shared = min(spans[0][1], spans[1][1]) - max(spans[0][0], spans[1][0])
    return max(shared, timedelta(0)).total_seconds() / 3600


def _goals_fact(goals: Sequence[Any], viewer: str) -> str:
    covered = sum(1 for goal in goals if goal.covered)
    if not goals:
        return ""
    if viewer == "leader":
        return f"They teach {covered} of your {len(goals)} goals at your target level or above."
    return f"You teach {covered} of their {len(goals)} goals at their target level or above."


def pair_facts(leader: Person, mentor: Person, goals: Sequence[Any], viewer: str) -> dict[str, str]:
    """Criterion -> one sentence about these two people, from the viewer's side ("leader" or "mentor")."""
    facts: dict[str, str] = {}
    goals_fact = _goals_fact(goals, viewer)
    if goals_fact:
        facts["goals"] = goals_fact
    shared = [code for code in (leader.languages or []) if code in (mentor.languages or [])]
    if shared:
        facts["language"] = f"You share {_names([language_name(code) for code in shared])}."
    hours = working_hours_overlap(leader.timezone, mentor.timezone)
    if hours is not None:
        if leader.timezone == mentor.timezone:
            facts["timezone"] = f"You are both on {leader.timezone} time: all {hours:g} working hours overlap."
        else:
            facts["timezone"] = f"{hours:g} of your working hours (9:00-17:00) overlap today."
    ways = [FORMAT_WORDS.get(f, f) for f in (leader.formats or []) if f in (mentor.formats or [])]
    if ways:
        facts["format"] = f"You can both meet {_names(ways)}."
    if leader.location and mentor.location and leader.location.casefold() == mentor.location.casefold():
        facts["location"] = f"You are both in {leader.location}."
    if leader.department and mentor.department and leader.department != mentor.department:
        mine, theirs = (leader, mentor) if viewer == "leader" else (mentor, leader)
        facts["cross_department"] = f"You work in {mine.department}, they work in {theirs.department}."
    facts["repeat_penalty"] = "You were paired in an earlier cohort, so this pairing scores a little lower."
    return facts
