"""The network-flow back end: same optimum as the LP, and potentials that prove it."""

import numpy as np
import pytest

from matching import flow, problem_from_dict, solve
from matching.generate import generate


def crowded(seed: int, n: int = 300, m: int = 90, **rules):
    data = generate(n, m, seed=seed, two_mentor_share=0.3)
    data["rules"] = rules
    return problem_from_dict(data)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("objective", ["coverage", "score"])
def test_flow_and_highs_reach_the_same_proven_optimum(seed, objective):
    problem = crowded(seed, objective=objective, repeat_pairs="penalize")
    network, lp = solve(problem, top_k=2, solver="flow"), solve(problem, top_k=2, solver="highs")
    assert network.stats["solver"] == "OR-Tools min-cost flow" and lp.stats["solver"] == "HiGHS"
    assert network.status == lp.status == "optimal"
    assert network.total_score == lp.total_score
    if objective == "coverage":
        assert network.matched == lp.matched


def test_the_potentials_leave_no_residual_arc_with_a_negative_reduced_cost():
    from matching.features import build_features
    from matching.solve import _Search

    problem = crowded(1)
    search = _Search(problem, "flow", 3)
    data = search._input()
    net = flow.build_network(data)
    from ortools.graph.python import min_cost_flow

    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(net.tail, net.head, net.cap, net.cost)
    solver.set_nodes_supplies(np.array([0, 1]), np.array([net.supply, -net.supply]))
    assert solver.solve() == solver.OPTIMAL
    flows = np.asarray(solver.flows(np.arange(len(net.tail))))
    pi = flow.potentials(net, flows)
    reached = pi < flow.UNREACHED
    forward, backward = flows < net.cap, flows > 0
    for tails, heads, costs in (
        (net.tail[forward], net.head[forward], net.cost[forward]),
        (net.head[backward], net.tail[backward], -net.cost[backward]),
    ):
        both = reached[tails] & reached[heads]
        assert np.all(costs[both] - pi[tails][both] + pi[heads][both] >= 0)
    n = len(build_features(problem).leaders.ids)
    mentor_pi = pi[2 + n :]
    assert np.all(mentor_pi[mentor_pi < flow.UNREACHED] >= 0)  # mentor prices are never negative


def test_department_caps_and_fractional_given_scores_are_not_a_network():
    from matching.solve import _Search

    capped = _Search(crowded(0, max_per_department_per_mentor=1), None, 2)
    assert not flow.is_network(capped._input())
    assert solve(crowded(0, max_per_department_per_mentor=1)).stats["solver"] == "HiGHS"


def test_unmatched_reasons_read_from_the_fast_scorer_equal_the_reference_ones():
    import importlib

    import numpy as np

    from matching.diagnose import explain_unmatched

    search_module = importlib.import_module("matching.solve")
    problem = crowded(2, n=200, m=40, min_score=75)
    search = search_module._Search(problem, None, 2)
    status, chosen, _ = search.run()
    li, mj = search.pool.li[chosen], search.pool.mj[chosen]
    pairs = set(zip(li.tolist(), mj.tolist(), strict=True))
    load = np.bincount(mj, minlength=len(search.feats.mentors.ids))
    args = (search.feats, problem.rules, status, pairs, load, {})
    fast, reference = explain_unmatched(*args, search.scorer.block), explain_unmatched(*args)
    assert fast == reference and any(u.reason.startswith("No mentor passes") for u in fast)
