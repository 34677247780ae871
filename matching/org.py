"""Reporting lines: who manages whom, followed to any depth through people outside the problem."""

from __future__ import annotations

from matching.errors import InputError
from matching.fields import natural_key
from matching.problem import Problem


def manager_map(problem: Problem) -> dict[str, str]:
    """Each person's manager; the leader and mentor records win over `org` for the same person."""
    managers: dict[str, str] = {person: boss for person, boss in problem.org if boss is not None}
    for person in (*problem.mentors, *problem.leaders):
        if person.manager is not None:
            managers[person.id] = person.manager
    return managers


def ancestors(managers: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Everyone above each person, nearest first; a reporting loop is an input error."""
    chains: dict[str, tuple[str, ...]] = {}
    for start in sorted(managers, key=natural_key):
        path: list[str] = []
        on_path: set[str] = set()
        person = start
        while person in managers and person not in chains:
            if person in on_path:
                raise InputError(
                    "org", f"the reporting line of {start!r} loops back through {person!r}.", ids=(start, person)
                )
            on_path.add(person)
            path.append(person)
            person = managers[person]
        tail = chains.get(person, ())
        for below in reversed(path):
            tail = (managers[below], *tail)
            chains[below] = tail
    return chains


def reporting_pairs(problem: Problem) -> set[tuple[str, str]]:
    """(leader, mentor) id pairs where the mentor is in the leader's chain or the leader's subtree."""
    chains = ancestors(manager_map(problem))
    leaders = {p.id for p in problem.leaders}
    mentors = {p.id for p in problem.mentors}
    pairs: set[tuple[str, str]] = set()
    for leader in leaders:
        pairs.update((leader, boss) for boss in chains.get(leader, ()) if boss in mentors)
    for mentor in mentors:
        pairs.update((boss, mentor) for boss in chains.get(mentor, ()) if boss in leaders)
    return pairs
