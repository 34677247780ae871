"""The session graph's typed records: people, pairs and sessions as frozen dataclasses (the input of every function).

Inside one process pass these records (`SessionsData`); the SESSIONS.json wire format in
`matching.graph.wire` is for the command line and other processes only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
