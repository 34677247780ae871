"""The assignment model as arrays: one small named function per constraint family, two back ends.

Columns: one `x[L,M]` per candidate pair (in pool order), then, under `coverage`, one `has_mentor[L]`
flag per leader with candidates. Each family function returns its rows as arrays (entries, bounds,
and the indices that name each row); `matching.highs_backend` hands the whole model to HiGHS in one
call and `matching.pulp_backend.to_pulp` materialises the same arrays as a PuLP problem (for the MIP,
for CBC, and for `--write-lp`). Readable names: `leader_slots[L3]`, `covered[L3]`, `capacity[M17]`,
`forbidden[L3,M9]`, `pinned[L3,M9]`, `department_cap[M17,Sales]`. PuLP forbids brackets, so inside
a PuLP problem (and .lp files) the same names read `capacity(M17)`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pulp

_PLAIN = re.compile(r"[A-Za-z0-9_.:@]*")
_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:@")
INF = float("inf")


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


@dataclass(frozen=True)
class RowFamily:
    """One constraint family: row r reads lower[r] <= sum of coef * column over its entries <= upper[r]."""

    family: str
    keys: np.ndarray  # (rows, parts) indices into `labels`: leader, mentor, department...
    labels: tuple[tuple[str, ...], ...]  # one id list per key column, to name the rows
    row: np.ndarray  # per entry: its row within the family
    col: np.ndarray  # per entry: its column
    coef: np.ndarray  # per entry: its coefficient
    lower: np.ndarray
    upper: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)

    def name(self, r: int) -> str:
        """The readable name of row r, e.g. capacity[M17]."""
        return readable_name(self.family, *(ids[k] for ids, k in zip(self.labels, self.keys[r].tolist(), strict=True)))

    def parts(self, r: int) -> tuple[str, ...]:
        """The ids that name row r."""
        return tuple(ids[k] for ids, k in zip(self.labels, self.keys[r].tolist(), strict=True))


@dataclass(frozen=True)
class Columns:
    """The model's columns: objective (maximised), bounds, integrality and the indices that name them."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    pairs: int  # the first `pairs` columns are x[L,M]; the rest are has_mentor[L]
    li: np.ndarray  # leader of each x column
    mj: np.ndarray  # mentor of each x column
    flag_leader: np.ndarray  # leader of each has_mentor column


@dataclass(frozen=True)
class ArrayModel:
    """The whole model: columns and named row families; `integer` asks for whole-number columns."""

    data: ModelInput
    columns: Columns
    families: tuple[RowFamily, ...]
    integer: bool = False

    @property
    def num_rows(self) -> int:
        """How many rows all families hold together."""
        return sum(len(f) for f in self.families)

    def column_name(self, k: int) -> str:
        """x[L,M] or has_mentor[L]."""
        c, d = self.columns, self.data
        if k < c.pairs:
            return readable_name("x", d.leader_ids[c.li[k]], d.mentor_ids[c.mj[k]])
        return readable_name("has_mentor", d.leader_ids[c.flag_leader[k - c.pairs]])

    def column_parts(self, k: int) -> tuple[str, tuple[str, ...]]:
        """(family, ids) of column k."""
        c, d = self.columns, self.data
        if k < c.pairs:
            return "x", (d.leader_ids[c.li[k]], d.mentor_ids[c.mj[k]])
        return "has_mentor", (d.leader_ids[c.flag_leader[k - c.pairs]],)

    def csc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(column starts, row indices, values, row lower, row upper) of the whole matrix, column-wise."""
        offset, rows, cols, vals = 0, [], [], []
        for fam in self.families:
            rows.append(fam.row + offset)
            cols.append(fam.col)
            vals.append(fam.coef)
            offset += len(fam)
        row = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        col = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        val = np.concatenate(vals) if vals else np.zeros(0)
        order = np.lexsort((row, col))
        starts = np.searchsorted(col[order], np.arange(len(self.columns.cost) + 1))
        lower = np.concatenate([f.lower for f in self.families]) if self.families else np.zeros(0)
        upper = np.concatenate([f.upper for f in self.families]) if self.families else np.zeros(0)
        return starts.astype(np.int32), row[order].astype(np.int32), val[order], lower, upper


def _groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct keys in increasing order, group number of each position)."""
    distinct, inverse = np.unique(keys, return_inverse=True)
    return distinct, inverse.reshape(-1)


def _one_per_column(family: str, data: ModelInput, cols: np.ndarray, bound: float) -> RowFamily:
    """Rows holding single pair columns at `bound` (forbidden: 0, pinned: 1)."""
    k = len(cols)
    keys = np.stack([data.li[cols], data.mj[cols]], axis=1) if k else np.zeros((0, 2), np.int64)
    return RowFamily(
        family,
        keys,
        (data.leader_ids, data.mentor_ids),
        np.arange(k),
        cols,
        np.ones(k),
        np.full(k, bound),
        np.full(k, bound),
    )


def leader_slots(data: ModelInput) -> RowFamily:
    """leader_slots[L]: the leader gets at most `wanted` mentors."""
    leaders, row = _groups(data.li)
    ones = np.ones(len(row))
    upper = data.wanted[leaders].astype(np.float64)
    return RowFamily(
        "leader_slots",
        leaders[:, None],
        (data.leader_ids,),
        row,
        np.arange(len(row)),
        ones,
        np.full(len(leaders), -INF),
        upper,
    )


def covered(data: ModelInput, first_flag: int) -> RowFamily:
    """covered[L]: the leader counts as matched (has_mentor[L] = 1) only if one of their pairs is chosen."""
    leaders, row = _groups(data.li)
    flags = np.arange(len(leaders))
    return RowFamily(
        "covered",
        leaders[:, None],
        (data.leader_ids,),
        np.concatenate([flags, row]),
        np.concatenate([first_flag + flags, np.arange(len(row))]),
        np.concatenate([np.ones(len(leaders)), -np.ones(len(row))]),
        np.full(len(leaders), -INF),
        np.zeros(len(leaders)),
    )


def capacity(data: ModelInput) -> RowFamily:
    """capacity[M]: the mentor takes at most `capacity` leaders."""
    mentors, row = _groups(data.mj)
    return RowFamily(
        "capacity",
        mentors[:, None],
        (data.mentor_ids,),
        row,
        np.arange(len(row)),
        np.ones(len(row)),
        np.full(len(mentors), -INF),
        data.capacity[mentors].astype(np.float64),
    )


def forbidden(data: ModelInput) -> RowFamily:
    """forbidden[L,M]: the manager ruled this pair out (held at 0)."""
    return _one_per_column("forbidden", data, np.flatnonzero(data.is_forbidden), 0.0)


def pinned(data: ModelInput) -> RowFamily:
    """pinned[L,M]: the manager fixed this pair in the solution (held at 1)."""
    return _one_per_column("pinned", data, np.flatnonzero(data.is_pinned), 1.0)


def department_cap(data: ModelInput) -> RowFamily:
    """department_cap[M,D]: at most `dept_cap` leaders of department D per mentor, where more are candidates."""
    dept = data.leader_dept[data.li]
    has = np.flatnonzero(dept >= 0)
    width = len(data.dept_names) + 1
    groups, inverse = _groups(data.mj[has] * width + dept[has])
    sizes = np.bincount(inverse, minlength=len(groups))
    kept = np.flatnonzero(sizes > (data.dept_cap or 0))
    new_row = np.full(len(groups), -1)
    new_row[kept] = np.arange(len(kept))
    entry = new_row[inverse] >= 0
    keys = np.stack([groups[kept] // width, groups[kept] % width], axis=1)
    return RowFamily(
        "department_cap",
        keys,
        (data.mentor_ids, data.dept_names),
        new_row[inverse][entry],
        has[entry],
        np.ones(int(entry.sum())),
        np.full(len(kept), -INF),
        np.full(len(kept), float(data.dept_cap or 0)),
    )


def build_model(data: ModelInput, integer: bool = False) -> ArrayModel:
    """The assignment model: maximise total score (+ a bonus per matched leader under `coverage`)."""
    pairs = len(data.li)
    flag_leader = np.unique(data.li) if data.coverage_bonus is not None else np.zeros(0, np.int64)
    flags = len(flag_leader)
    cost = np.concatenate([data.score.astype(np.float64), np.full(flags, float(data.coverage_bonus or 0.0))])
    columns = Columns(
        cost, np.zeros(pairs + flags), np.ones(pairs + flags), pairs, data.li, data.mj, flag_leader.astype(np.int64)
    )
    families = [leader_slots(data)]
    if data.coverage_bonus is not None:
        families.append(covered(data, pairs))
    families.append(capacity(data))
    if data.dept_cap is not None:
        families.append(department_cap(data))
    families += [forbidden(data), pinned(data)]
    return ArrayModel(data, columns, tuple(f for f in families if len(f)), integer)
