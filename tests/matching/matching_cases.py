"""Shared builders and exact oracles for the matching-engine tests (no Flask app here)."""

from __future__ import annotations

import json
import random

import networkx as nx
import numpy as np
from scipy.optimize import linear_sum_assignment

from matching import Leader, Mentor, Problem, Rules
from matching.io import solution_to_dict

BIG = 10**7
FLOW_SCALE = 10**8  # scores become integers for networkx (exact up to 8 decimals)
FLOW_BIG = 10**16


def leader(id: str, **kw) -> Leader:
    """A leader with neutral fields unless given."""
    return Leader(id, **kw)


def mentor(id: str, **kw) -> Mentor:
    """A mentor with neutral fields unless given."""
    return Mentor(id, **kw)


def scored_problem(
    rng: random.Random,
    n: int,
    m: int,
    density: float = 0.6,
    wanted_max: int = 1,
    objective: str = "coverage",
    cap_max: int = 2,
    low: int = -3,
    high: int = 40,
    dept_cap: int | None = None,
    decimals: int = 0,
) -> Problem:
    """Leaders (in departments D1..D3) and mentors (no department), explicit scores on a random subset of pairs."""
    leaders = tuple(
        Leader(f"L{i}", department=f"D{rng.randint(1, 3)}", mentors_wanted=rng.randint(1, wanted_max))
        for i in range(1, n + 1)
    )
    mentors = tuple(Mentor(f"M{j}", capacity=rng.randint(1, cap_max)) for j in range(1, m + 1))
    scale = 10**decimals
    scores = [
        (a.id, b.id, rng.randint(low * scale, high * scale) / scale)
        for a in leaders
        for b in mentors
        if rng.random() < density
    ]
    rules = Rules(objective=objective, max_per_department_per_mentor=dept_cap)
    return Problem(leaders, mentors, scores=tuple(scores), rules=rules)


def lsa_oracle(problem: Problem) -> tuple[int, float]:
    """(leaders matched, total score) by scipy's linear_sum_assignment, mentor columns repeated per capacity.

    Only for mentors_wanted = 1. Coverage: allowed pairs get score + BIG, so the count comes first.
    Score: only pairs with a positive score are worth taking; one dummy column per leader allows none.
    """
    leaders = [p.id for p in problem.leaders]
    cols = [b.id for b in problem.mentors for _ in range(b.capacity)]
    given = {(a, b): s for a, b, s in problem.scores or ()}
    coverage = problem.rules.objective == "coverage"
    matrix = np.zeros((len(leaders), len(cols) + len(leaders)))
    for i, a in enumerate(leaders):
        for k, b in enumerate(cols):
            if (a, b) in given:
                matrix[i, k] = given[a, b] + BIG if coverage else max(given[a, b], 0.0)
    rows, picked = linear_sum_assignment(matrix, maximize=True)
    count, total = 0, 0.0
    for i, k in zip(rows, picked, strict=True):
        if k < len(cols) and (leaders[i], cols[k]) in given and (coverage or given[leaders[i], cols[k]] > 0):
            count += 1
            total += given[leaders[i], cols[k]]
    return count, round(total, 6)


def flow_oracle(problem: Problem) -> tuple[int, float]:
    """(leaders matched, total score) by networkx flows on integer scores (times 100).

    Coverage with one mentor each: max_flow_min_cost (largest matching, then best score), no big-M.
    Coverage with several: a first-place arc per leader worth BIG. Score: min_cost_flow with a bypass arc.
    """
    g = nx.DiGraph()
    supply = sum(p.mentors_wanted for p in problem.leaders)
    coverage = problem.rules.objective == "coverage"
    single = all(p.mentors_wanted == 1 for p in problem.leaders)
    for p in problem.leaders:
        if coverage and single:
            g.add_edge("s", ("L", p.id), capacity=1, weight=0)
        else:
            g.add_edge("s", ("F", p.id), capacity=1, weight=-FLOW_BIG if coverage else 0)
            g.add_edge(("F", p.id), ("L", p.id), capacity=1, weight=0)
            if p.mentors_wanted > 1:
                g.add_edge("s", ("L", p.id), capacity=p.mentors_wanted - 1, weight=0)
    for b in problem.mentors:
        g.add_edge(("M", b.id), "t", capacity=b.capacity, weight=0)
    cap = problem.rules.max_per_department_per_mentor
    dept = {p.id: p.department for p in problem.leaders}
    for a, b, s in problem.scores or ():
        if cap is None:
            g.add_edge(("L", a), ("M", b), capacity=1, weight=-round(s * FLOW_SCALE))
        else:  # each (mentor, department) is a node that lets at most `cap` leaders through
            g.add_edge(("L", a), ("MD", b, dept[a]), capacity=1, weight=-round(s * FLOW_SCALE))
            g.add_edge(("MD", b, dept[a]), ("M", b), capacity=cap, weight=0)
    if coverage and single:
        flow = nx.max_flow_min_cost(g, "s", "t")
    else:
        g.add_edge("s", "t", capacity=supply, weight=0)
        g.nodes["s"]["demand"], g.nodes["t"]["demand"] = -supply, supply
        flow = nx.min_cost_flow(g)
    given = {(a, b): s for a, b, s in problem.scores or ()}

    def via(a: str, b: str) -> tuple:
        return ("M", b) if cap is None else ("MD", b, dept[a])

    chosen = [(a, b) for (a, b) in given if flow.get(("L", a), {}).get(via(a, b), 0) > 0]
    return len({a for a, _ in chosen}), round(sum(given[p] for p in chosen), 6)


def pairs_and_unmatched(solution) -> str:
    """The part of the Solution JSON that must be byte-identical for identical input."""
    data = solution_to_dict(solution)
    return json.dumps({"pairs": data["pairs"], "unmatched": data["unmatched"]}, sort_keys=True)
