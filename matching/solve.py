"""solve(problem): score, prune, build the model, solve, prove optimality, explain the result.

The model is a network flow (leaders -> mentors, with the coverage flag and department caps as
extra nodes and arcs). It is solved as a min-cost flow (OR-Tools, `matching.flow`), or as an LP with
HiGHS's simplex (integral vertices; a MIP should a value ever come out fractional) or CBC.

Pruning: each leader starts with its top-K mentors. The prices (node potentials of the flow, or the
LP duals) then price every left-out pair; pairs with a positive reduced cost join the model and it
is solved again. When none is left, the optimum of the pruned model is the optimum of the full
problem: proven optimal.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from matching import flow, pulp_backend
from matching import solver as solvers
from matching.candidates import Duals, Pool, leaders_to_rescan, price_left_out, top_candidates
from matching.diagnose import check_pins, explain_unmatched
from matching.fast import FastScorer
from matching.features import Features, PairSet, build_features
from matching.greedy import greedy
from matching.model import ArrayModel, ModelInput, build_model
from matching.problem import Problem
from matching.rules import GIVEN
from matching.solution import FEASIBLE, INFEASIBLE, OPTIMAL, MentorLoad, Pair, Solution
from matching.vectorised import Pairs, criterion_cents, evaluate

DEFAULT_TOP_K = 10
PRICE_TOLERANCE = 1e-6
INTEGRALITY_TOLERANCE = 1e-6
MAX_PRICING_ROUNDS = 100
PRICING_MARGIN = 0.05  # share of the largest score: near-improving pairs added with the improving ones


class _Clock:
    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.spent: dict[str, float] = {}

    def add(self, key: str, since: float) -> float:
        now = time.perf_counter()
        self.spent[key] = self.spent.get(key, 0.0) + now - since
        return now

    def left(self, limit: float) -> float:
        return limit - (time.perf_counter() - self.start)


def _add_fixed_pairs(problem: Problem, feats: Features, pool: Pool) -> PairSet:
    """Pins always join the model; so do forbidden pairs that pass every other rule (held at 0)."""
    m = len(feats.mentors.ids)
    pins = PairSet.build([(feats.leaders.index[a], feats.mentors.index[b]) for a, b in problem.pinned], m)
    for keys, ignore in ((pins.keys, ("no_gain",)), (feats.forbidden.keys, ("forbidden",))):
        if len(keys):
            li, mj = keys // m, keys % m
            values = evaluate(Pairs(feats, li, mj), problem.rules, ignore=ignore)
            ok = np.isfinite(values)
            pool.extend(li[ok], mj[ok], values[ok], m)
    return pins


def _coverage_bonus(problem: Problem, feats: Features, pool: Pool) -> float | None:
    """Points per matched leader: more than any possible difference in total score, so coverage comes first."""
    if problem.rules.objective != "coverage":
        return None
    return float(math.ceil(1 + float(np.dot(feats.leaders.slots, pool.best_abs))))


def _model_input(feats: Features, pool: Pool, pins: PairSet, bonus: float | None, cap: int | None) -> ModelInput:
    keys = pool.keys(len(feats.mentors.ids))
    return ModelInput(
        li=pool.li,
        mj=pool.mj,
        score=pool.score,
        leader_ids=feats.leaders.ids,
        mentor_ids=feats.mentors.ids,
        wanted=feats.leaders.slots,
        capacity=feats.mentors.slots,
        leader_dept=feats.leaders.dept,
        dept_names=feats.dept_names,
        is_pinned=pins.contains(keys),
        is_forbidden=feats.forbidden.contains(keys),
        coverage_bonus=bonus,
        dept_cap=None if cap is None else int(cap),
    )


def read_duals(model: ArrayModel, row_duals: np.ndarray, feats: Features) -> Duals:
    """The model's row duals (maximisation convention) per leader, mentor and (mentor, department)."""
    n, m = len(feats.leaders.ids), len(feats.mentors.ids)
    leader, mentor = np.zeros(n), np.zeros(m)
    dept = np.zeros((m, len(feats.dept_names) + 1))
    offset = 0
    for fam in model.families:
        values = row_duals[offset : offset + len(fam)]
        offset += len(fam)
        if fam.family == "leader_slots":
            np.add.at(leader, fam.keys[:, 0], values)
        elif fam.family == "covered":
            np.add.at(leader, fam.keys[:, 0], -values)  # x enters covered[L] with coefficient -1
        elif fam.family == "capacity":
            mentor[fam.keys[:, 0]] = values
        elif fam.family == "department_cap":
            dept[fam.keys[:, 0], fam.keys[:, 1]] = values
    return Duals(leader, mentor, dept)


def _integral(values: np.ndarray) -> bool:
    return bool(np.all(np.minimum(np.abs(values), np.abs(values - 1)) <= INTEGRALITY_TOLERANCE))


class _Search:
    """One solve: the pool of candidate pairs, the model runs, and what they proved."""

    def __init__(self, problem: Problem, solver: str | None, top_k: int, full_dual_check: bool = False) -> None:
        if solver not in (None, "flow", "highs", "cbc"):
            raise ValueError(f"solver must be 'flow', 'highs' or 'cbc', got {solver!r}")
        self.full_dual_check = full_dual_check
        self.problem, self.rules, self.solver_name = problem, problem.rules, solver
        self.clock = _Clock()
        t = time.perf_counter()
        self.feats = build_features(problem)
        check_pins(problem, self.feats)
        self.scorer = FastScorer(self.feats, self.rules)
        self.pool = top_candidates(self.scorer, top_k)
        self.pins = _add_fixed_pairs(problem, self.feats, self.pool)
        self.bonus = _coverage_bonus(problem, self.feats, self.pool)
        self.margin = PRICING_MARGIN * float(self.pool.best_abs.max(initial=0.0))
        self.clock.add("scoring_s", t)
        self.stats: dict[str, Any] = {
            "top_k": top_k,
            "pricing_rounds": 0,
            "pairs_added_by_pricing": 0,
            "leaders_rescanned": 0,
            "model": "LP",
            "solver": None,
        }

    def _input(self) -> ModelInput:
        self.model_keys = self.pool.keys(len(self.feats.mentors.ids))
        return _model_input(self.feats, self.pool, self.pins, self.bonus, self.rules.max_per_department_per_mentor)

    def _solve(self, mip: bool, warm: Any = None) -> tuple[ArrayModel, solvers.Result]:
        t = time.perf_counter()
        model = build_model(self._input(), integer=mip)
        t = self.clock.add("model_s", t)
        lp_solver = None if self.solver_name == "flow" else self.solver_name
        result = solvers.run_model(model, lp_solver, self.clock.left(self.rules.time_limit_s), warm)
        self.clock.add("solve_s", t)
        self.stats["solver"] = result.solver
        return model, result

    def _price(self, duals: Duals, threshold: float) -> int:
        t = time.perf_counter()
        if self.full_dual_check:  # price every left-out pair, not only those the bound cannot rule out
            rows = np.arange(len(self.feats.leaders.ids))
        else:
            rows = leaders_to_rescan(self.pool, duals, threshold)  # the others are certified by their bound
        li, mj, sc, reduced = price_left_out(self.scorer, self.pool, duals, rows, threshold - self.margin)
        improving = int(np.count_nonzero(reduced > threshold))
        if improving:  # also take the pairs just below the bar: they tend to price in next round
            self.pool.extend(li, mj, sc, len(self.feats.mentors.ids))
            self.stats["pairs_added_by_pricing"] += len(li)
        self.stats["leaders_rescanned"] += len(rows)
        self.clock.add("pricing_s", t)
        return improving

    def _network(self) -> bool:
        if self.solver_name in ("highs", "cbc") or not flow.available():
            return False
        return flow.is_network(self._input())

    def run(self) -> tuple[str, np.ndarray, float | None]:
        """(status, chosen mask over the pool, relative gap) after pricing and integrality checks."""
        return self._run_flow() if self._network() else self._run_lp()

    def _time_up(self) -> bool:
        return self.clock.left(self.rules.time_limit_s) <= 0

    def _run_flow(self) -> tuple[str, np.ndarray, float | None]:
        """Min-cost flow on the pool, priced with the residual graph's potentials until nothing improves."""
        self.stats["model"] = "network flow"
        last: np.ndarray | None = None  # keys of the last optimal flow: optimal for that round's pool
        while True:
            t = time.perf_counter()
            data = self._input()
            t = self.clock.add("model_s", t)
            result = flow.solve_flow(data, self.clock.left(self.rules.time_limit_s))
            self.clock.add("solve_s", t)
            self.stats["solver"] = result.solver
            if result.timed_out:
                return self._out_of_time(last)
            if result.outcome != solvers.OPTIMAL or result.duals is None:
                self.stats["model"] = "LP"
                return self._run_lp()
            last = self.model_keys[result.chosen]
            chosen = np.isin(self.pool.keys(len(self.feats.mentors.ids)), last)
            self.stats["pricing_rounds"] += 1
            if not self._price(result.duals, PRICE_TOLERANCE):
                return OPTIMAL, chosen, 0.0
            if self._time_up() or self.stats["pricing_rounds"] >= MAX_PRICING_ROUNDS:
                return self._out_of_time(last)

    def _out_of_time(self, last: np.ndarray | None) -> tuple[str, np.ndarray, float | None]:
        """The time limit stopped the search: the last optimal flow's pairs, else a greedy pass; with a gap bound."""
        if last is not None:
            chosen = np.isin(self.pool.keys(len(self.feats.mentors.ids)), last)
            self.stats["model"] = "network flow (candidates before the last pricing round)"
        else:
            self.stats["model"] = "greedy (time limit reached before the solver finished)"
            chosen = greedy(self.feats, self.pool, self.pins, self.rules)
        return FEASIBLE, chosen, self.gap_bound(chosen)

    def gap_bound(self, chosen: np.ndarray) -> float:
        """An upper bound on the relative gap of these pairs to the optimum (in the model's objective).

        The bound takes each leader's best places alone: every leader's best `mentors_wanted`
        positive scores in the pool (which holds each leader's best pairs), plus the coverage bonus.
        """
        pool, slots = self.pool, self.feats.leaders.slots
        order = np.lexsort((-pool.score, pool.li))
        li, score = pool.li[order], pool.score[order]
        first = np.searchsorted(li, np.arange(len(slots)))
        rank = np.arange(len(li)) - first[li]
        best = float(np.maximum(score[rank < slots[li]], 0.0).sum())
        bonus = self.bonus or 0.0
        bound = best + bonus * int(np.count_nonzero(np.bincount(pool.li, minlength=len(slots))))
        got = float(pool.score[chosen].sum()) + bonus * len(np.unique(pool.li[chosen]))
        return max(0.0, bound - got) / max(1.0, abs(bound))

    def _run_lp(self) -> tuple[str, np.ndarray, float | None]:
        if self._time_up():  # nothing is left for the solver: the greedy pass alone
            return self._out_of_time(None)
        model, result = self._solve(mip=False)
        proven, earlier = False, None
        while result.outcome == solvers.OPTIMAL and self.stats["pricing_rounds"] < MAX_PRICING_ROUNDS:
            self.stats["pricing_rounds"] += 1
            values = result.values
            earlier = self.model_keys[values[: model.columns.pairs] > 0.5] if _integral(values) else None
            if not self._price(read_duals(model, result.row_duals, self.feats), PRICE_TOLERANCE):
                proven = True
                break
            if self.clock.left(self.rules.time_limit_s) <= 0:
                break  # keep the last optimal LP: best for the candidates so far, not proven for all pairs
            model, result = self._solve(mip=False, warm=result.warm)  # the simplex restarts from the last basis
        if result.outcome != solvers.OPTIMAL and earlier is not None:
            # The re-solve ran out of time: the previous LP's pairs are optimal for the smaller candidate set.
            self.stats["model"] = "LP (candidates before the last pricing round)"
            return FEASIBLE, np.isin(self.pool.keys(len(self.feats.mentors.ids)), earlier), None
        if result.outcome != solvers.OPTIMAL:
            return self._fallback(result)
        if _integral(result.values):
            return (OPTIMAL if proven else FEASIBLE), self._chosen(model, result), 0.0 if proven else None
        return self._mip(model, result)

    def _mip(self, lp_model: ArrayModel, lp: solvers.Result) -> tuple[str, np.ndarray, float | None]:
        """Fractional LP: solve the MIP; pairs that could close the gap (reduced cost > -gap) join first."""
        self.stats["model"] = "MIP"
        lp_bound = float(lp.objective or 0.0)
        model, result = self._solve(mip=True)
        if result.outcome in (solvers.OPTIMAL, solvers.FEASIBLE) and result.objective is not None:
            gap = lp_bound - result.objective
            if gap > PRICE_TOLERANCE and self._price(read_duals(lp_model, lp.row_duals, self.feats), -gap):
                model, result = self._solve(mip=True)
        if result.outcome not in (solvers.OPTIMAL, solvers.FEASIBLE) or result.objective is None:
            return self._fallback(result)
        gap = max(0.0, lp_bound - result.objective) / max(1.0, abs(lp_bound))
        status = OPTIMAL if result.outcome == solvers.OPTIMAL else FEASIBLE
        return status, self._chosen(model, result), gap

    def _chosen(self, model: ArrayModel, result: solvers.Result) -> np.ndarray:
        """The chosen pairs of a model as a mask over the pool (which pricing may have grown since)."""
        picked = self.model_keys[result.values[: model.columns.pairs] > 0.5]
        return np.isin(self.pool.keys(len(self.feats.mentors.ids)), picked)

    def _fallback(self, result: solvers.Result) -> tuple[str, np.ndarray, float | None]:
        if result.outcome == solvers.INFEASIBLE:
            return INFEASIBLE, np.zeros(len(self.pool.li), dtype=bool), None
        self.stats["model"] = "greedy (solver stopped without a solution)"
        chosen = greedy(self.feats, self.pool, self.pins, self.rules)
        return FEASIBLE, chosen, self.gap_bound(chosen)


def solve(
    problem: Problem,
    *,
    solver: str | None = None,
    top_k: int = DEFAULT_TOP_K,
    full_dual_check: bool = False,
    write_lp: str | Path | None = None,
) -> Solution:
    """Match leaders to mentors under the problem's rules; the result is proven optimal when status says so.

    `solver`: "flow", "highs" or "cbc" (default: OR-Tools' min-cost flow when the model is a network,
    else HiGHS on the arrays when highspy imports, else CBC). `top_k`: candidates kept per wanted
    mentor before pricing. `full_dual_check`: rescore every left-out pair for the proof instead of only
    the leaders whose best left-out score could still beat their dual price (same result, slower).
    `write_lp`: also write the model of the final candidate pairs to this file (CPLEX LP format).
    """
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    search = _Search(problem, solver, top_k, full_dual_check)
    status, chosen, gap = search.run()
    if write_lp is not None:  # the final candidates' model, with whole-number variables, for an analyst
        pulp_backend.write_lp(build_model(search._input(), integer=True), write_lp)
    return _solution(search, status, chosen, gap)


def _reasons(search: _Search, li: np.ndarray, mj: np.ndarray, score: np.ndarray) -> list[tuple[tuple[str, float], ...]]:
    if search.feats.given is not None:
        return [((GIVEN, float(s)),) for s in score.tolist()]
    points = criterion_cents(Pairs(search.feats, li, mj), search.rules)
    columns = [(name, np.asarray(values).tolist()) for name, values in points.items()]
    return [tuple((name, vals[k] / 100) for name, vals in columns if vals[k] != 0) for k in range(len(li))]


def _solution(search: _Search, status: str, chosen: np.ndarray, gap: float | None) -> Solution:
    t = time.perf_counter()
    feats, pool = search.feats, search.pool
    li, mj, score = pool.li[chosen], pool.mj[chosen], pool.score[chosen]
    keys = pool.keys(len(feats.mentors.ids))[chosen]
    pinned = search.pins.contains(keys)
    reasons = _reasons(search, li, mj, score)
    L, M = feats.leaders.ids, feats.mentors.ids
    pairs = tuple(
        Pair(L[i], M[j], float(s), bool(p), r)
        for i, j, s, p, r in zip(li.tolist(), mj.tolist(), score.tolist(), pinned.tolist(), reasons, strict=True)
    )
    load = np.bincount(mj, minlength=len(M))
    dept_load: dict[tuple[int, int], int] = {}
    for i, j in zip(li.tolist(), mj.tolist(), strict=True):
        d = int(feats.leaders.dept[i])
        dept_load[j, d] = dept_load.get((j, d), 0) + 1
    chosen_pairs = set(zip(li.tolist(), mj.tolist(), strict=True))
    unmatched = explain_unmatched(feats, search.rules, status, chosen_pairs, load, dept_load, search.scorer.block)
    # Engine scores are whole hundredths, so they add up exactly; given scores are summed carefully.
    exact = feats.given is None
    total = int(np.rint(score * 100).astype(np.int64).sum()) / 100 if exact else math.fsum(score.tolist())
    search.clock.add("explain_s", t)
    stats = dict(search.stats)
    stats.update(
        {
            "leaders": len(L),
            "mentors": len(M),
            "compatible_pairs": int(pool.compatible.sum()),
            "candidates": len(pool.li),
            "forbidden_in_model": int(feats.forbidden.contains(pool.keys(len(M))).sum()),
            "coverage_bonus": search.bonus,  # points per matched leader in the model's objective (None: "score")
            "pairs": len(li),
            "time_limit_s": search.rules.time_limit_s,
            "times": {k: round(v, 4) for k, v in sorted(search.clock.spent.items())}
            | {"total_s": round(time.perf_counter() - search.clock.start, 4)},
        }
    )
    reason = None
    if status == INFEASIBLE:
        reason = "The solver found the rules and pins impossible to satisfy together."
    elif str(stats["model"]).startswith("greedy"):
        reason = (
            f"The solver's time limit ({search.rules.time_limit_s:g} s) ran out before it found a solution; "
            "these pairs come from a greedy pass that respects every rule but is not optimal."
        )
    elif status == FEASIBLE:
        reason = f"The solver's time limit ({search.rules.time_limit_s:g} s) ran out; this is the best solution found."
    return Solution(
        status=status,
        matched=len(set(li.tolist())),
        total_score=total,
        pairs=pairs,
        unmatched=tuple(unmatched),
        mentors=tuple(MentorLoad(M[j], int(load[j]), int(feats.mentors.slots[j])) for j in range(len(M))),
        objective=search.rules.objective,
        gap=gap if status == FEASIBLE else None,
        reason=reason,
        stats=stats,
    )
