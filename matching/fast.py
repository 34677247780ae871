"""Fast scoring of leaders x every mentor: lookups in tables built once over distinct profiles.

Most criteria and three hard rules depend only on a few attributes (department, languages, time
zone, formats, location). People sharing those attributes share a profile; the tables hold, for
every (leader profile, mentor profile), the points in hundredths times 8 plus three rule bits.
They are computed with the reference formulas of `matching.vectorised`, so scores agree exactly.
Goal fit uses a per-leader lookup from its whole-number numerator to hundredths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.features import Features
from matching.rules import Rules
from matching.vectorised import Grid, evaluate, profile_cents, profile_failures

TABLE_LIMIT = 16_000_000  # cells of one profile table (int32): 64 MB at most
FLAG_BITS = {"no_places": 1, "same_department": 2, "common_language": 4}
GROUPS = (  # (criteria, hard rules, leader attributes, mentor attributes) of each separate table
    (("cross_department",), ("no_places", "same_department"), ("dept",), ("dept", "open")),
    (("language",), ("common_language",), ("first_lang", "lang"), ("lang",)),
    (("timezone",), (), ("zone",), ("zone",)),
    (("format", "location"), (), ("fmt", "loc"), ("fmt", "loc")),
)


@dataclass(frozen=True)
class Factor:
    """One lookup table: packed[leader profile, mentor profile], with each person's profile."""

    lead: np.ndarray
    ment: np.ndarray
    table: np.ndarray


def _attrs(feats: Features, names: tuple[str, ...], leaders: bool) -> np.ndarray:
    side = feats.leaders if leaders else feats.mentors
    cols = []
    for name in names:
        if name == "lang":
            cols.extend(side.lang[:, w].view(np.int64) for w in range(side.lang.shape[1]))
        elif name == "open":
            cols.append((side.slots > 0).astype(np.int64))
        else:
            cols.append(getattr(side, name).astype(np.int64))
    return np.stack(cols, axis=1) if cols else np.zeros((len(side.ids), 0), np.int64)


def _profiles(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(one representative person per profile, profile of each person)."""
    if not len(values):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    _, first, inverse = np.unique(values, axis=0, return_index=True, return_inverse=True)
    return first.astype(np.int64), inverse.reshape(-1).astype(np.int64)


def _factor(
    feats: Features,
    rules: Rules,
    criteria: tuple[str, ...],
    flags: tuple[str, ...],
    lead_attrs: tuple[str, ...],
    ment_attrs: tuple[str, ...],
) -> Factor | None:
    rep_l, lead = _profiles(_attrs(feats, lead_attrs, True))
    rep_m, ment = _profiles(_attrs(feats, ment_attrs, False))
    if len(rep_l) * len(rep_m) > TABLE_LIMIT:
        return None
    grid = Grid(feats, rep_l, rep_m)
    table = np.zeros(grid.shape, dtype=np.int32)
    if feats.given is None:
        points = profile_cents(grid, rules)
        for name in criteria:
            table += points[name]
    table *= 8
    for name, mask in profile_failures(grid, rules).items():
        if name in flags:
            table |= np.where(mask, FLAG_BITS[name], 0)
    return Factor(lead, ment, table)


class FastScorer:
    """Evaluates leaders x every mentor: scores where every hard rule passes, -inf elsewhere."""

    def __init__(self, feats: Features, rules: Rules) -> None:
        self.feats, self.rules = feats, rules
        everything = tuple(tuple(x for g in GROUPS for x in g[k]) for k in range(4))
        combined = _factor(feats, rules, *everything)
        factors = [combined] if combined is not None else [_factor(feats, rules, *g) for g in GROUPS]
        self.factors: list[Factor] | None = None if any(f is None for f in factors) else factors  # type: ignore[misc]
        self._goal_table()
        # The lowest score any pair can have (used to bound score differences for the coverage bonus).
        if feats.given is not None:
            given = feats.given.values
            self.floor = float(min(0.0, given.min())) if given is not None and len(given) else 0.0
        else:
            penalise = rules.repeat_pairs == "penalize"
            self.floor = -float(np.floor(rules.weight("repeat_penalty") * 100 + 0.5)) / 100 if penalise else 0.0

    def _goal_table(self) -> None:
        """Per leader, hundredths of goal points for every possible numerator 0..total."""
        f = self.feats
        totals = f.goal_total
        sizes = totals.astype(np.int64) + 1
        self.goal_offset = (np.cumsum(sizes) - sizes).astype(np.int32)
        numerator = np.arange(int(sizes.sum())) - np.repeat(self.goal_offset, sizes)
        weight = self.rules.weight("goals")
        lut = np.floor(weight * 100 * numerator.astype(np.float64) / np.repeat(totals, sizes) + 0.5)
        self.goal_lut = lut.astype(np.int32)
        # One row per (goal kind, priority) in use, already multiplied by the priority.
        kinds = f.goal_row.astype(np.int64) * 4 + f.goal_priority
        used, self.goal_index = np.unique(kinds, return_inverse=True)
        self.goal_index = self.goal_index.reshape(kinds.shape).astype(np.int64)
        self.goal_rows = (f.goal_met[used // 4].astype(np.int32) * (used % 4)[:, None]).astype(np.int32)

    def block(self, rows: np.ndarray) -> np.ndarray:
        """Scores of leaders `rows` (sorted) against every mentor, -inf where a hard rule fails."""
        if self.factors is None:
            return evaluate(Grid(self.feats, rows), self.rules)
        f, rules = self.feats, self.rules
        m = len(f.mentors.ids)
        packed = np.take(self.factors[0].table[self.factors[0].lead[rows]], self.factors[0].ment, axis=1)
        for factor in self.factors[1:]:
            packed += np.take(factor.table[factor.lead[rows]], factor.ment, axis=1)
        ok = (packed & 7) == 0
        if f.given is not None:
            values = Grid(f, rows).given()
            ok &= ~np.isnan(values)
        else:
            numerator = self.goal_rows[self.goal_index[rows, 0]]
            for g in range(1, self.goal_index.shape[1]):
                numerator += self.goal_rows[self.goal_index[rows, g]]
            numerator += self.goal_offset[rows][:, None]
            total = np.take(self.goal_lut, numerator)
            packed >>= 3
            total += packed
            if rules.repeat_pairs == "penalize":
                r, c, _ = f.history.in_rows(rows, m)
                total[r, c] -= int(np.floor(rules.weight("repeat_penalty") * 100 + 0.5))
            values = np.divide(total, 100.0)
        if rules.min_grade_gap is not None:
            ok &= ~(f.mentors.grade[None, :] > (f.leaders.grade[rows] - rules.min_grade_gap)[:, None])  # nan: False
        sparse = [f.same_person, f.forbidden]
        sparse += [f.reporting] if rules.reporting_line == "forbid" else []
        sparse += [f.history] if rules.repeat_pairs == "forbid" else []
        for pairs in sparse:
            r, c, _ = pairs.in_rows(rows, m)
            ok[r, c] = False
        if rules.min_score is not None:
            ok &= values >= rules.min_score
        if rules.objective == "score":
            ok &= values > 0
        np.putmask(values, ~ok, -np.inf)
        return values
