"""The programme's session graph across cohorts, for managers: who mentored whom over time, and departments.

A handful of grouped queries whatever the size of the programme; the drawing keeps the mentors with the
most leaders (MAX_MENTORS_DRAWN) so it stays readable, and the tables under it list every number.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from matching.graph.overview import DepartmentLink, DepartmentNode, PairLine, departments_svg, mentoring_svg
from mentoring.extensions import db
from mentoring.models import Cohort, Match, Meeting, Person

MAX_MENTORS_DRAWN = 30
NO_DEPARTMENT = "No department given"


@dataclass(frozen=True)
class MentorRow:
    """A mentor and the leaders they mentored across cohorts."""

    mentor: str
    leaders: int
    cohorts: int
    held: int


@dataclass(frozen=True)
class MentoringGraph:
    """The drawing of who mentored whom, with the numbers it shows."""

    svg: str
    rows: list[MentorRow]
    drawn: int
    mentors: int
    pairs: int


@dataclass(frozen=True)
class DepartmentGraph:
    """The drawing of departments joined by held sessions, with its numbers."""

    svg: str
    nodes: list[DepartmentNode]
    links: list[DepartmentLink]


def _cohort_names(cohort_id: int | None) -> list[str]:
    query = select(Cohort.name).where(Cohort.status.in_(("published", "closed"))).order_by(Cohort.id)
    if cohort_id is not None:
        query = query.where(Cohort.id == cohort_id)
    return list(db.session.execute(query).scalars())


def _held_per_match(cohort_id: int | None) -> dict[int, int]:
    query = select(Meeting.match_id, func.count(Meeting.id)).where(Meeting.status == "held").group_by(Meeting.match_id)
    if cohort_id is not None:
        query = query.join(Match, Match.id == Meeting.match_id).where(Match.cohort_id == cohort_id)
    return dict(db.session.execute(query).all())


def mentoring(cohort_id: int | None = None) -> MentoringGraph:
    """Mentors and the leaders they mentored (every published cohort, or one), busiest mentors drawn."""
    mentor, leader = aliased(Person), aliased(Person)
    query = (
        select(Match.id, Match.mentor_id, mentor.name, Match.leader_id, leader.name, Cohort.name, Cohort.id)
        .join(Cohort, Cohort.id == Match.cohort_id)
        .join(mentor, mentor.id == Match.mentor_id)
        .join(leader, leader.id == Match.leader_id)
        .where(Cohort.status.in_(("published", "closed")))
        .order_by(Match.id)
    )
    if cohort_id is not None:
        query = query.where(Match.cohort_id == cohort_id)
    held = _held_per_match(cohort_id)
    lines = [
        PairLine(str(mid), mname, str(lid), lname, cname, held.get(match_id, 0))
        for match_id, mid, mname, lid, lname, cname, _ in db.session.execute(query)
    ]
    per_mentor: dict[str, list[PairLine]] = {}
    for line in lines:
        per_mentor.setdefault(line.mentor, []).append(line)
    ordered = sorted(
        per_mentor.values(), key=lambda ls: (-len({x.leader for x in ls}), ls[0].mentor_name.lower(), ls[0].mentor)
    )
    rows = [
        MentorRow(ls[0].mentor_name, len({x.leader for x in ls}), len({x.cohort for x in ls}), sum(x.held for x in ls))
        for ls in ordered
    ]
    drawn = [line for ls in ordered[:MAX_MENTORS_DRAWN] for line in ls]
    title = "Who mentored whom" + (" in this cohort" if cohort_id else " across cohorts")
    svg = mentoring_svg(drawn, _cohort_names(cohort_id), title)
    return MentoringGraph(svg, rows, min(len(ordered), MAX_MENTORS_DRAWN), len(ordered), len(lines))


def departments(cohort_id: int | None = None) -> DepartmentGraph:
    """Departments (people who took part in a pair) joined by held sessions between leader and mentor."""
    mentor, leader = aliased(Person), aliased(Person)
    pairs = (
        select(Match.leader_id, Match.mentor_id)
        .join(Cohort, Cohort.id == Match.cohort_id)
        .where(Cohort.status.in_(("published", "closed")))
    )
    if cohort_id is not None:
        pairs = pairs.where(Match.cohort_id == cohort_id)
    people = pairs.with_only_columns(Match.leader_id).union(pairs.with_only_columns(Match.mentor_id)).subquery()
    counts = db.session.execute(
        select(func.coalesce(Person.department, NO_DEPARTMENT), func.count(Person.id))
        .where(Person.id.in_(select(people.c[0])))
        .group_by(func.coalesce(Person.department, NO_DEPARTMENT))
    ).all()
    sessions = (
        select(
            func.coalesce(leader.department, NO_DEPARTMENT),
            func.coalesce(mentor.department, NO_DEPARTMENT),
            func.count(Meeting.id),
        )
        .join(Match, Match.id == Meeting.match_id)
        .join(Cohort, Cohort.id == Match.cohort_id)
        .join(leader, leader.id == Match.leader_id)
        .join(mentor, mentor.id == Match.mentor_id)
        .where(Meeting.status == "held", Cohort.status.in_(("published", "closed")))
        .group_by(func.coalesce(leader.department, NO_DEPARTMENT), func.coalesce(mentor.department, NO_DEPARTMENT))
    )
    if cohort_id is not None:
        sessions = sessions.where(Match.cohort_id == cohort_id)
    merged: dict[tuple[str, str], int] = {}
    for a, b, held in db.session.execute(sessions):
        key = (min(a, b), max(a, b))
        merged[key] = merged.get(key, 0) + held
    nodes = sorted((DepartmentNode(name, n) for name, n in counts), key=lambda x: (-x.people, x.name))
    links = sorted((DepartmentLink(a, b, held) for (a, b), held in merged.items()), key=lambda x: (-x.held, x.a, x.b))
    title = "Departments joined by held sessions" + (" in this cohort" if cohort_id else " across cohorts")
    return DepartmentGraph(departments_svg(nodes, links, title), nodes, links)
