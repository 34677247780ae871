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
    """A leader with `unfilled` of their wanted mentor places left empty, and why, in plain English.

    `reason` quotes the ids of the mentors it is about; `template` says the same with `{people}` in their
    place, and `people` (plus `more` not listed) are those mentors, so a caller can name them itself.
    """

    leader: str
    reason: str
    unfilled: int = 1
    # How to name the mentors: not part of what the reason says, so two equal reasons compare equal.
    people: tuple[str, ...] = field(default=(), compare=False)
    more: int = field(default=0, compare=False)
    template: str = field(default="", compare=False)
    # Why, as a word: no_candidate, full, department_cap, time_limit or objective.
    cause: str = field(default="", compare=False)

    def render(self, names: Mapping[str, str]) -> str:
        """The reason with each mentor named (`names`: id -> name)."""
        from matching.errors import name_people

        return name_people(self.template, self.people, names, self.more) if self.template else self.reason


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
