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
SUMMARY_KEY = "load_summary"


def load_summary(mentor_loads: list[dict[str, Any]], unmatched: list[dict[str, Any]]) -> dict[str, Any]:
    """What the review page shows of a run's loads, worked out once when the run's lists are written.

    The busy mentors (most leaders across cohorts first, up to 50), those full because of pairs in other
    running cohorts, how many are full, have room or have none, and how many leaders were left unmatched:
    the page then reads this small record instead of the whole cohort's lists.
    """
    loads = [
        (int(x.get("mentor_id", 0)), int(x.get("load", 0)), int(x.get("capacity", 0)), int(x.get("elsewhere", 0)))
        for x in mentor_loads or []
    ]
    full = sorted((x for x in loads if (x[1] or x[3]) and x[1] >= x[2]), key=lambda x: (-(x[1] + x[3]), x[0]))
    return {
        "full": len(full),
        "room": sum(1 for _, load, capacity, _ in loads if 0 < load < capacity),
        "none": sum(1 for _, load, _, _ in loads if not load),
        "busy": [list(x) for x in full[:BUSY_SHOWN]],
        "blocked": [list(x) for x in full if x[3]],
        "unmatched": len(unmatched or []),
    }


def summary_of(run: MatchRun) -> dict[str, Any]:
    """The run's load summary: stored with the run, or worked out from its lists for runs stored before."""
    stored = (run.stats or {}).get(SUMMARY_KEY)
    return stored if isinstance(stored, dict) else load_summary(run.mentor_loads, run.unmatched)


def busy_mentors(
    run: MatchRun, cohort_id: int, summary: dict[str, Any] | None = None
) -> tuple[list[LoadView], list[LoadView], dict[str, int]]:
    """The mentors the run filled (most leaders across cohorts first, up to 50), those full because of pairs in
    other running cohorts (for the unmatched leaders' notes), and how many are full, have room, have none."""
    summary = summary if summary is not None else summary_of(run)
    shown = [tuple(x) for x in summary["busy"]]
    blocked = [tuple(x) for x in summary["blocked"]]
    counts = {key: int(summary[key]) for key in ("full", "room", "none")}
    wanted = {x[0] for x in shown} | {x[0] for x in blocked}
    names = {p.id: p for p in db.session.execute(select(Person).where(Person.id.in_(wanted))).scalars()}
    cohort_names = running_cohort_names([x[0] for x in shown + blocked if x[3]], except_cohort=cohort_id)

    def view(row: tuple[int, ...]) -> LoadView:
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
