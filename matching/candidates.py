"""Which pairs the model considers: hard rules, top-K pruning per leader, and pricing of left-out pairs.

Scores are computed for every (leader, mentor) pair in chunks of leaders, so memory stays bounded
however large the problem is. Each leader keeps its K best compatible mentors; `theta` remembers
the best score it left out, which lets the dual check skip most leaders without rescoring them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from matching import pruned
from matching.fast import NEG, FastScorer
from matching.features import Features
from matching.vectorised import Pairs, evaluate

CHUNK_CELLS = 4_000_000  # pairs scored at once: about 16 MB per int32 array
# Scoring threads. Two threads measured no faster (up to 1.5x slower) on the shared 2-core machine
# whose cores were already busy, so one is the default; MATCHING_THREADS=2 tries two on idle cores.
_WANTED = os.environ.get("MATCHING_THREADS", "1")
THREADS = max(1, min(int(_WANTED) if _WANTED.isdigit() else 1, os.cpu_count() or 1))
SAMPLE_STRIDE = 8  # best_columns: every 8th column sets the bar, so about 8 x keep values per row pass it
MAX_SURVIVORS = 64  # past this many survivors per kept value, whole rows are sorted instead


def chunks(rows: np.ndarray, m: int, cells: int = CHUNK_CELLS) -> Iterator[np.ndarray]:
    """Split sorted leader indices into chunks of about `cells` pairs."""
    size = max(1, cells // max(m, 1))
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


@dataclass
class Pool:
    """Candidate pairs in the model (sorted by leader, then mentor) and what was left out."""

    li: np.ndarray
    mj: np.ndarray
    score: np.ndarray
    theta: np.ndarray  # per leader: best score among compatible pairs left out (-inf if none)
    compatible: np.ndarray  # per leader: number of compatible pairs in the full problem
    best_abs: np.ndarray  # per leader: a bound on |score| over its compatible pairs

    def keys(self, m: int) -> np.ndarray:
        """Pair keys leader * m + mentor, sorted."""
        return self.li * m + self.mj

    def extend(self, li: np.ndarray, mj: np.ndarray, score: np.ndarray, m: int) -> None:
        """Add pairs (duplicates of existing ones are ignored) and keep the pool sorted."""
        keys = np.concatenate([self.keys(m), li * m + mj])
        keys, first = np.unique(keys, return_index=True)
        scores = np.concatenate([self.score, score])[first]
        self.li, self.mj, self.score = keys // m, keys % m, scores


class _MentorTop:
    """Each mentor's best k leaders so far, kept across chunks (so less popular mentors get candidates too)."""

    def __init__(self, k: int, m: int, missing: float | int, dtype: type) -> None:
        self.k, self.missing = k, missing
        self.values = np.full((0, m), missing, dtype=dtype)
        self.rows = np.zeros((0, m), dtype=np.int64)

    def add(self, rows: np.ndarray, values: np.ndarray) -> None:
        """Merge a chunk of leaders' scores into each mentor's best k."""
        if self.k == 0:
            return
        both = np.vstack([self.values, values])
        where = np.vstack([self.rows, np.broadcast_to(rows[:, None], values.shape)])
        if len(both) > self.k:
            part = np.argpartition(both, len(both) - self.k, axis=0)[len(both) - self.k :]
            both, where = np.take_along_axis(both, part, axis=0), np.take_along_axis(where, part, axis=0)
        self.values, self.rows = both, where

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(leader, mentor, score) of the kept pairs."""
        r, c = np.nonzero(self.values != self.missing)
        return self.rows[r, c], c, self.values[r, c]


def mentor_side_k(feats: Features, k: int) -> int:
    """How many leaders each mentor keeps: none when places are plentiful, up to k when they are scarce.

    When places are scarce, popular mentors fill up and the others appear in nobody's top k; keeping
    each mentor's best leaders then saves pricing rounds. With places to spare it only adds columns.
    """
    demand = float(feats.leaders.slots.sum())
    places = float(feats.mentors.slots.sum())
    ratio = demand / max(places, 1.0)
    return 0 if ratio < 0.5 else min(k, math.ceil(k * ratio))


def _points(values: np.ndarray, cents: bool) -> np.ndarray:
    """Scores in points (-inf where a rule fails) from block values (hundredths with NEG, or points)."""
    if not cents:
        return values.astype(np.float64)
    out = np.divide(values, 100.0)
    np.putmask(out, values == NEG, -np.inf)
    return out


@dataclass(frozen=True)
class _Picked:
    """What one chunk of leaders contributes: counts, best left-out, kept pairs, and its scores if still needed."""

    rows: np.ndarray
    compatible: np.ndarray
    theta: np.ndarray
    li: np.ndarray
    mj: np.ndarray
    score: np.ndarray
    values: np.ndarray | None


def row_counts(mask: np.ndarray) -> np.ndarray:
    """How many True in each row (a row at a time: several times quicker than count_nonzero(axis=1))."""
    return np.fromiter((np.count_nonzero(row) for row in mask), np.int64, len(mask))


def best_columns(values: np.ndarray, keep: int, missing: float | int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column) of each row's `keep` best values that are not `missing`, and each row's (keep + 1)-th best.

    Equal values go to the lowest column (mentor index), so the choice depends on the values alone,
    never on how a partition algorithm (which differs between numpy builds) orders ties. A strided
    sample gives each row a bar that at least keep + 1 of its values reach; only those are sorted.
    """
    n, m = values.shape
    if keep >= m:
        r, c = np.divmod(np.flatnonzero(values != missing), m)
        return r, c, np.full(n, missing, dtype=values.dtype)
    sample = values[:, :: max(1, min(SAMPLE_STRIDE, m // (keep + 1)))]
    width = sample.shape[1]
    bar = np.partition(sample, width - keep - 1, axis=1)[:, width - keep - 1]
    r, c = np.divmod(np.flatnonzero(values >= bar[:, None]), m)  # far quicker than a 2-D np.nonzero
    if len(r) > MAX_SURVIVORS * n * (keep + 1):  # many ties at the bar (or few compatible pairs): sort whole rows
        r, c = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    v = values[r, c]
    order = np.lexsort((c, -v.astype(np.float64) if v.dtype.kind == "f" else -v.astype(np.int64), r))
    r, c, v = r[order], c[order], v[order]
    rank = np.arange(len(r)) - np.searchsorted(r, np.arange(n))[r]  # position in the row's falling order
    theta = v[rank == keep]  # at least keep + 1 values per row reach the bar
    take = (rank < keep) & (v != missing)
    return r[take], c[take], theta


def _pick(scorer: FastScorer, rows: np.ndarray, k: int, keep_values: bool, limits: pruned.Bounds | None) -> _Picked:
    """Score one chunk of leaders and keep each one's best k (k per wanted mentor)."""
    feats = scorer.feats
    keep = k * int(feats.leaders.slots[rows].max(initial=1))
    if limits is not None and not keep_values:  # score only the pairs that could be among the best
        got = pruned.pick(scorer, limits, rows, keep)
        if got is not None:
            r, c, best, theta, compatible = got
            return _Picked(rows, compatible, _points(theta, True), rows[r], c, _points(best, True), None)
    cents = scorer.exact_cents  # whole hundredths in int32: half the memory traffic of float64
    missing = NEG if cents else -np.inf
    values = scorer.block_cents(rows) if cents else scorer.block(rows)
    compatible = row_counts(values != missing)
    r, c, theta = best_columns(values, keep, missing)
    got = _points(values[r, c], cents)
    return _Picked(rows, compatible, _points(theta, cents), rows[r], c, got, values if keep_values else None)


def top_candidates(scorer: FastScorer, k: int, threads: int = THREADS) -> Pool:
    """Each leader's k best compatible mentors (k per wanted mentor) and each mentor's k best leaders.

    Chunks of leaders are scored on `threads` threads (numpy releases the GIL), a wave at a time so
    memory stays bounded; results are merged in chunk order, so the pool never depends on timing.
    """
    feats = scorer.feats
    if feats.given is not None:
        return given_candidates(scorer)
    n, m = len(feats.leaders.ids), len(feats.mentors.ids)
    cents = scorer.exact_cents
    mentor_top = _MentorTop(mentor_side_k(feats, k), m, NEG if cents else -np.inf, np.int32 if cents else np.float64)
    limits = pruned.bounds(scorer) if mentor_top.k == 0 else None
    theta = np.full(n, -np.inf)
    compatible = np.zeros(n, dtype=np.int64)
    best = np.full(n, -np.inf)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if limits is None:
        todo = list(chunks(np.arange(n), m))
    else:  # leaders with as many goals share chunks, so each chunk adds up only the goals it has
        goals = scorer.goal_count
        todo = [part for g in np.unique(goals) for part in chunks(np.flatnonzero(goals == g), m)]
    with ThreadPoolExecutor(max(1, threads)) as pool:
        for start in range(0, len(todo), max(1, threads)):
            wave = todo[start : start + max(1, threads)]
            for got in pool.map(lambda rows: _pick(scorer, rows, k, mentor_top.k > 0, limits), wave):
                compatible[got.rows] = got.compatible
                theta[got.rows] = got.theta
                np.maximum.at(best, got.li, got.score)
                parts.append((got.li, got.mj, got.score))
                if got.values is not None:
                    mentor_top.add(got.rows, got.values)
    li, mj, sc = mentor_top.pairs()
    parts.append((li, mj, _points(sc, cents)))
    return _pool(parts, theta, compatible, best, scorer.floor, m)


def _pool(
    parts: list[tuple[np.ndarray, ...]],
    theta: np.ndarray,
    compatible: np.ndarray,
    best: np.ndarray,
    floor: float,
    m: int,
) -> Pool:
    best_abs = np.where(compatible > 0, np.maximum(np.abs(np.maximum(best, floor)), abs(floor)), 0.0)
    pool = Pool(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), theta, compatible, best_abs)
    if parts:
        li, mj, sc = (np.concatenate(x) for x in zip(*parts, strict=True))
        pool.extend(li.astype(np.int64), mj.astype(np.int64), sc, m)
    return pool


def given_candidates(scorer: FastScorer) -> Pool:
    """With given scores only listed pairs can be made: every compatible one is a candidate, nothing is left out."""
    feats = scorer.feats
    n, m = len(feats.leaders.ids), len(feats.mentors.ids)
    keys = feats.given.keys if feats.given is not None else np.zeros(0, np.int64)
    li, mj = keys // m, keys % m
    values = evaluate(Pairs(feats, li, mj), scorer.rules)
    ok = np.isfinite(values)
    compatible = np.bincount(li[ok], minlength=n).astype(np.int64)
    best = np.full(n, -np.inf)
    np.maximum.at(best, li[ok], values[ok])
    return _pool([(li[ok], mj[ok], values[ok])], np.full(n, -np.inf), compatible, best, scorer.floor, m)


@dataclass(frozen=True)
class Duals:
    """LP duals in the maximisation convention (>= 0 on <= rows), aligned with leaders and mentors."""

    leader: np.ndarray  # per leader: price of leader_slots minus price of covered
    mentor: np.ndarray  # per mentor: price of capacity
    dept: np.ndarray  # (mentors, departments + 1): price of department_cap; last column stays 0


def leaders_to_rescan(pool: Pool, duals: Duals, threshold: float) -> np.ndarray:
    """Leaders whose left-out pairs might price above `threshold`; the rest are certified by theta.

    A left-out pair's reduced cost is s - u_leader - v_mentor - w_dept <= theta - u_leader,
    because mentor and department prices are never negative.
    """
    with np.errstate(invalid="ignore"):  # nothing left out (-inf) minus an unbounded price (-inf): not a rescan
        return np.flatnonzero(pool.theta - duals.leader > threshold)


def price_left_out(
    scorer: FastScorer, pool: Pool, duals: Duals, rows: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Compatible pairs of these leaders, not in the pool, whose reduced cost exceeds `threshold`
    (and their reduced costs)."""
    feats = scorer.feats
    m = len(feats.mentors.ids)
    in_pool = pool.keys(m)
    found: list[tuple[np.ndarray, ...]] = []
    dept = feats.leaders.dept
    for chunk in chunks(np.sort(rows), m):
        values = scorer.block(chunk)
        dept_price = duals.dept[:, dept[chunk]].T  # (chunk, m); missing departments read column -1 = 0
        with np.errstate(invalid="ignore"):  # incompatible (-inf) minus an unbounded price (-inf) stays out
            reduced = values - duals.leader[chunk][:, None] - duals.mentor[None, :] - dept_price
        r, c = np.nonzero(reduced > threshold)
        li, mj = chunk[r], c
        fresh = ~np.isin(li * m + mj, in_pool)
        found.append((li[fresh], mj[fresh], values[r, c][fresh], reduced[r, c][fresh]))
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    return tuple(np.concatenate(part) for part in zip(*found, strict=True))  # type: ignore[return-value]
