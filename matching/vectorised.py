"""The hard rules and score criteria evaluated on many pairs at once with numpy (reference version).

Two views feed the same formulas: `Grid` (some leaders x some or all mentors) and `Pairs` (listed
pairs). Points are whole hundredths computed with the operations of `matching.scoring`, so every
path agrees exactly. `matching.fast` reuses these formulas on distinct profiles for speed.
"""

from __future__ import annotations

import numpy as np

from matching.features import IN_PERSON, Features, PairSet
from matching.rules import Rules

RULE_NAMES = (
    "same_person",
    "not_in_scores",
    "no_places",
    "same_department",
    "reporting_line",
    "grade_gap",
    "common_language",
    "repeat_pairs",
    "forbidden",
    "min_score",
    "no_gain",  # not a hard rule: under the "score" objective a pair scoring 0 or less adds nothing
)


def cents(x: np.ndarray | float) -> np.ndarray:
    """Hundredths rounded half up (the twin of matching.scoring.cents)."""
    return np.floor(np.asarray(x, dtype=np.float64) + 0.5).astype(np.int64)


class Grid:
    """Leaders `rows` against mentors `cols` (default: all); arrays have shape (len(rows), len(cols))."""

    def __init__(self, feats: Features, rows: np.ndarray, cols: np.ndarray | None = None) -> None:
        self.feats = feats
        self.m = len(feats.mentors.ids)
        self.rows = np.asarray(rows, dtype=np.int64)
        self.cols = np.arange(self.m) if cols is None else np.asarray(cols, dtype=np.int64)
        self.shape: tuple[int, ...] = (len(self.rows), len(self.cols))

    def lead(self, values: np.ndarray) -> np.ndarray:
        """A per-leader array, broadcast over mentors."""
        return values[self.rows][:, None]

    def ment(self, values: np.ndarray) -> np.ndarray:
        """A per-mentor array, broadcast over leaders."""
        return values[self.cols][None, :]

    def keys(self) -> np.ndarray:
        """Pair keys leader * m + mentor."""
        return self.rows[:, None] * self.m + self.cols[None, :]

    def member(self, pairs: PairSet) -> np.ndarray:
        """Whether each position is in the pair set."""
        return pairs.contains(self.keys())

    def given(self) -> np.ndarray:
        """The given scores, nan where the pair was not listed."""
        given = self.feats.given
        if given is None or given.values is None:
            raise ValueError("the problem has no given scores")
        keys = self.keys()
        hit = given.contains(keys)
        out = np.full(self.shape, np.nan)
        out[hit] = given.values[np.searchsorted(given.keys, keys[hit])]
        return out

    def goal_numerator(self) -> np.ndarray:
        """Whole-number goal fit: sum over goals of priority * (60 / level) * min(proficiency, level)."""
        f = self.feats
        out = np.zeros(self.shape, dtype=np.int64)
        for g in range(f.goal_row.shape[1]):
            met = f.goal_met[f.goal_row[self.rows, g]][:, self.cols]
            out += f.goal_priority[self.rows, g][:, None] * met
        return out

    def mentor_lang_word(self, word: np.ndarray) -> np.ndarray:
        """Each mentor's language bitmask word number `word` (one word index per leader row)."""
        return self.feats.mentors.lang[self.cols].T[word.ravel()]


class Pairs(Grid):
    """Listed pairs (leader index li[k], mentor index mj[k]); arrays have shape (len(li),)."""

    def __init__(self, feats: Features, li: np.ndarray, mj: np.ndarray) -> None:
        self.feats = feats
        self.m = len(feats.mentors.ids)
        self.rows = np.asarray(li, dtype=np.int64)
        self.cols = np.asarray(mj, dtype=np.int64)
        self.shape = self.rows.shape

    def lead(self, values: np.ndarray) -> np.ndarray:
        """A per-leader array, one entry per pair."""
        return values[self.rows]

    def ment(self, values: np.ndarray) -> np.ndarray:
        """A per-mentor array, one entry per pair."""
        return values[self.cols]

    def keys(self) -> np.ndarray:
        """Pair keys leader * m + mentor."""
        return self.rows * self.m + self.cols

    def goal_numerator(self) -> np.ndarray:
        """Whole-number goal fit, one per pair."""
        f = self.feats
        out = np.zeros(self.shape, dtype=np.int64)
        for g in range(f.goal_row.shape[1]):
            out += f.goal_priority[self.rows, g] * f.goal_met[f.goal_row[self.rows, g], self.cols]
        return out

    def mentor_lang_word(self, word: np.ndarray) -> np.ndarray:
        """The mentor's language bitmask word number `word`, one per pair."""
        return self.feats.mentors.lang[self.cols, word]


def shared_language(v: Grid) -> tuple[np.ndarray, np.ndarray]:
    """(both list a language, they share one)."""
    L, M = v.feats.leaders, v.feats.mentors
    shared = np.zeros(v.shape, dtype=bool)
    for word in range(L.lang.shape[1]):
        shared |= (v.lead(L.lang[:, word]) & v.ment(M.lang[:, word])) != 0
    both = v.lead(L.lang.any(axis=1)) & v.ment(M.lang.any(axis=1))
    return np.broadcast_to(both, v.shape), shared


def profile_failures(v: Grid, rules: Rules) -> dict[str, np.ndarray]:
    """The hard rules that depend only on the two profiles: places, department and language."""
    L, M = v.feats.leaders, v.feats.mentors
    fails = {"no_places": v.ment(M.slots) == 0}
    if rules.same_department == "forbid":
        fails["same_department"] = (v.lead(L.dept) >= 0) & (v.lead(L.dept) == v.ment(M.dept))
    if rules.common_language:
        both, shared = shared_language(v)
        fails["common_language"] = both & ~shared
    return {name: np.broadcast_to(mask, v.shape) for name, mask in fails.items()}


def rule_failures(v: Grid, rules: Rules) -> dict[str, np.ndarray]:
    """For each hard rule (except min_score), where it rules the pair out."""
    f = v.feats
    L, M = f.leaders, f.mentors
    fails: dict[str, np.ndarray] = {"same_person": v.member(f.same_person)}
    if f.given is not None:
        fails["not_in_scores"] = np.isnan(v.given())
    fails.update(profile_failures(v, rules))
    if rules.reporting_line == "forbid":
        fails["reporting_line"] = v.member(f.reporting)
    if rules.min_grade_gap is not None:
        fails["grade_gap"] = v.ment(M.grade) > v.lead(L.grade) - rules.min_grade_gap  # nan compares False
    if rules.repeat_pairs == "forbid":
        fails["repeat_pairs"] = v.member(f.history)
    fails["forbidden"] = v.member(f.forbidden)
    order = {name: k for k, name in enumerate(RULE_NAMES)}
    return {name: np.broadcast_to(fails[name], v.shape) for name in sorted(fails, key=order.__getitem__)}


def goal_cents(numerator: np.ndarray, total: np.ndarray, weight: float) -> np.ndarray:
    """Goal points in hundredths from the whole-number fit and the leader's total (scoring.py's formula)."""
    return cents(weight * 100 * numerator.astype(np.float64) / total)


def profile_cents(v: Grid, rules: Rules) -> dict[str, np.ndarray]:
    """Points in hundredths of every criterion but goals and repeat_penalty (they need the pair itself)."""
    L, M = v.feats.leaders, v.feats.mentors
    w100 = {name: weight * 100 for name, weight in rules.weights}
    first_lang = v.lead(L.first_lang)
    code = np.maximum(first_lang, 0)
    first_spoken = ((v.mentor_lang_word(code // 64) >> (code % 64).astype(np.uint64)) & np.uint64(1)) != 0
    both, shared = shared_language(v)
    first_spoken = first_spoken & both & (first_lang >= 0)
    factor = np.where(first_spoken, 1.0, np.where(both & shared, 0.5, 0.0))
    overlap = np.zeros(v.shape, dtype=np.int64)
    for k in range(2):
        gap = np.abs(v.lead(L.tz[:, k]).astype(np.int64) - v.ment(M.tz[:, k])) % 1440
        overlap = overlap + np.maximum(0, 480 - np.minimum(gap, 1440 - gap))
    overlap = overlap * (v.lead(L.has_tz) & v.ment(M.has_tz))
    common_format = (v.lead(L.fmt) & v.ment(M.fmt)) != 0
    in_person_l = (v.lead(L.fmt) == 0) | ((v.lead(L.fmt) & IN_PERSON) != 0)
    in_person_m = (v.ment(M.fmt) == 0) | ((v.ment(M.fmt) & IN_PERSON) != 0)
    same_place = (v.lead(L.loc) >= 0) & (v.lead(L.loc) == v.ment(M.loc)) & in_person_l & in_person_m
    cross = (v.lead(L.dept) >= 0) & (v.ment(M.dept) >= 0) & (v.lead(L.dept) != v.ment(M.dept))
    out = {
        "language": cents(w100["language"] * factor),
        "timezone": cents(w100["timezone"] * overlap / 960),
        "format": np.where(common_format, cents(w100["format"]), 0),
        "location": np.where(same_place, cents(w100["location"]), 0),
        "cross_department": np.where(cross, cents(w100["cross_department"]), 0),
    }
    return {name: np.broadcast_to(value, v.shape) for name, value in out.items()}


def criterion_cents(v: Grid, rules: Rules) -> dict[str, np.ndarray]:
    """Points in hundredths of every criterion, in criterion order (twin of scoring.criterion_cents)."""
    f = v.feats
    out = {"goals": goal_cents(v.goal_numerator(), v.lead(f.goal_total), rules.weight("goals"))}
    out.update(profile_cents(v, rules))
    penalty = np.zeros(v.shape, dtype=np.int64)
    if rules.repeat_pairs == "penalize":
        penalty = np.where(v.member(f.history), -cents(rules.weight("repeat_penalty") * 100), 0)
    out["repeat_penalty"] = penalty
    return {name: np.broadcast_to(value, v.shape) for name, value in out.items()}


def scores(v: Grid, rules: Rules) -> np.ndarray:
    """Each pair's score: the given one when Problem.scores is present, else the engine's."""
    if v.feats.given is not None:
        return v.given()
    return sum(criterion_cents(v, rules).values()) / 100  # type: ignore[no-any-return]


def evaluate(v: Grid, rules: Rules, ignore: tuple[str, ...] = ()) -> np.ndarray:
    """Scores where the pair passes every hard rule (min_score included), -inf elsewhere."""
    out = scores(v, rules)
    ok = ~np.isnan(out)
    for name, mask in rule_failures(v, rules).items():
        if name not in ignore:
            ok &= ~mask
    if rules.min_score is not None and "min_score" not in ignore:
        ok &= out >= rules.min_score
    if rules.objective == "score" and "no_gain" not in ignore:
        ok &= out > 0
    return np.where(ok, out, -np.inf)
