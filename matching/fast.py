"""Fast scoring of leaders x every mentor: lookups in tables built once over distinct profiles.

The rule book's `profile` entries depend only on a few attributes (department, languages, time
zone, formats, location). People sharing those attributes share a profile; the tables hold, for
every (leader profile, mentor profile), the points in hundredths shifted left past one bit per
profile hard rule. They are filled by the rule book's own formulas, so scores agree exactly. The
other entries are applied per block: pair lists where their pairs are, the rest as their formula;
goal fit has an accelerated twin (a per-leader lookup from its whole-number numerator to hundredths).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.features import Features
from matching.rulebook import CRITERIA, HARD_RULES, Criterion, HardRule
from matching.rules import Rules
from matching.vectorised import evaluate
from matching.views import Grid, Pairs

TABLE_LIMIT = 16_000_000  # cells of one profile table (int32): 64 MB at most
PROFILE_RULES = tuple(r.name for r in HARD_RULES if r.profile)
FLAG_BITS = {name: 1 << k for k, name in enumerate(PROFILE_RULES)}
SHIFT = len(PROFILE_RULES)  # points live above the rule bits
FLAG_MASK = (1 << SHIFT) - 1
NEG = np.iinfo(np.int32).min  # block_cents: the pair breaks a hard rule


def _groups() -> tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...]:
    """(criteria, hard rules, leader attributes, mentor attributes) per distinct attribute lists in the rule book."""
    out: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[list[str], list[str]]] = {}
    for entry in (*CRITERIA, *HARD_RULES):
        if entry.profile:
            names = out.setdefault((entry.leader_reads, entry.mentor_reads), ([], []))
            names[0 if isinstance(entry, Criterion) else 1].append(entry.name)
    return tuple((tuple(c), tuple(r), lead, ment) for (lead, ment), (c, r) in out.items())


GROUPS = _groups()  # one table each when the combined table would be too big


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
        for entry in CRITERIA:
            if entry.name in criteria and entry.cents is not None:
                table += np.broadcast_to(entry.cents(grid, rules), grid.shape).astype(np.int32)
    table <<= SHIFT
    for rule in HARD_RULES:
        if rule.name in flags and rule.fails is not None and rule.applies(rules, feats):
            table |= np.where(rule.fails(grid, rules), FLAG_BITS[rule.name], 0).astype(np.int32)
    return Factor(lead, ment, table)


def _unique(names: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))  # type: ignore[call-overload]


class FastScorer:
    """Evaluates leaders x every mentor: scores where every hard rule passes, -inf elsewhere."""

    def __init__(self, feats: Features, rules: Rules) -> None:
        self.feats, self.rules = feats, rules
        self.factors: list[Factor] | None = None
        if feats.given is None:  # given scores are read on the listed pairs themselves, never tabulated
            everything = tuple(_unique(x for g in GROUPS for x in g[k]) for k in range(4))
            combined = _factor(feats, rules, *everything)
            factors = [combined] if combined is not None else [_factor(feats, rules, *g) for g in GROUPS]
            self.factors = None if any(f is None for f in factors) else factors  # type: ignore[assignment]
        self.active = tuple(r for r in HARD_RULES if r.applies(rules, feats))
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

    @property
    def exact_cents(self) -> bool:
        """Whether block_cents is available: engine scores (not given ones) from the profile tables."""
        return self.factors is not None and self.feats.given is None

    def block(self, rows: np.ndarray) -> np.ndarray:
        """Scores of leaders `rows` (sorted) against every mentor, -inf where a hard rule fails."""
        if not self.exact_cents:
            return evaluate(Grid(self.feats, rows), self.rules)
        cents = self.block_cents(rows)
        values = np.divide(cents, 100.0)
        np.putmask(values, cents == NEG, -np.inf)
        return values

    def block_cents(self, rows: np.ndarray) -> np.ndarray:
        """Scores in hundredths (int32) of leaders `rows` against every mentor, NEG where a hard rule fails."""
        if not self.exact_cents or self.factors is None:
            raise ValueError("whole-hundredth scores need the profile tables and engine scores")
        packed = np.take(self.factors[0].table[self.factors[0].lead[rows]], self.factors[0].ment, axis=1)
        for factor in self.factors[1:]:
            packed += np.take(factor.table[factor.lead[rows]], factor.ment, axis=1)
        ok = (packed & FLAG_MASK) == 0
        packed >>= SHIFT
        for criterion in CRITERIA:
            if not criterion.profile:
                self._add_points(criterion, rows, packed)
        points: list[np.ndarray] = []  # the scores in points, made once if a rule reads them
        for rule in self.active:
            self._apply_rule(rule, rows, packed, ok, points)
        np.putmask(packed, ~ok, NEG)
        return packed

    def _add_points(self, criterion: Criterion, rows: np.ndarray, total: np.ndarray) -> None:
        """Add one criterion that is not in the profile tables: goals by lookup, pair lists where listed."""
        f = self.feats
        if criterion.name == "goals":  # accelerated twin of the rule book's formula (tests compare them)
            numerator = self.goal_rows[self.goal_index[rows, 0]]
            for g in range(1, self.goal_index.shape[1]):
                numerator += self.goal_rows[self.goal_index[rows, g]]
            numerator += self.goal_offset[rows][:, None]
            total += np.take(self.goal_lut, numerator)
        elif criterion.pairs is not None:
            r, c, _ = getattr(f, criterion.pairs).in_rows(rows, len(f.mentors.ids))
            if len(r) and criterion.cents is not None:
                total[r, c] += criterion.cents(Pairs(f, rows[r], c), self.rules).astype(total.dtype)
        elif criterion.cents is not None and self.rules.weight(criterion.name) != 0:
            total += np.broadcast_to(criterion.cents(Grid(f, rows), self.rules), total.shape).astype(total.dtype)

    def _apply_rule(
        self, rule: HardRule, rows: np.ndarray, cents: np.ndarray, ok: np.ndarray, points: list[np.ndarray]
    ) -> None:
        """Clear `ok` where one hard rule that is not in the profile tables fails."""
        f = self.feats
        if rule.profile:
            return
        if rule.on_score is not None:
            if not points:
                points.append(np.divide(cents, 100.0))
            ok &= ~rule.on_score(points[0], self.rules)
        elif rule.pairs is not None:
            r, c, _ = getattr(f, rule.pairs).in_rows(rows, len(f.mentors.ids))
            ok[r, c] = False
        elif rule.fails is not None:
            ok &= ~np.broadcast_to(rule.fails(Grid(f, rows), self.rules), ok.shape)
