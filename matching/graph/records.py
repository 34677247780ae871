"""The session graph's typed records: people, pairs and sessions as frozen dataclasses (the input of every function).

Inside one process pass these records (`SessionsData`); the SESSIONS.json wire format in
`matching.graph.wire` is for the command line and other processes only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypedDict

ROLES = ("leader", "mentor")
HELD = "held"
STATUSES = (HELD, "cancelled-by-leader", "cancelled-by-mentor", "missed")


@dataclass(frozen=True)
class Person:
    """A programme participant: a leader or a mentor, in one department."""

    id: str
    role: str
    department: str


@dataclass(frozen=True)
class SessionRecord:
    """One proposed session of a pair and what became of it."""

    leader: str
    mentor: str
    date: dt.date
    status: str
    minutes: int | None = None
    skills: tuple[str, ...] = ()
    rating_by_leader: int | None = None
    rating_by_mentor: int | None = None
    proposed_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None

    @property
    def held(self) -> bool:
        """True if the session took place."""
        return self.status == HELD

    @property
    def response_hours(self) -> float | None:
        """Hours from proposal to answer, or None unless both timestamps are known."""
        if self.proposed_at is None or self.answered_at is None:
            return None
        return (self.answered_at - self.proposed_at).total_seconds() / 3600


@dataclass(frozen=True)
class PairRecord:
    """A published (leader, mentor) pair, its start date, goals (skills) and sessions."""

    leader: str
    mentor: str
    started: dt.date
    goals: tuple[str, ...] = ()
    sessions: tuple[SessionRecord, ...] = ()


@dataclass(frozen=True)
class SessionsData:
    """The whole parsed SESSIONS.json: people and pairs, each pair carrying its sessions."""

    people: tuple[Person, ...]
    pairs: tuple[PairRecord, ...]


# ------------------------------------------------------------------ what comes out: the metrics, typed
# Plain dicts at run time (the site's templates and the JSON output read them as they are), typed here.


class PairMetrics(TypedDict):
    """One pair's row: sessions held, last held, stalled or at risk and why."""

    leader: str
    mentor: str
    started: str
    held: int
    last_held: str | None
    days_since: int
    stalled: bool
    cancelled_by_leader: int
    cancelled_by_mentor: int
    missed: int
    minutes_held: int
    mean_rating_by_leader: float | None
    mean_rating_by_mentor: float | None
    median_response_hours: float | None
    responses: int
    goals: list[str]
    goals_covered: list[str]
    risk_reasons: list[str]
    at_risk: bool


class MentorMetrics(TypedDict):
    """One mentor's row: pairs, sessions held, leaders and departments reached."""

    mentor: str
    department: str
    pairs: int
    held: int
    leaders_reached: int
    departments_reached: int


class DepartmentMetrics(TypedDict):
    """One department's row: people, active people and the departments it is bridged to."""

    department: str
    leaders: int
    mentors: int
    active_leaders: int
    active_mentors: int
    bridged_to: list[str]


class LeaderMetrics(TypedDict):
    """One leader's row: pairs, sessions held, response times."""

    leader: str
    department: str
    pairs: int
    held: int
    met_min_sessions: bool
    responses: int
    median_response_hours: float | None
    max_response_hours: float | None


class SkillMetrics(TypedDict):
    """How many pairs wanted a skill and how many covered it in a held session."""

    skill: str
    pairs: int
    covered: int
    share: float


class ProgrammeMetrics(TypedDict):
    """The programme's totals on as_of."""

    as_of: str
    stall_days: int
    min_sessions: int
    pairs: int
    active: int
    at_risk: int
    stalled: int
    held: int
    minutes_held: int
    goal_coverage: float
    goal_coverage_by_skill: list[SkillMetrics]
    leaders_met_min_sessions: float
    median_response_hours: float | None
    bridges: int


class Metrics(TypedDict):
    """Everything compute_metrics returns."""

    pairs: list[PairMetrics]
    mentors: list[MentorMetrics]
    departments: list[DepartmentMetrics]
    leaders: list[LeaderMetrics]
    programme: ProgrammeMetrics
