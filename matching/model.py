"""The PuLP model, built from candidate pairs only; one small function per constraint family.

Readable names: `leader_slots[L3]`, `covered[L3]`, `capacity[M17]`, `forbidden[L3,M9]`,
`pinned[L3,M9]`, `department_cap[M17,Sales]`. PuLP forbids "[", "]" and a few other characters
in names, so inside the PuLP problem (and .lp files) the same names read `capacity(M17)`;
`PairModel.constraints` is keyed by the bracket form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pulp

_PLAIN = re.compile(r"[A-Za-z0-9_.:@]*")
_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:@")


@lru_cache(maxsize=1_000_000)
def _escape(part: str) -> str:
    if _PLAIN.fullmatch(part):
        return part
    return "".join(ch if ch in _SAFE else "".join(f"%{b:02X}" for b in ch.encode()) for ch in part)


def readable_name(family: str, *parts: str) -> str:
    """The readable name of one constraint or variable, e.g. capacity[M17]."""
    return f"{family}[{','.join(parts)}]"


def pulp_name(family: str, *parts: str) -> str:
    """The same name in a form PuLP accepts unchanged, e.g. capacity(M17); distinct ids stay distinct."""
    return f"{family}({','.join(_escape(p) for p in parts)})"


def affine(items: Sequence[tuple[Any, float]]) -> Any:
    """A PuLP linear expression from (variable, coefficient) pairs (PuLP 3.3 and 4.x)."""
    from_list = getattr(pulp.LpAffineExpression, "from_list", None)
    return from_list(list(items)) if from_list is not None else pulp.LpAffineExpression(list(items))


@dataclass
class PairModel:
    """A PuLP problem over candidate pairs, with its variables and named constraints."""

    prob: Any
    x: list[Any] = field(default_factory=list)  # one variable per candidate pair, in pool order
    covered: dict[int, Any] = field(default_factory=dict)  # leader index -> "has at least one mentor"
    constraints: dict[str, Any] = field(default_factory=dict)  # readable name -> stored PuLP constraint
    rows: dict[tuple[Any, ...], Any] = field(default_factory=dict)  # (family, leader/mentor index, ...) -> constraint


def _add(
    model: PairModel, family: str, parts: tuple[str, ...], items: list[tuple[Any, float]], sense: str, rhs: float
) -> Any:
    expr = affine(items)
    constraint = expr <= rhs if sense == "<=" else expr == rhs
    name = pulp_name(family, *parts)
    model.prob += constraint, name
    stored = model.prob.get_constraint_by_name(name)
    model.constraints[readable_name(family, *parts)] = stored
    return stored


def leader_slots(model: PairModel, leader: str, variables: list[Any], wanted: int) -> Any:
    """leader_slots[L]: the leader gets at most `wanted` mentors."""
    return _add(model, "leader_slots", (leader,), [(v, 1.0) for v in variables], "<=", wanted)


def covered(model: PairModel, leader: str, flag: Any, variables: list[Any]) -> Any:
    """covered[L]: the leader counts as matched only if at least one of their pairs is chosen."""
    return _add(model, "covered", (leader,), [(flag, 1.0)] + [(v, -1.0) for v in variables], "<=", 0)


def capacity(model: PairModel, mentor: str, variables: list[Any], places: int) -> Any:
    """capacity[M]: the mentor takes at most `places` leaders."""
    return _add(model, "capacity", (mentor,), [(v, 1.0) for v in variables], "<=", places)


def forbidden(model: PairModel, leader: str, mentor: str, variable: Any) -> Any:
    """forbidden[L,M]: the manager ruled this pair out."""
    return _add(model, "forbidden", (leader, mentor), [(variable, 1.0)], "==", 0)


def pinned(model: PairModel, leader: str, mentor: str, variable: Any) -> Any:
    """pinned[L,M]: the manager fixed this pair in the solution."""
    return _add(model, "pinned", (leader, mentor), [(variable, 1.0)], "==", 1)


def department_cap(model: PairModel, mentor: str, department: str, variables: list[Any], cap: int) -> Any:
    """department_cap[M,D]: the mentor takes at most `cap` leaders from department D."""
    return _add(model, "department_cap", (mentor, department), [(v, 1.0) for v in variables], "<=", cap)


def _groups(keys: np.ndarray) -> list[np.ndarray]:
    """Positions of equal keys, groups in increasing key order, positions in increasing order."""
    order = np.argsort(keys, kind="stable")
    cuts = np.flatnonzero(np.diff(keys[order])) + 1
    return np.split(order, cuts) if len(order) else []


@dataclass(frozen=True)
class ModelInput:
    """What the model needs: candidate pairs (index arrays and scores) plus ids and limits."""

    li: np.ndarray
    mj: np.ndarray
    score: np.ndarray
    leader_ids: tuple[str, ...]
    mentor_ids: tuple[str, ...]
    wanted: np.ndarray
    capacity: np.ndarray
    leader_dept: np.ndarray  # department code per leader, -1 when missing
    dept_names: tuple[str, ...]
    is_pinned: np.ndarray
    is_forbidden: np.ndarray
    coverage_bonus: float | None  # None: objective "score"
    dept_cap: int | None


def build_model(data: ModelInput, integer: bool = False) -> PairModel:
    """The assignment model: maximise total score (+ a bonus per matched leader under `coverage`)."""
    model = PairModel(pulp.LpProblem("matching", pulp.LpMaximize))
    cat = pulp.LpInteger if integer else pulp.LpContinuous
    L, M = data.leader_ids, data.mentor_ids
    pairs = zip(data.li.tolist(), data.mj.tolist(), strict=True)
    model.x = [model.prob.add_variable(pulp_name("x", L[i], M[j]), 0, 1, cat) for i, j in pairs]
    objective = list(zip(model.x, data.score.tolist(), strict=True))
    for group in _groups(data.li):
        i = int(data.li[group[0]])
        variables = [model.x[k] for k in group]
        model.rows["leader_slots", i] = leader_slots(model, L[i], variables, int(data.wanted[i]))
        if data.coverage_bonus is not None:
            flag = model.prob.add_variable(pulp_name("has_mentor", L[i]), 0, 1, cat)
            model.covered[i] = flag
            model.rows["covered", i] = covered(model, L[i], flag, variables)
            objective.append((flag, data.coverage_bonus))
    for group in _groups(data.mj):
        j = int(data.mj[group[0]])
        model.rows["capacity", j] = capacity(model, M[j], [model.x[k] for k in group], int(data.capacity[j]))
    if data.dept_cap is not None:
        add_department_caps(model, data)
    for k in np.flatnonzero(data.is_forbidden).tolist():
        forbidden(model, L[data.li[k]], M[data.mj[k]], model.x[k])
    for k in np.flatnonzero(data.is_pinned).tolist():
        pinned(model, L[data.li[k]], M[data.mj[k]], model.x[k])
    model.prob += affine(objective)
    return model


def add_department_caps(model: PairModel, data: ModelInput) -> None:
    """One department_cap row per (mentor, leader department) that has more candidates than the cap."""
    dept = data.leader_dept[data.li]
    has = np.flatnonzero(dept >= 0)
    keys = data.mj[has] * (len(data.dept_names) + 1) + dept[has]
    for group in _groups(keys):
        positions = has[group]
        if len(positions) > (data.dept_cap or 0):
            j, d = int(data.mj[positions[0]]), int(dept[positions[0]])
            variables = [model.x[k] for k in positions]
            row = department_cap(model, data.mentor_ids[j], data.dept_names[d], variables, int(data.dept_cap or 0))
            model.rows["department_cap", j, d] = row
