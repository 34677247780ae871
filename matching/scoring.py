"""The compatibility score of one (leader, mentor) pair, as a sum of named contributions.

This is the plain, one-pair-at-a-time statement of every criterion. Points are counted in whole
hundredths ("cents"), so a score is an exact sum of its reasons whatever the order of addition.
The solver scores millions of pairs with the vectorised twins in `matching.vectorised` and
`matching.fast`, which perform the same floating-point operations before rounding to hundredths,
so all three give identical numbers (a test checks it on every pair).
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from functools import cache

from matching.fields import fold
from matching.problem import Leader, Mentor
from matching.rules import Rules

GOAL_SCALE = 60  # lowest common multiple of the target levels 1..5: keeps goal sums whole numbers
WORKDAY_MIN = 8 * 60
# Two fixed instants (winter and summer) so daylight saving counts, and results never depend on today.
REFERENCE_INSTANTS = (
    dt.datetime(2025, 1, 15, 12, tzinfo=dt.UTC),
    dt.datetime(2025, 7, 15, 12, tzinfo=dt.UTC),
)

Reasons = tuple[tuple[str, float], ...]


def cents(x: float) -> int:
    """Hundredths of a point, rounded half up; the vectorised twin performs the same operations."""
    return math.floor(x + 0.5)


@cache
def utc_offsets(zone: str) -> tuple[int, int]:
    """The zone's offset from UTC in minutes at the two reference instants."""
    tz = zoneinfo.ZoneInfo(zone)
    out = []
    for instant in REFERENCE_INSTANTS:
        offset = instant.astimezone(tz).utcoffset() or dt.timedelta(0)
        out.append(int(offset.total_seconds() // 60))
    return out[0], out[1]


def shared_workday_minutes(zone_a: str, zone_b: str) -> int:
    """Minutes of 9:00-17:00 the two zones share, summed over the two reference days (0..960)."""
    total = 0
    for a, b in zip(utc_offsets(zone_a), utc_offsets(zone_b), strict=True):
        gap = abs(a - b) % 1440
        gap = min(gap, 1440 - gap)
        total += max(0, WORKDAY_MIN - gap)
    return total


def goal_fit(leader: Leader, mentor: Mentor) -> tuple[int, int]:
    """(numerator, denominator) of the priority-weighted share of goal levels the mentor meets."""
    skills = mentor.skill_map()
    numerator = 0
    for goal in leader.goals:
        met = min(skills.get(fold(goal.skill), 0), goal.level)
        numerator += goal.priority * met * (GOAL_SCALE // goal.level)
    denominator = GOAL_SCALE * sum(goal.priority for goal in leader.goals)
    return numerator, denominator


def _language_factor(leader: Leader, mentor: Mentor) -> float:
    if not leader.languages or not mentor.languages:
        return 0.0
    spoken = {fold(x) for x in mentor.languages}
    if fold(leader.languages[0]) in spoken:
        return 1.0
    return 0.5 if any(fold(x) in spoken for x in leader.languages) else 0.0


def _in_person_ok(formats: tuple[str, ...]) -> bool:
    return not formats or "in-person" in formats


def criterion_cents(leader: Leader, mentor: Mentor, rules: Rules, repeat: bool) -> dict[str, int]:
    """Every criterion's points in hundredths for this pair (`repeat`: the pair is in the history)."""
    w100 = {name: weight * 100 for name, weight in rules.weights}
    numerator, denominator = goal_fit(leader, mentor)
    overlap = shared_workday_minutes(leader.timezone, mentor.timezone) if leader.timezone and mentor.timezone else 0
    both_formats = bool(leader.formats) and bool(mentor.formats)
    same_place = (
        leader.location is not None
        and mentor.location is not None
        and fold(leader.location) == fold(mentor.location)
        and _in_person_ok(leader.formats)
        and _in_person_ok(mentor.formats)
    )
    cross = leader.department is not None and mentor.department is not None
    cross = cross and fold(leader.department) != fold(mentor.department)  # type: ignore[union-attr]
    common_format = both_formats and bool(set(leader.formats) & set(mentor.formats))
    return {
        "goals": cents(w100["goals"] * numerator / (denominator or 1)),
        "language": cents(w100["language"] * _language_factor(leader, mentor)),
        "timezone": cents(w100["timezone"] * overlap / 960),
        "format": cents(w100["format"]) if common_format else 0,
        "location": cents(w100["location"]) if same_place else 0,
        "cross_department": cents(w100["cross_department"]) if cross else 0,
        "repeat_penalty": -cents(w100["repeat_penalty"]) if repeat and rules.repeat_pairs == "penalize" else 0,
    }


def score_pair(leader: Leader, mentor: Mentor, rules: Rules, repeat: bool = False) -> tuple[float, Reasons]:
    """The pair's score and its reasons: the criteria with non-zero points, in criterion order."""
    points = criterion_cents(leader, mentor, rules, repeat)
    reasons = tuple((name, value / 100) for name, value in points.items() if value != 0)
    return sum(points.values()) / 100, reasons
