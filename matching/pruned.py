"""Each leader's best mentors without scoring every pair: exact scores only where a bound says they could count.

For a chunk of leaders, the first mentors (a sample of SAMPLE_SHARE of them) are scored exactly;
each leader's (keep + 1)-th best among them, its `bar`, is reached by at least keep + 1 mentors in
all. A pair scores at most the leader's best profile points (the row maximum of the profile table)
plus its goal points, which never fall as the goal numerator grows; so only pairs whose numerator
reaches the leader's threshold can score `bar` or more, and only those are scored exactly. The
compatible count per leader comes from the profile tables' pass/fail and the other hard rules,
without scores. The result equals `candidates.best_columns` over the full block (tests compare).

The bound holds when every criterion outside the profile tables other than goals only takes points
away (the repeat penalty) and no hard rule reads the score (min_score, the "score" objective); other
problems, and chunks where the bound prunes little, take the full block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.fast import ALL, NEG, FastScorer
from matching.rulebook import CRITERIA
from matching.views import Grid, Pairs

SAMPLE_SHARE = 8  # one mentor in 8 (the first ones) sets each leader's bar
MAX_SURVIVOR_SHARE = 0.25  # past this share of the block, scoring every pair is quicker


@dataclass(frozen=True)
class Bounds:
    """What the pruning reads, made once per scorer: per profile table, pass/fail and each row's best points."""

    passes: tuple[np.ndarray, ...]  # bool [leader profile, mentor profile]: every profile rule passes
    best: tuple[np.ndarray, ...]  # per leader profile: the most points any passing mentor profile gives


def bounds(scorer: FastScorer) -> Bounds | None:
    """The pruning tables, or None where the bound does not hold (see the module docstring)."""
    if not scorer.exact_cents or scorer.factors is None:
        return None
    if any(rule.on_score is not None for rule in scorer.active):
        return None
    f, rules = scorer.feats, scorer.rules
    for criterion in CRITERIA:
        if criterion.profile or criterion.name == "goals":
            continue
        if criterion.pairs is None or criterion.cents is None:
            return None
        listed = getattr(f, criterion.pairs).keys
        m = len(f.mentors.ids)
        if len(listed) and criterion.cents(Pairs(f, listed // m, listed % m), rules).max() > 0:
            return None
    passes = tuple(factor.table > NEG for factor in scorer.factors)
    best = tuple(
        np.where(ok, factor.table, 0).max(axis=1, initial=0) for ok, factor in zip(passes, scorer.factors, strict=True)
    )
    return Bounds(passes, best)


def _thresholds(scorer: FastScorer, rows: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Per leader, the smallest goal numerator whose goal points reach `need` (hundredths)."""
    width = scorer.goal_width
    lut = scorer.goal_lut.reshape(-1, width)[scorer.goal_offset[rows] // width]  # (rows, width), never falling
    return np.count_nonzero(lut < need[:, None], axis=1)


def compatible_counts(scorer: FastScorer, b: Bounds, rows: np.ndarray) -> np.ndarray:
    """Per leader, how many mentors pass every hard rule (no rule reads the score here)."""
    f = scorer.feats
    factors = scorer.factors or []
    ok = np.take(b.passes[0][factors[0].lead[rows]], factors[0].ment, axis=1)
    for passes, factor in zip(b.passes[1:], factors[1:], strict=True):
        ok &= np.take(passes[factor.lead[rows]], factor.ment, axis=1)
    for rule in scorer.active:
        if rule.profile:
            continue
        if rule.pairs is not None:
            r, c, _ = getattr(f, rule.pairs).in_rows(rows, len(f.mentors.ids))
            ok[r, c] = False
        elif rule.fails is not None:
            np.copyto(ok, False, where=np.broadcast_to(rule.fails(Grid(f, rows), scorer.rules), ok.shape))
    return np.fromiter((np.count_nonzero(row) for row in ok), np.int64, len(ok))  # quicker than axis=1


def profile_and_goal_cents(scorer: FastScorer, li: np.ndarray, mj: np.ndarray, numerator: np.ndarray) -> np.ndarray:
    """Profile-table points plus goal points (hundredths) of listed pairs whose goal numerators are known;
    below NEG where a profile rule fails. The other criteria only take points away."""
    total = scorer.goal_cents(li, numerator).astype(np.int32)
    for factor in scorer.factors or []:
        total += factor.table[factor.lead[li], factor.ment[mj]]
    return total


def finish_cents(scorer: FastScorer, li: np.ndarray, mj: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Exact scores (NEG where a hard rule fails) from `profile_and_goal_cents`: the other criteria and rules."""
    f, rules = scorer.feats, scorer.rules
    view = Pairs(f, li, mj)
    for criterion in CRITERIA:
        if not criterion.profile and criterion.name != "goals" and criterion.cents is not None:
            total += criterion.cents(view, rules).astype(np.int32)
    np.maximum(total, NEG, out=total)
    for rule in scorer.active:
        if not rule.profile and rule.fails is not None:
            total[rule.fails(view, rules)] = NEG
    return total


def pick(scorer: FastScorer, b: Bounds, rows: np.ndarray, keep: int) -> tuple[np.ndarray, ...] | None:
    """(row, mentor, score in hundredths) of each leader's `keep` best, its (keep + 1)-th best and its
    compatible count; None when the bound prunes too little (the caller scores the full block)."""
    m = len(scorer.feats.mentors.ids)
    width = m // SAMPLE_SHARE
    if width <= keep or keep >= m:
        return None
    sample = scorer.block_cents(rows, slice(0, width))
    bar = np.partition(sample, width - keep - 1, axis=1)[:, width - keep - 1]
    if np.any(bar == NEG):  # too few compatible mentors in the sample to bound anything
        return None
    factors = scorer.factors or []
    profile_best = sum(best[factor.lead[rows]] for best, factor in zip(b.best, factors, strict=True))
    numerator = scorer.goal_numerator(rows, ALL)
    reach = _thresholds(scorer, rows, bar.astype(np.int64) - profile_best)
    flat = np.flatnonzero(numerator >= reach.astype(numerator.dtype)[:, None])
    if len(flat) > MAX_SURVIVOR_SHARE * numerator.size:
        return None
    r, c = np.divmod(flat, m)
    values = profile_and_goal_cents(scorer, rows[r], c, numerator.ravel()[flat])
    high = values >= bar[r]  # a tighter bound: below the bar, a pair cannot be among the keep + 1 best
    r, c = r[high], c[high]
    values = finish_cents(scorer, rows[r], c, values[high])
    order = np.lexsort((c, -values.astype(np.int64), r))
    r, c, values = r[order], c[order], values[order]
    rank = np.arange(len(r)) - np.searchsorted(r, np.arange(len(rows)))[r]
    theta = values[rank == keep]  # every mentor scoring `bar` or more survived: at least keep + 1 a row
    take = (rank < keep) & (values != NEG)
    return r[take], c[take], values[take], theta, compatible_counts(scorer, b, rows)
