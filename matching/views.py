"""Two views of pairs that the rule book's formulas read: `Grid` (leaders x mentors) and `Pairs` (listed pairs).

A formula written once against these methods runs on a block of leaders against every mentor, on
distinct profiles (the fast tables) and on listed pairs (pins, the chosen pairs' reasons).
"""

from __future__ import annotations

import numpy as np

from matching.features import Features, PairSet


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
