"""The network-flow back end: OR-Tools' min-cost flow on the candidate pool, and potentials for the proof.

Without a department cap the model is a network: source -> leader (a first unit that earns the
coverage bonus, then the leader's other places) -> mentor (one arc per candidate pair, cost minus
its score in hundredths) -> sink (the mentor's places), plus a source -> sink arc so that any amount
may flow. Pins are placed first (they use a place on both sides; a pinned leader is covered);
forbidden pairs get no arc. Costs are whole hundredths, so the optimum is exact.

OR-Tools returns flows, not node potentials, so the optimality proof recovers them: pi, the
shortest distance from each node to the sink in the residual graph of the optimal flow (a vectorised
Bellman-Ford that only relaxes arcs entering nodes whose distance just fell), keeps every residual
arc's reduced cost non-negative, and is 0 at every mentor with a free place. A left-out pair (i, j)
with score s can improve the flow only if s > pi[j] - pi[i]: leader price u = -pi[i], mentor price
v = pi[j] >= 0, the prices that `candidates.price_left_out` reads. If no left-out pair beats its
prices, pi stays valid with every pair added, so no negative cycle exists: the flow is optimal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.candidates import Duals
from matching.model import ModelInput
from matching.solver import NO_SOLUTION, OPTIMAL

SOLVER_NAME = "OR-Tools min-cost flow"
CENT_TOLERANCE = 1e-7
UNREACHED = 2**62


def is_network(data: ModelInput) -> bool:
    """Whether this model is a plain network with whole-hundredth scores (no department cap)."""
    if data.dept_cap is not None:
        return False
    cents = np.asarray(data.score, dtype=np.float64) * 100
    bonus = (data.coverage_bonus or 0.0) * 100
    whole = bool(np.all(np.abs(cents - np.rint(cents)) <= CENT_TOLERANCE * np.maximum(1.0, np.abs(cents))))
    return whole and float(bonus).is_integer() and abs(bonus) < 2**50


def available() -> bool:
    """Whether OR-Tools' min-cost flow imports."""
    try:
        from ortools.graph.python import min_cost_flow  # noqa: F401
    except ImportError:  # pragma: no cover - ortools missing
        return False
    return True


@dataclass(frozen=True)
class Network:
    """Arcs of the flow network (nodes: 0 source, 1 sink, 2.. leaders, 2+n.. mentors) and pair arc positions."""

    tail: np.ndarray
    head: np.ndarray
    cap: np.ndarray
    cost: np.ndarray
    supply: int
    pair_arc: np.ndarray  # pool position of each pair arc (the first len(pair_arc) arcs)
    nodes: int


def _arcs(tail: np.ndarray, head: np.ndarray, cap: np.ndarray, cost: np.ndarray | int) -> tuple[np.ndarray, ...]:
    size = len(tail)
    return (
        np.broadcast_to(tail, size).astype(np.int64),
        np.broadcast_to(head, size).astype(np.int64),
        np.broadcast_to(cap, size).astype(np.int64),
        np.broadcast_to(cost, size).astype(np.int64),
    )


def build_network(data: ModelInput) -> Network:
    """The network of the candidate pool, pins already placed."""
    n, m = len(data.leader_ids), len(data.mentor_ids)
    pinned = np.asarray(data.is_pinned, dtype=bool)
    free = np.flatnonzero(~pinned & ~np.asarray(data.is_forbidden, dtype=bool))
    pins_l = np.bincount(data.li[pinned], minlength=n)
    rest_l = np.maximum(0, data.wanted - pins_l).astype(np.int64)
    rest_m = np.maximum(0, data.capacity - np.bincount(data.mj[pinned], minlength=m)).astype(np.int64)
    leaders = np.arange(n, dtype=np.int64)
    cents = np.rint(data.score[free] * 100).astype(np.int64)
    parts = [_arcs(2 + data.li[free], 2 + n + data.mj[free], np.ones(len(free)), -cents)]
    others = rest_l
    if data.coverage_bonus is not None:  # the first unit into an uncovered leader earns the bonus
        cover = (pins_l == 0) & (rest_l > 0)
        bonus = round(data.coverage_bonus * 100)
        parts.append(_arcs(np.zeros(int(cover.sum())), 2 + leaders[cover], np.ones(int(cover.sum())), -bonus))
        others = rest_l - cover
    more = others > 0
    parts.append(_arcs(np.zeros(int(more.sum())), 2 + leaders[more], others[more], 0))
    open_m = np.flatnonzero(rest_m > 0)
    parts.append(_arcs(2 + n + open_m, np.ones(len(open_m)), rest_m[open_m], 0))
    supply = int(sum(int(p[2].sum()) for p in parts[1:-1]))
    parts.append(_arcs(np.zeros(1), np.ones(1), np.array([supply + 1]), 0))  # any amount may flow
    tail, head, cap, cost = (np.concatenate(x) for x in zip(*parts, strict=True))
    return Network(tail, head, cap, cost, supply, free, 2 + n + m)


@dataclass(frozen=True)
class FlowResult:
    """The optimal flow: chosen pool pairs, objective in points, and the prices for pricing."""

    outcome: str
    solver: str
    objective: float | None
    chosen: np.ndarray  # bool over the pool
    duals: Duals | None


def solve_flow(data: ModelInput) -> FlowResult:
    """Solve the pool as a min-cost flow and recover the prices that prove (or disprove) optimality."""
    from ortools.graph.python import min_cost_flow

    net = build_network(data)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(net.tail, net.head, net.cap, net.cost)
    flow.set_nodes_supplies(np.array([0, 1]), np.array([net.supply, -net.supply]))
    if flow.solve() != flow.OPTIMAL:
        return FlowResult(NO_SOLUTION, SOLVER_NAME, None, np.zeros(len(data.li), bool), None)
    flows = np.asarray(flow.flows(np.arange(len(net.tail))), dtype=np.int64)
    chosen = np.asarray(data.is_pinned, dtype=bool).copy()
    chosen[net.pair_arc[flows[: len(net.pair_arc)] > 0]] = True
    n = len(data.leader_ids)
    covered = np.bincount(data.li[chosen], minlength=n) > 0
    objective = float(data.score[chosen].sum()) + (data.coverage_bonus or 0.0) * int(covered.sum())
    pi = potentials(net, flows)
    leader_pi, mentor_pi = pi[2 : 2 + n], pi[2 + n :]
    reach_l, reach_m = leader_pi < UNREACHED, mentor_pi < UNREACHED
    duals = Duals(
        np.where(reach_l, -leader_pi / 100.0, -np.inf),  # a leader that cannot reach the sink: price all its pairs
        np.where(reach_m, mentor_pi / 100.0, 0.0),
        np.zeros((len(data.mentor_ids), len(data.dept_names) + 1)),
    )
    return FlowResult(OPTIMAL, SOLVER_NAME, objective, chosen, duals)


def potentials(net: Network, flows: np.ndarray) -> np.ndarray:
    """Shortest distance from each node to the sink in the residual graph (UNREACHED where there is no path)."""
    forward, backward = flows < net.cap, flows > 0
    tail = np.concatenate([net.tail[forward], net.head[backward]])
    head = np.concatenate([net.head[forward], net.tail[backward]])
    cost = np.concatenate([net.cost[forward], -net.cost[backward]])
    return distances_to(net.nodes, 1, tail, head, cost)


def distances_to(nodes: int, target: int, tail: np.ndarray, head: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Bellman-Ford towards `target`, relaxing only arcs that enter nodes whose distance just fell."""
    order = np.argsort(head, kind="stable")
    tail, head, cost = tail[order], head[order], cost[order]
    start = np.searchsorted(head, np.arange(nodes + 1))
    pi = np.full(nodes, UNREACHED, dtype=np.int64)
    pi[target] = 0
    active = np.array([target])
    for _ in range(nodes + 1):
        counts = start[active + 1] - start[active]
        total = int(counts.sum())
        if total == 0:
            return pi
        first = np.repeat(start[active] - (np.cumsum(counts) - counts), counts)
        arcs = first + np.arange(total)
        candidate = pi[head[arcs]] + cost[arcs]
        better = candidate < pi[tail[arcs]]
        if not better.any():
            return pi
        np.minimum.at(pi, tail[arcs][better], candidate[better])
        active = np.unique(tail[arcs][better])
    raise RuntimeError("the residual graph has a negative cycle: the flow was not optimal")
