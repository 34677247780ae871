"""Running a model: HiGHS on the arrays in one call, or PuLP (CBC, or HiGHS for a MIP); time limit, status.

`run_model` is the one entry point: it returns the outcome, the column values and the row duals in
the maximisation convention, whichever back end ran. On the PuLP side the status is read with PuLP's
constants. PuLP 3.3 reports a time-limited solve as `Optimal` in
`prob.status`; only `prob.sol_status` tells the difference, so both are read. PuLP 4 returns a
stats object instead, handled in `_outcome`.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pulp

from matching.model import ArrayModel, affine
from matching.pulp_backend import to_pulp

OPTIMAL, FEASIBLE, INFEASIBLE, NO_SOLUTION = "optimal", "feasible", "infeasible", "no solution"


def highs_available() -> bool:
    """Whether PuLP can drive HiGHS through highspy."""
    try:
        return bool(pulp.HiGHS(msg=False).available())
    except (ImportError, OSError, AttributeError):  # pragma: no cover - broken highspy install
        return False


def _cbc(mip: bool, limit: float) -> Any:
    """COIN_CMD where a cbc executable is installed (PuLP 4), else PuLP 3's bundled PULP_CBC_CMD."""
    coin = pulp.COIN_CMD(mip=mip, msg=False, timeLimit=limit)
    if coin.available() or not hasattr(pulp, "PULP_CBC_CMD"):
        return coin
    with warnings.catch_warnings():  # PuLP 3.3 warns that PULP_CBC_CMD goes away in 4.0; COIN_CMD covers that
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(mip=mip, msg=False, timeLimit=limit)


@lru_cache(maxsize=1)
def _quiet_highs_banner() -> None:
    """highspy prints a banner to file descriptor 1 the first time it starts; send it to /dev/null."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def make_solver(name: str | None, mip: bool, time_limit: float) -> tuple[str, Any]:
    """(solver name, PuLP solver) for 'highs', 'cbc' or None (HiGHS when highspy imports)."""
    if name not in (None, "highs", "cbc"):
        raise ValueError(f"solver must be 'highs' or 'cbc', got {name!r}")
    limit = max(1.0, float(time_limit))
    if name != "cbc" and highs_available():
        _quiet_highs_banner()
        extra = {} if mip else {"solver": "simplex"}  # simplex ends on a vertex: integral when the matrix is TU
        return "HiGHS", pulp.HiGHS(mip=mip, msg=False, timeLimit=limit, **extra)
    if name == "highs":
        raise RuntimeError("HiGHS was requested but highspy is not installed")
    return "CBC", _cbc(mip, limit)


def _outcome(prob: Any, result: Any) -> str:
    if hasattr(result, "has_solution"):  # PuLP 4: solve() returns LpSolveStats
        status_enum = pulp.LpSolveStatus
        if result.has_solution:
            return OPTIMAL if result.status == status_enum.Optimal else FEASIBLE
        return INFEASIBLE if result.status == status_enum.Infeasible else NO_SOLUTION
    if prob.status == pulp.LpStatusOptimal and prob.sol_status == pulp.LpSolutionOptimal:
        return OPTIMAL
    if prob.sol_status == pulp.LpSolutionIntegerFeasible:
        return FEASIBLE
    if prob.status == pulp.LpStatusInfeasible:
        return INFEASIBLE
    return NO_SOLUTION


@dataclass(frozen=True)
class Run:
    """The outcome of one solver call."""

    outcome: str
    solver: str
    objective: float | None
    best_bound: float | None


def run(prob: Any, solver_name: str | None, mip: bool, time_limit: float) -> Run:
    """Solve the problem in place and report the outcome."""
    name, solver = make_solver(solver_name, mip, time_limit)
    result = prob.solve(solver)
    outcome = _outcome(prob, result)
    objective = pulp.value(prob.objective) if outcome in (OPTIMAL, FEASIBLE) else None
    bound = getattr(result, "best_bound", None) if hasattr(result, "has_solution") else getattr(prob, "bestBound", None)
    return Run(outcome, name, objective, bound)


@cache
def dual_sign(solver_name: str | None) -> float:
    """+1 or -1: turns this solver's row duals into the maximisation convention (>= 0 on <= rows).

    Solvers differ (HiGHS reports duals of the minimisation it actually solves), so ask once:
    maximise 3x subject to x <= 1 has the row dual +3 in that convention.
    """
    prob = pulp.LpProblem("dual_sign_probe", pulp.LpMaximize)
    x = prob.add_variable("x", 0, 2)
    prob += affine([(x, 1.0)]) <= 1, "probe"
    prob += affine([(x, 3.0)])
    run(prob, solver_name, mip=False, time_limit=10)
    pi = prob.get_constraint_by_name("probe").pi
    return 1.0 if pi is not None and pi > 0 else -1.0


def dual(constraint: Any, sign: float) -> float:
    """A constraint's dual value in the maximisation convention."""
    return sign * float(constraint.pi or 0.0)


@dataclass(frozen=True)
class Result:
    """One solve of an ArrayModel: outcome, column values and row duals (maximisation convention)."""

    outcome: str
    solver: str
    objective: float | None
    values: np.ndarray | None
    row_duals: np.ndarray | None


def run_model(model: ArrayModel, solver_name: str | None, time_limit: float) -> Result:
    """Solve the model: HiGHS on the arrays for an LP when highspy is there, else PuLP (CBC, or the MIP)."""
    if solver_name not in (None, "highs", "cbc"):
        raise ValueError(f"solver must be 'highs' or 'cbc', got {solver_name!r}")
    if solver_name != "cbc" and not model.integer and highs_available():
        from matching.highs_backend import solve_arrays

        return solve_arrays(model, time_limit)
    pm = to_pulp(model)
    result = run(pm.prob, solver_name, model.integer, time_limit)
    if result.outcome not in (OPTIMAL, FEASIBLE):
        return Result(result.outcome, result.solver, None, None, None)
    values = np.array([v.varValue or 0.0 for v in pm.columns], dtype=np.float64)
    duals = None
    if not model.integer:
        sign = dual_sign(solver_name)
        duals = np.array([dual(row, sign) for row in pm.rows], dtype=np.float64)
    return Result(result.outcome, result.solver, result.objective, values, duals)
