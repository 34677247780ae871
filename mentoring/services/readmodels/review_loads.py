"""Mentor loads on the review page: the busy mentors (with their pairs in other running cohorts), counts of
the rest, and why a leader was left without a mentor when places went to other cohorts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from matching.errors import name_people
from mentoring.extensions import db
from mentoring.models import MatchRun, Person
from mentoring.services.readmodels.mentor_loads import running_cohort_names


@dataclass(frozen=True)
class LoadView:
    """A mentor's load in this run out of the places they had left, and their pairs in other running cohorts."""

    mentor: Person | None
    load: int
    capacity: int
    elsewhere: int = 0
    elsewhere_in: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        """Leaders across cohorts if this run is published."""
        return self.load + self.elsewhere


def full_elsewhere_note(unmatched: dict[str, Any], loads: list[LoadView]) -> str:
    """For a leader short of room: the mentors with no room because of pairs in other cohorts ("" if none)."""
    full = {x.mentor.id: x for x in loads if x.mentor is not None and x.elsewhere and x.load >= x.capacity}
    cause = unmatched.get("cause")
    if not full or cause not in ("full", "department_cap", "no_candidate"):
        return ""
    # The mentors the reason names first, then those left with no places at all (never "compatible").
    about = [full[i] for i in unmatched.get("mentor_ids", []) if i in full]
    about += [x for _, x in sorted(full.items()) if x.capacity == 0 and x not in about]
    if not about:
        return ""
    shown = ", ".join(f"{x.mentor.name} ({', '.join(x.elsewhere_in) or 'another cohort'})" for x in about[:5])
    more = f" and {len(about) - 5} more" if len(about) > 5 else ""
    return f"No room because of their pairs in another running cohort: {shown}{more}."


BUSY_SHOWN = 50


def busy_mentors(run: MatchRun, cohort_id: int) -> tuple[list[LoadView], list[LoadView], dict[str, int]]:
    """The mentors the run filled (most leaders across cohorts first, up to 50), those full because of pairs in
    other running cohorts (for the unmatched leaders' notes), and how many are full, have room, have none."""
    loads = [
        (int(x.get("mentor_id", 0)), int(x.get("load", 0)), int(x.get("capacity", 0)), int(x.get("elsewhere", 0)))
        for x in run.mentor_loads or []
    ]
    full = sorted((x for x in loads if (x[1] or x[3]) and x[1] >= x[2]), key=lambda x: (-(x[1] + x[3]), x[0]))
    counts = {
        "full": len(full),
        "room": sum(1 for _, load, capacity, _ in loads if 0 < load < capacity),
        "none": sum(1 for _, load, _, _ in loads if not load),
    }
    shown = full[:BUSY_SHOWN]
    blocked = [x for x in full if x[3]]
    wanted = {x[0] for x in shown} | {x[0] for x in blocked}
    names = {p.id: p for p in db.session.execute(select(Person).where(Person.id.in_(wanted))).scalars()}
    cohort_names = running_cohort_names([x[0] for x in shown + blocked if x[3]], except_cohort=cohort_id)

    def view(row: tuple[int, int, int, int]) -> LoadView:
        mentor_id, load, capacity, elsewhere = row
        return LoadView(names.get(mentor_id), load, capacity, elsewhere, tuple(cohort_names.get(mentor_id, ())))

    return [view(x) for x in shown], [view(x) for x in blocked], counts


def unmatched_reason(unmatched: dict[str, Any], names: dict[str, str]) -> str:
    """Why a leader is unmatched, with the mentors it is about named (the library's template, filled in)."""
    template = unmatched.get("template")
    if not template:
        return unmatched.get("reason", "")
    ids = [str(i) for i in unmatched.get("mentor_ids", [])]
    return name_people(template, ids, names, int(unmatched.get("more", 0)))
