"""Fast scoring of leaders x every mentor: lookups in tables built once over distinct profiles.

The rule book's `profile` entries depend only on a few attributes (department, languages, time
zone, formats, location). People sharing those attributes share a profile; the tables hold, for
every (leader profile, mentor profile), the points in hundredths, or FAILED where a profile hard
rule rules the pair out (far below any score, so one comparison after the sums finds those pairs).
They are filled by the rule book's own formulas, so scores agree exactly. The
other entries are applied per block: pair lists where their pairs are, the rest as their formula;
goal fit has an accelerated twin (a per-leader lookup from its whole-number numerator to hundredths).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.features import Features, PairSet
from matching.rulebook import CRITERIA, HARD_RULES, Criterion, HardRule
from matching.rules import Rules
from matching.vectorised import evaluate
from matching.views import Grid, Pairs

ALL = slice(None)  # every mentor
TABLE_LIMIT = 16_000_000  # cells of one profile table (int32): 64 MB at most
# block_cents: the pair breaks a hard rule. Far below any score (weights are at most 1,000, so
# |points| stay under 2**24 hundredths) and far above the int32 minimum, so one np.maximum turns
# every sum that holds a FAILED into NEG, without overflow.
NEG = -(2**25)
FAILED = 2 * NEG  # a profile rule fails (in the tables; a few of them add up to at most -2**29)


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
    # Each column ranked, the ranks read as one number (first column most significant): the same
    # lexicographic order as np.unique(axis=0), at the speed of a one-dimensional np.unique.
    key, size = np.zeros(len(values), np.int64), 1
    for col in values.T:
        codes, rank = np.unique(col, return_inverse=True)
        size *= len(codes)
        if size >= 2**62:
            _, first, inverse = np.unique(values, axis=0, return_index=True, return_inverse=True)
            return first.astype(np.int64), inverse.reshape(-1).astype(np.int64)
        key = key * len(codes) + rank.reshape(-1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
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
    for rule in HARD_RULES:
        if rule.name in flags and rule.fails is not None and rule.applies(rules, feats):
            np.putmask(table, np.broadcast_to(rule.fails(grid, rules), grid.shape), FAILED)
    return Factor(lead, ment, table)


def _combine(feats: Features, groups: list[Factor]) -> Factor | None:
    """One table over the profiles of every attribute, summed from the small group tables (one lookup per pair)."""
    everything = tuple(_unique(x for g in GROUPS for x in g[k]) for k in (2, 3))
    rep_l, lead = _profiles(_attrs(feats, everything[0], True))
    rep_m, ment = _profiles(_attrs(feats, everything[1], False))
    if len(rep_l) * len(rep_m) > TABLE_LIMIT:
        return None
    table = np.zeros((len(rep_l), len(rep_m)), dtype=np.int32)
    for g in groups:  # a failed rule in any group leaves the sum below NEG
        table += np.take(g.table[g.lead[rep_l]], g.ment[rep_m], axis=1)
    np.maximum(table, FAILED, out=table)
    return Factor(lead, ment, table)


def _unique(names: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))  # type: ignore[call-overload]


class FastScorer:
    """Evaluates leaders x every mentor: scores where every hard rule passes, -inf elsewhere."""

    def __init__(self, feats: Features, rules: Rules) -> None:
        self.feats, self.rules = feats, rules
        self.factors: list[Factor] | None = None
        if feats.given is None:  # given scores are read on the listed pairs themselves, never tabulated
            groups = [_factor(feats, rules, *g) for g in GROUPS]
            if all(g is not None for g in groups):
                combined = _combine(feats, groups)  # type: ignore[arg-type]
                self.factors = [combined] if combined is not None else groups  # type: ignore[assignment]
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
        """Per distinct goal total, hundredths of goal points for every possible numerator 0..total."""
        f = self.feats
        # One row per distinct total (a few dozen), so the table stays in the processor's cache.
        distinct, which = np.unique(f.goal_total, return_inverse=True)
        width = int(distinct.max(initial=0)) + 1
        self.goal_offset = (which.reshape(-1) * width).astype(np.int32)
        self.goal_width = width  # goal_lut is (distinct totals, width), flattened
        numerator = np.arange(width, dtype=np.float64)[None, :]
        weight = self.rules.weight("goals")
        lut = np.floor(weight * 100 * numerator / distinct[:, None] + 0.5)
        self.goal_lut = lut.astype(np.int32).ravel()
        # One row per (goal kind, priority) in use, already multiplied by the priority.
        kinds = f.goal_row.astype(np.int64) * 4 + f.goal_priority
        used, self.goal_index = np.unique(kinds, return_inverse=True)
        self.goal_index = self.goal_index.reshape(kinds.shape).astype(np.int64)
        self.goal_count = np.count_nonzero(f.goal_priority > 0, axis=1)  # goals come first, then padding
        # int16 is enough: at most 60 * 3 per goal, and leaders have far fewer than 180 goals.
        self.goal_rows = f.goal_met[used // 4] * (used % 4).astype(np.int16)[:, None]
        # The whole numerator fits int16 too unless a leader's goals are many (half the memory traffic).
        self.goal_dtype = np.int16 if float(f.goal_total.max(initial=0.0)) < 2**15 else np.int32

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

    def block_cents(self, rows: np.ndarray, cols: slice = ALL) -> np.ndarray:
        """Scores in hundredths (int32) of leaders `rows` against mentors `cols` (default every mentor),
        NEG where a hard rule fails."""
        if not self.exact_cents or self.factors is None:
            raise ValueError("whole-hundredth scores need the profile tables and engine scores")
        first = self.factors[0]
        packed = np.take(first.table[first.lead[rows]], first.ment[cols], axis=1)
        for factor in self.factors[1:]:
            packed += np.take(factor.table[factor.lead[rows]], factor.ment[cols], axis=1)
        for criterion in CRITERIA:
            if not criterion.profile:
                self._add_points(criterion, rows, cols, packed)
        np.maximum(packed, NEG, out=packed)  # a profile rule failed: FAILED plus points is below NEG
        points: list[np.ndarray] = []  # the scores in points, made once if a rule reads them
        for rule in self.active:
            self._apply_rule(rule, rows, cols, packed, points)
        return packed

    def goal_numerator(self, rows: np.ndarray, cols: slice = ALL) -> np.ndarray:
        """Whole-number goal fit of leaders `rows` against mentors `cols` (accelerated twin of the rule book's)."""
        goal_rows = self.goal_rows[:, cols]
        numerator = goal_rows[self.goal_index[rows, 0]].astype(self.goal_dtype)
        for g in range(1, int(self.goal_count[rows].max(initial=1))):  # columns past the most goals are padding
            numerator += goal_rows[self.goal_index[rows, g]]
        return numerator

    def goal_cents(self, rows: np.ndarray, numerator: np.ndarray) -> np.ndarray:
        """Goal points in hundredths from goal numerators (rows: each numerator's leader, broadcast)."""
        at = np.add(numerator, self.goal_offset[rows], dtype=np.intp)  # take wants intp indices
        return np.take(self.goal_lut, at)

    def _in_cols(self, pairs: PairSet, rows: np.ndarray, cols: slice) -> tuple[np.ndarray, np.ndarray]:
        """(row position, column position) of the listed pairs inside the block rows x cols."""
        r, c, _ = pairs.in_rows(rows, len(self.feats.mentors.ids))
        start, stop, _ = cols.indices(len(self.feats.mentors.ids))
        inside = (c >= start) & (c < stop)
        return r[inside], c[inside] - start

    def _add_points(self, criterion: Criterion, rows: np.ndarray, cols: slice, total: np.ndarray) -> None:
        """Add one criterion that is not in the profile tables: goals by lookup, pair lists where listed."""
        f = self.feats
        if criterion.name == "goals":  # accelerated twin of the rule book's formula (tests compare them)
            total += self.goal_cents(rows[:, None], self.goal_numerator(rows, cols))
        elif criterion.pairs is not None:
            r, c = self._in_cols(getattr(f, criterion.pairs), rows, cols)
            if len(r) and criterion.cents is not None:
                mentors = np.arange(len(f.mentors.ids))[cols]
                total[r, c] += criterion.cents(Pairs(f, rows[r], mentors[c]), self.rules).astype(total.dtype)
        elif criterion.cents is not None and self.rules.weight(criterion.name) != 0:
            grid = Grid(f, rows, np.arange(len(f.mentors.ids))[cols])
            total += np.broadcast_to(criterion.cents(grid, self.rules), total.shape).astype(total.dtype)

    def _apply_rule(
        self, rule: HardRule, rows: np.ndarray, cols: slice, cents: np.ndarray, points: list[np.ndarray]
    ) -> None:
        """Set NEG where one hard rule that is not in the profile tables fails."""
        f = self.feats
        if rule.profile:
            return
        if rule.on_score is not None:
            if not points:
                points.append(np.divide(cents, 100.0))
                np.putmask(points[0], cents == NEG, np.nan)  # already ruled out: not a score to judge
            np.copyto(cents, NEG, where=rule.on_score(points[0], self.rules))
        elif rule.pairs is not None:
            r, c = self._in_cols(getattr(f, rule.pairs), rows, cols)
            cents[r, c] = NEG
        elif rule.fails is not None:
            grid = Grid(f, rows, np.arange(len(f.mentors.ids))[cols])
            np.copyto(cents, NEG, where=np.broadcast_to(rule.fails(grid, self.rules), cents.shape))
