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


@pytest.mark.parametrize("rules", [{}, {"max_per_department_per_mentor": 1}])
def test_the_potentials_leave_no_residual_arc_with_a_negative_reduced_cost(rules):
    from matching.features import build_features
    from matching.solve import _Search

    problem = crowded(1, **rules)
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
    m = len(problem.mentors)
    mentor_pi, group_pi = pi[2 + n : 2 + n + m], pi[2 + n + m :]
    assert np.all(mentor_pi[mentor_pi < flow.UNREACHED] >= 0)  # mentor prices are never negative
    width = len(data.dept_names) + 1
    reached = (group_pi < flow.UNREACHED) & (mentor_pi[net.group_key // width] < flow.UNREACHED)
    assert np.all(group_pi[reached] >= mentor_pi[net.group_key[reached] // width])  # department prices too
    assert bool(rules) == (len(net.group_key) > 0)


@pytest.mark.parametrize("seed", range(3))
def test_department_caps_are_nodes_of_the_network_and_reach_the_lps_optimum(seed):
    problem = crowded(seed, max_per_department_per_mentor=1)
    network, lp = solve(problem, top_k=1), solve(problem, top_k=1, solver="highs")
    assert network.stats["model"] == "network flow" and lp.stats["solver"] == "HiGHS"
    assert network.status == lp.status == "optimal"
    assert (network.matched, network.total_score) == (lp.matched, lp.total_score)


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


def test_the_lp_restarted_from_the_last_basis_reaches_the_same_optimum_as_a_cold_start(monkeypatch):
    from matching import solver as solvers

    problem = crowded(4, n=300, m=80, max_per_department_per_mentor=1)
    warm = solve(problem, top_k=1, solver="highs")
    real = solvers.run_model
    monkeypatch.setattr(solvers, "run_model", lambda model, name, limit, warm=None: real(model, name, limit, None))
    cold = solve(problem, top_k=1, solver="highs")
    assert warm.stats["solver"] == cold.stats["solver"] == "HiGHS" and warm.stats["pricing_rounds"] > 1
    assert (warm.status, warm.matched, warm.total_score) == (cold.status, cold.matched, cold.total_score)
    assert warm.status == "optimal"


@pytest.mark.parametrize(("n", "m", "rules"), [(2000, 1000, {}), (600, 150, {"max_per_department_per_mentor": 1})])
def test_a_tiny_time_limit_on_a_crowded_cohort_returns_a_valid_matching_marked_feasible(n, m, rules):
    from matching.check import check

    data = generate(n, m, seed=5, two_mentor_share=0.2)
    data["rules"] = rules | {"time_limit_s": 0.001}  # scoring alone takes longer: the limit must trigger
    problem = problem_from_dict(data)
    solution = solve(problem)
    assert solution.status == "feasible" and "time limit" in solution.reason
    assert solution.stats["model"].startswith("greedy")
    assert solution.gap is not None and 0 < solution.gap <= 1  # places are scarce: greedy is not proven
    assert solution.pairs and check(problem, solution) == []


def _pool_input(seed: int = 1):
    from matching.solve import _Search

    return _Search(crowded(seed, n=600, m=150), "flow", 3)._input()


def test_a_flow_solve_the_limit_may_cut_runs_in_a_child_process_and_is_stopped_at_the_limit():
    if not flow.can_fork():
        pytest.skip("no fork on this platform: the solve runs in process")
    stopped = flow.solve_flow(_pool_input(), time_limit=1e-9)
    assert stopped.timed_out and stopped.outcome == "no solution" and not stopped.chosen.any()
    assert flow.solve_flow(_pool_input(), time_limit=0).timed_out


def test_a_flow_solve_in_a_child_process_gives_the_same_flow_and_prices(monkeypatch):
    if not flow.can_fork():
        pytest.skip("no fork on this platform: the solve runs in process")
    data = _pool_input()
    here = flow.solve_flow(data)
    monkeypatch.setattr(flow, "SAFE_SECONDS", 1e6)  # every limit now counts as one the solve might not fit
    there = flow.solve_flow(data, time_limit=600)
    assert there.outcome == here.outcome == "optimal" and not there.timed_out
    assert np.array_equal(there.chosen, here.chosen) and there.objective == here.objective
    assert np.array_equal(there.duals.leader, here.duals.leader)
    assert np.array_equal(there.duals.mentor, here.duals.mentor)


def test_a_solve_whose_flow_runs_in_a_child_process_gives_the_same_answer(monkeypatch):
    if not flow.can_fork():
        pytest.skip("no fork on this platform: the solve runs in process")
    problem = crowded(3, n=400, m=120)
    here = solve(problem)
    monkeypatch.setattr(flow, "SAFE_SECONDS", 1e6)  # every flow solve now goes to a child process
    there = solve(problem)
    assert there.status == here.status == "optimal"
    assert [(p.leader, p.mentor, p.score) for p in there.pairs] == [(p.leader, p.mentor, p.score) for p in here.pairs]
