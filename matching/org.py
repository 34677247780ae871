"""Reporting lines: who manages whom, followed to any depth through people outside the problem."""

from __future__ import annotations

from collections.abc import Iterable

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
    try:  # each chain is the same whatever the order people are visited in
        return _ancestors(managers, managers)
    except InputError:  # name the loop as seen from the first person in natural id order, whatever the input order
        return _ancestors(managers, sorted(managers, key=natural_key))


def _ancestors(managers: dict[str, str], order: Iterable[str]) -> dict[str, tuple[str, ...]]:
    chains: dict[str, tuple[str, ...]] = {}
    for start in order:
        path: list[str] = []
        on_path: set[str] = set()
        person = start
        while person in managers and person not in chains:
            if person in on_path:
                if person == start:  # ids are kept once each, so the sentence names the person once
                    raise InputError("org", "", ids=(start,), template="the reporting line of {0} loops back to them.")
                raise InputError(
                    "org", "", ids=(start, person), template="the reporting line of {0} loops back through {1}."
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
