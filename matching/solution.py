"""The result of a matching run as frozen dataclasses: Pair, Unmatched, MentorLoad and Solution."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

OPTIMAL, FEASIBLE, INFEASIBLE = "optimal", "feasible", "infeasible"


@dataclass(frozen=True)
class Pair:
    """A proposed pair with its score and the reasons (criterion, points) that add up to it."""

    leader: str
    mentor: str
    score: float
    pinned: bool = False
    reasons: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Unmatched:
    """A leader with `unfilled` of their wanted mentor places left empty, and why, in plain English."""

    leader: str
    reason: str
    unfilled: int = 1


@dataclass(frozen=True)
class MentorLoad:
    """How many leaders a mentor was given, out of their capacity."""

    mentor: str
    load: int
    capacity: int


@dataclass(frozen=True)
class Solution:
    """The outcome: status (optimal, feasible or infeasible), pairs, unmatched leaders, loads, stats."""

    status: str
    matched: int
    total_score: float
    pairs: tuple[Pair, ...] = ()
    unmatched: tuple[Unmatched, ...] = ()
    mentors: tuple[MentorLoad, ...] = ()
    objective: str = "coverage"
    gap: float | None = None
    reason: str | None = None
    stats: Mapping[str, Any] = field(default_factory=dict)
