"""The HiGHS back end: the ArrayModel handed to highspy as arrays in one `passModel` call.

PuLP's HiGHS interface copies a model one column and one row at a time; here the column-wise matrix
goes over at once. The LP is solved with the simplex method, which ends on a vertex: integral when
the matrix is totally unimodular (no department cap). Statuses are compared with HiGHS's enum.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def column_keys(model: ArrayModel) -> list[int]:
    """A key per column that survives rebuilding the model: pair key for x[L,M], -(leader + 1) for has_mentor[L]."""
    c, m = model.columns, len(model.data.mentor_ids)
    return (c.li * m + c.mj).tolist() + (-(c.flag_leader + 1)).tolist()


def row_keys(model: ArrayModel) -> list[tuple[int, ...]]:
    """A key per row that survives rebuilding the model: (family number, indices naming the row)."""
    names = ("leader_slots", "covered", "capacity", "department_cap", "forbidden", "pinned")
    return [(names.index(f.family), *key) for f in model.families for key in f.keys.tolist()]


@dataclass
class WarmStart:
    """The last optimal basis, keyed by column and row identity, to restart the simplex after pricing."""

    columns: dict[int, Any]
    rows: dict[tuple[int, ...], Any]


def _basis_for(model: ArrayModel, warm: WarmStart) -> Any:
    """The previous basis on the new model: old columns and rows keep their status, new columns start at 0
    (nonbasic) and new rows with their slack basic, so there are exactly as many basic variables as rows."""
    import highspy

    basis = highspy.HighsBasis()
    lower, basic = highspy.HighsBasisStatus.kLower, highspy.HighsBasisStatus.kBasic
    basis.col_status = [warm.columns.get(k, lower) for k in column_keys(model)]
    basis.row_status = [warm.rows.get(k, basic) for k in row_keys(model)]
    basis.valid = True
    return basis


def solve_arrays(model: ArrayModel, time_limit: float, warm: WarmStart | None = None) -> Result:
    """Solve the LP with HiGHS's simplex (from `warm`'s basis if given); values and duals when optimal."""
    import highspy

    if not len(model.columns.cost):  # nothing to choose (HiGHS would call the model empty)
        return Result(OPTIMAL, "HiGHS", 0.0, np.zeros(0), np.zeros(model.num_rows))
    sign = _dual_sign()
    h = _highs(time_limit)
    h.passModel(highs_lp(model))
    if warm is not None:
        h.setBasis(_basis_for(model, warm))
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        solution = h.getSolution()
        values = np.asarray(solution.col_value, dtype=np.float64)
        duals = sign * np.asarray(solution.row_dual, dtype=np.float64)
        basis = h.getBasis()
        start = WarmStart(
            dict(zip(column_keys(model), basis.col_status, strict=True)),
            dict(zip(row_keys(model), basis.row_status, strict=True)),
        )
        return Result(OPTIMAL, "HiGHS", float(h.getInfo().objective_function_value), values, duals, start)
    if status == highspy.HighsModelStatus.kInfeasible:
        return Result(INFEASIBLE, "HiGHS", None, None, None)
    return Result(NO_SOLUTION, "HiGHS", None, None, None)  # stopped on time: an LP point is no answer
