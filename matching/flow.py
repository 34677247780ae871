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

import multiprocessing
from dataclasses import dataclass

import numpy as np

from matching.candidates import Duals
from matching.model import ModelInput
from matching.solver import NO_SOLUTION, OPTIMAL

SOLVER_NAME = "OR-Tools min-cost flow"
CENT_TOLERANCE = 1e-7
UNREACHED = 2**62
# Time left below which a solve runs in a child process that can be stopped: seconds per arc, far
# above the slowest measured (about 1.3e-5 s per arc under load), plus a fixed allowance.
SECONDS_PER_ARC = 1e-4
SAFE_SECONDS = 5.0


def is_network(data: ModelInput) -> bool:
    """Whether this model is a network with whole-hundredth scores (department caps are (mentor, department) nodes)."""
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
    """Arcs of the flow network (nodes: 0 source, 1 sink, 2.. leaders, 2+n.. mentors, then (mentor, department)
    groups) and pair arc positions."""

    tail: np.ndarray
    head: np.ndarray
    cap: np.ndarray
    cost: np.ndarray
    supply: int
    pair_arc: np.ndarray  # pool position of each pair arc (the first len(pair_arc) arcs)
    nodes: int
    group_key: np.ndarray  # mentor * (departments + 1) + department of each group node (after the mentors)


def _arcs(tail: np.ndarray, head: np.ndarray, cap: np.ndarray, cost: np.ndarray | int) -> tuple[np.ndarray, ...]:
    size = len(tail)
    return (
        np.broadcast_to(tail, size).astype(np.int64),
        np.broadcast_to(head, size).astype(np.int64),
        np.broadcast_to(cap, size).astype(np.int64),
        np.broadcast_to(cost, size).astype(np.int64),
    )


def _department_groups(
    data: ModelInput, free: np.ndarray, pinned: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(group of each free pair or -1, mentor and department of each group, places left in each group).

    A group is a (mentor, leader department) whose free candidates could exceed the department cap
    left after pins; only those need their own node, the other pairs go straight to the mentor.
    """
    width = len(data.dept_names) + 1
    dept = data.leader_dept[data.li]
    key = np.where(dept >= 0, data.mj * width + dept, -1)
    free_key = key[free]
    groups, inverse, counts = np.unique(free_key, return_inverse=True, return_counts=True)
    pinned_keys = key[pinned]
    at = np.searchsorted(groups, pinned_keys)
    hit = at < len(groups)
    hit[hit] = groups[at[hit]] == pinned_keys[hit]
    pinned_in = np.bincount(at[hit], minlength=len(groups))
    rest = np.maximum(0, int(data.dept_cap or 0) - pinned_in)
    binding = (groups >= 0) & (counts > rest)
    number = np.full(len(groups), -1)
    number[binding] = np.arange(int(binding.sum()))
    return number[inverse.reshape(-1)], groups[binding], rest[binding]


def build_network(data: ModelInput) -> Network:
    """The network of the candidate pool, pins already placed; department caps as (mentor, department) nodes."""
    n, m = len(data.leader_ids), len(data.mentor_ids)
    pinned = np.asarray(data.is_pinned, dtype=bool)
    free = np.flatnonzero(~pinned & ~np.asarray(data.is_forbidden, dtype=bool))
    pins_l = np.bincount(data.li[pinned], minlength=n)
    rest_l = np.maximum(0, data.wanted - pins_l).astype(np.int64)
    rest_m = np.maximum(0, data.capacity - np.bincount(data.mj[pinned], minlength=m)).astype(np.int64)
    leaders = np.arange(n, dtype=np.int64)
    cents = np.rint(data.score[free] * 100).astype(np.int64)
    head = 2 + n + data.mj[free]
    groups, group_key = np.full(len(free), -1), np.zeros(0, np.int64)
    group_rest = np.zeros(0, np.int64)
    if data.dept_cap is not None:
        groups, group_key, group_rest = _department_groups(data, free, pinned)
        head = np.where(groups >= 0, 2 + n + m + groups, head)
    parts = [_arcs(2 + data.li[free], head, np.ones(len(free)), -cents)]
    others = rest_l
    if data.coverage_bonus is not None:  # the first unit into an uncovered leader earns the bonus
        cover = (pins_l == 0) & (rest_l > 0)
        bonus = round(data.coverage_bonus * 100)
        parts.append(_arcs(np.zeros(int(cover.sum())), 2 + leaders[cover], np.ones(int(cover.sum())), -bonus))
        others = rest_l - cover
    more = others > 0
    parts.append(_arcs(np.zeros(int(more.sum())), 2 + leaders[more], others[more], 0))
    supply = int(sum(int(p[2].sum()) for p in parts[1:]))
    width = len(data.dept_names) + 1
    parts.append(_arcs(2 + n + m + np.arange(len(group_key)), 2 + n + group_key // width, group_rest, 0))
    open_m = np.flatnonzero(rest_m > 0)
    parts.append(_arcs(2 + n + open_m, np.ones(len(open_m)), rest_m[open_m], 0))
    parts.append(_arcs(np.zeros(1), np.ones(1), np.array([supply + 1]), 0))  # any amount may flow
    tail, head, cap, cost = (np.concatenate(x) for x in zip(*parts, strict=True))
    return Network(tail, head, cap, cost, supply, free, 2 + n + m + len(group_key), group_key)


@dataclass(frozen=True)
class FlowResult:
    """The optimal flow: chosen pool pairs, objective in points, and the prices for pricing."""

    outcome: str
    solver: str
    objective: float | None
    chosen: np.ndarray  # bool over the pool
    duals: Duals | None
    timed_out: bool = False  # stopped at the time limit, before OR-Tools finished


def _min_cost_flows(net: Network) -> np.ndarray | None:
    """OR-Tools' optimal flow on every arc, or None when it finds none."""
    from ortools.graph.python import min_cost_flow

    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(net.tail, net.head, net.cap, net.cost)
    solver.set_nodes_supplies(np.array([0, 1]), np.array([net.supply, -net.supply]))
    if solver.solve() != solver.OPTIMAL:
        return None
    return np.asarray(solver.flows(np.arange(len(net.tail))), dtype=np.int64)


def _child(conn: object, net: Network) -> None:  # pragma: no cover - runs in the child process
    flows = _min_cost_flows(net)
    conn.send_bytes(b"" if flows is None else flows.tobytes())  # type: ignore[attr-defined]
    conn.close()  # type: ignore[attr-defined]


def _flows_within(net: Network, time_limit: float) -> tuple[np.ndarray | None, bool]:
    """(flows or None, timed out): the solve runs in a child process, stopped if the time limit passes.

    OR-Tools holds the interpreter lock while it solves, so a thread could not be abandoned.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, net), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(max(0.0, time_limit)):
            return None, True
        data = receive.recv_bytes()
    except EOFError:  # the child died without an answer (out of memory, killed)
        return None, False
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    return (np.frombuffer(data, dtype=np.int64).copy() if data else None), False


def can_fork() -> bool:
    """Whether a solve can run in a child process that the time limit may stop (POSIX fork)."""
    return "fork" in multiprocessing.get_all_start_methods()


def solve_flow(data: ModelInput, time_limit: float | None = None) -> FlowResult:
    """Solve the pool as a min-cost flow and recover the prices that prove (or disprove) optimality.

    With a `time_limit` that the solve might not fit in, it runs where it can be stopped; a solve
    stopped by the limit comes back with `timed_out` set and no solution.
    """
    net = build_network(data)
    none = np.zeros(len(data.li), bool)
    if time_limit is not None and time_limit <= 0:
        return FlowResult(NO_SOLUTION, SOLVER_NAME, None, none, None, timed_out=True)
    risky = time_limit is not None and time_limit < SAFE_SECONDS + SECONDS_PER_ARC * len(net.tail)
    if risky and can_fork():
        flows, timed_out = _flows_within(net, float(time_limit))  # type: ignore[arg-type]
    else:
        flows, timed_out = _min_cost_flows(net), False
    if flows is None:
        return FlowResult(NO_SOLUTION, SOLVER_NAME, None, none, None, timed_out=timed_out)
    chosen = np.asarray(data.is_pinned, dtype=bool).copy()
    chosen[net.pair_arc[flows[: len(net.pair_arc)] > 0]] = True
    n = len(data.leader_ids)
    covered = np.bincount(data.li[chosen], minlength=n) > 0
    objective = float(data.score[chosen].sum()) + (data.coverage_bonus or 0.0) * int(covered.sum())
    pi = potentials(net, flows)
    m, width = len(data.mentor_ids), len(data.dept_names) + 1
    leader_pi, mentor_pi, group_pi = pi[2 : 2 + n], pi[2 + n : 2 + n + m], pi[2 + n + m :]
    reach_l, reach_m = leader_pi < UNREACHED, mentor_pi < UNREACHED
    dept = np.zeros((m, width))
    j, d = net.group_key // width, net.group_key % width
    ok = (group_pi < UNREACHED) & reach_m[j]
    dept[j[ok], d[ok]] = (group_pi[ok] - mentor_pi[j[ok]]) / 100.0  # >= 0: the group's cap is the price
    duals = Duals(
        np.where(reach_l, -leader_pi / 100.0, -np.inf),  # a leader that cannot reach the sink: price all its pairs
        np.where(reach_m, mentor_pi / 100.0, 0.0),
        dept,
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
