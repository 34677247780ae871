"""The PuLP back end: `to_pulp()` materialises an ArrayModel as a PuLP problem with its readable names.

Used for the MIP (when the department cap breaks total unimodularity and the LP comes out
fractional), for CBC where highspy is missing, and for `python -m matching solve --write-lp FILE`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pulp

from matching.model import ArrayModel, affine, pulp_name


@dataclass
class PulpModel:
    """A PuLP problem made from an ArrayModel: its columns in model order and rows by readable name."""

    prob: Any
    columns: list[Any] = field(default_factory=list)
    constraints: dict[str, Any] = field(default_factory=dict)  # readable name -> stored PuLP constraint
    rows: list[Any] = field(default_factory=list)  # every constraint in model row order (None for empty rows)


def to_pulp(model: ArrayModel) -> PulpModel:
    """The same model as a PuLP problem (maximisation), variables and constraints named as in the arrays."""
    out = PulpModel(pulp.LpProblem("matching", pulp.LpMaximize))
    cat = pulp.LpInteger if model.integer else pulp.LpContinuous
    c = model.columns
    for k in range(len(c.cost)):
        family, parts = model.column_parts(k)
        out.columns.append(out.prob.add_variable(pulp_name(family, *parts), float(c.lower[k]), float(c.upper[k]), cat))
    for fam in model.families:
        order = np.argsort(fam.row, kind="stable")
        cuts = np.searchsorted(fam.row[order], np.arange(len(fam) + 1))
        cols, coefs = fam.col[order].tolist(), fam.coef[order].tolist()
        for r in range(len(fam)):
            items = [(out.columns[cols[e]], coefs[e]) for e in range(cuts[r], cuts[r + 1])]
            out.rows.append(_add(out, fam.family, fam.parts(r), items, float(fam.lower[r]), float(fam.upper[r])))
    out.prob += affine(list(zip(out.columns, c.cost.tolist(), strict=True)))
    return out


def _add(out: PulpModel, family: str, parts: tuple[str, ...], items: list[Any], lower: float, upper: float) -> Any:
    expr = affine(items)
    constraint = expr == upper if lower == upper else expr <= upper
    name = pulp_name(family, *parts)
    out.prob += constraint, name
    stored = out.prob.get_constraint_by_name(name)
    out.constraints[f"{family}[{','.join(parts)}]"] = stored
    return stored


def write_lp(model: ArrayModel, path: str | Path) -> None:
    """Write the model as a CPLEX LP file that an analyst can open in any solver."""
    to_pulp(model).prob.writeLP(str(path))


def matrix_of(pm: PulpModel) -> dict[tuple[str, str], float]:
    """{(constraint name, variable name): coefficient} as PuLP holds them (for comparing back ends)."""
    out = {}
    for constraint in pm.rows:
        for var, coef in constraint.items():
            out[constraint.name, var.name] = float(coef)
    return out
