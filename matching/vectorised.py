"""Hard rules and criteria on many pairs at once: the rule book's formulas applied to a view (reference path).

Points are whole hundredths computed with the operations of `matching.scoring`, so every path agrees
exactly. `matching.fast` applies the same rule-book entries to distinct profiles for speed.
"""

from __future__ import annotations

import numpy as np

from matching.rulebook import CRITERIA, HARD_RULES, RULE_NAMES, Criterion, HardRule, cents, shared_language
from matching.rules import Rules
from matching.views import Grid, Pairs

__all__ = [
    "RULE_NAMES",
    "Grid",
    "Pairs",
    "cents",
    "criterion_cents",
    "evaluate",
    "profile_cents",
    "profile_failures",
    "rule_failures",
    "score_failures",
    "scores",
    "shared_language",
]


def _rule_masks(v: Grid, rules: Rules, wanted: list[HardRule]) -> dict[str, np.ndarray]:
    return {r.name: np.broadcast_to(r.fails(v, rules), v.shape) for r in wanted if r.fails is not None}


def profile_failures(v: Grid, rules: Rules) -> dict[str, np.ndarray]:
    """The hard rules that depend only on the two profiles (rule-book entries with profile=True)."""
    return _rule_masks(v, rules, [r for r in HARD_RULES if r.profile and r.applies(rules, v.feats)])


def rule_failures(v: Grid, rules: Rules) -> dict[str, np.ndarray]:
    """For each hard rule that does not read the score, where it rules the pair out (rule-book order)."""
    return _rule_masks(v, rules, [r for r in HARD_RULES if r.applies(rules, v.feats)])


def score_failures(values: np.ndarray, rules: Rules, feats: object) -> dict[str, np.ndarray]:
    """For each hard rule that reads the score (not_in_scores, min_score, no_gain), where it fails."""
    return {r.name: r.on_score(values, rules) for r in HARD_RULES if r.on_score is not None and r.applies(rules, feats)}


def _criterion_cents(v: Grid, rules: Rules, wanted: tuple[Criterion, ...]) -> dict[str, np.ndarray]:
    out = {}
    for c in wanted:
        if c.cents is None:
            raise ValueError(f"criterion {c.name!r} has no formula in the rule book")
        out[c.name] = np.broadcast_to(c.cents(v, rules), v.shape)
    return out


def profile_cents(v: Grid, rules: Rules) -> dict[str, np.ndarray]:
    """Points in hundredths of the criteria that depend only on the two profiles."""
    return _criterion_cents(v, rules, tuple(c for c in CRITERIA if c.profile))


def criterion_cents(v: Grid, rules: Rules) -> dict[str, np.ndarray]:
    """Points in hundredths of every criterion, in criterion order (twin of scoring.criterion_cents)."""
    return _criterion_cents(v, rules, CRITERIA)


def scores(v: Grid, rules: Rules) -> np.ndarray:
    """Each pair's score: the given one when Problem.scores is present, else the engine's."""
    if v.feats.given is not None:
        return v.given()
    return sum(criterion_cents(v, rules).values()) / 100  # type: ignore[no-any-return]


def evaluate(v: Grid, rules: Rules, ignore: tuple[str, ...] = ()) -> np.ndarray:
    """Scores where the pair passes every hard rule (those on the score included), -inf elsewhere."""
    out = scores(v, rules)
    ok = ~np.isnan(out)
    for name, mask in (rule_failures(v, rules) | score_failures(out, rules, v.feats)).items():
        if name not in ignore:
            ok &= ~mask
    return np.where(ok, out, -np.inf)
