"""The HiGHS back end: the ArrayModel handed to highspy as arrays in one `passModel` call.

PuLP's HiGHS interface copies a model one column and one row at a time; here the column-wise matrix
goes over at once. The LP is solved with the simplex method, which ends on a vertex: integral when
the matrix is totally unimodular (no department cap). Statuses are compared with HiGHS's enum.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from matching.model import ArrayModel
from matching.solver import INFEASIBLE, NO_SOLUTION, OPTIMAL, Result, _quiet_highs_banner


def _highs(time_limit: float):  # type: ignore[no-untyped-def]
    import highspy

    _quiet_highs_banner()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("random_seed", 0)
    return h


def highs_lp(model: ArrayModel) -> Any:
    """The model as a highspy HighsLp (maximisation, column-wise matrix)."""
    import highspy

    starts, index, value, lower, upper = model.csc()
    c = model.columns
    lp = highspy.HighsLp()
    lp.num_col_ = len(c.cost)
    lp.num_row_ = len(lower)
    lp.col_cost_ = c.cost
    lp.col_lower_ = c.lower
    lp.col_upper_ = c.upper
    lp.row_lower_ = np.where(np.isinf(lower), -highspy.kHighsInf, lower)
    lp.row_upper_ = np.where(np.isinf(upper), highspy.kHighsInf, upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.sense_ = highspy.ObjSense.kMaximize
    return lp


@cache
def _dual_sign() -> float:
    """+1 or -1: turns HiGHS's row duals into the maximisation convention (>= 0 on <= rows), asked once."""
    import highspy

    h = _highs(10)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 1, 1
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = np.array([3.0]), np.array([0.0]), np.array([2.0])
    lp.row_lower_, lp.row_upper_ = np.array([-highspy.kHighsInf]), np.array([1.0])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = np.array([0, 1]), np.array([0]), np.array([1.0])
    lp.sense_ = highspy.ObjSense.kMaximize
    h.passModel(lp)
    h.run()
    return 1.0 if h.getSolution().row_dual[0] > 0 else -1.0


def solve_arrays(model: ArrayModel, time_limit: float) -> Result:
    """Solve the LP with HiGHS's simplex; values per column and duals per row when optimal."""
    import highspy

    if not len(model.columns.cost):  # nothing to choose (HiGHS would call the model empty)
        return Result(OPTIMAL, "HiGHS", 0.0, np.zeros(0), np.zeros(model.num_rows))
    sign = _dual_sign()
    h = _highs(time_limit)
    h.passModel(highs_lp(model))
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        solution = h.getSolution()
        values = np.asarray(solution.col_value, dtype=np.float64)
        duals = sign * np.asarray(solution.row_dual, dtype=np.float64)
        return Result(OPTIMAL, "HiGHS", float(h.getInfo().objective_function_value), values, duals)
    if status == highspy.HighsModelStatus.kInfeasible:
        return Result(INFEASIBLE, "HiGHS", None, None, None)
    return Result(NO_SOLUTION, "HiGHS", None, None, None)  # stopped on time: an LP point is no answer
