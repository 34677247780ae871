"""People and pair lists encoded as numpy arrays, so rules and scores run on millions of pairs at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from typing import Any

import numpy as np

from matching.fields import fold, natural_key
from matching.org import reporting_pairs
from matching.problem import Leader, Mentor, Problem
from matching.rulebook import IN_PERSON
from matching.scoring import GOAL_SCALE, utc_offsets

REMOTE = 2


@dataclass(frozen=True)
class Side:
    """One side (leaders or mentors), people in natural id order, one array entry per person."""

    ids: tuple[str, ...]
    index: dict[str, int]
    dept: np.ndarray  # int32 code, -1 when missing
    grade: np.ndarray  # float64, nan when missing
    lang: np.ndarray  # uint64 (n, words) bitmask of languages
    first_lang: np.ndarray  # int32 code of the first language, -1 when none
    tz: np.ndarray  # int32 (n, 2) UTC offsets in minutes at the reference instants
    has_tz: np.ndarray  # bool
    zone: np.ndarray  # int32 code of the time zone name, -1 when missing
    fmt: np.ndarray  # int8 bitmask (IN_PERSON | REMOTE), 0 when missing
    loc: np.ndarray  # int32 code, -1 when missing
    slots: np.ndarray  # int64: mentors_wanted for leaders, capacity for mentors


@dataclass(frozen=True)
class PairSet:
    """A set of (leader index, mentor index) pairs stored as sorted keys leader * m + mentor."""

    keys: np.ndarray
    values: np.ndarray | None = None

    @classmethod
    def build(cls, pairs: list[tuple[int, int]], m: int, values: list[float] | None = None) -> PairSet:
        """A PairSet from index pairs (and optional values, e.g. given scores)."""
        if not pairs:
            return cls(np.zeros(0, np.int64), None if values is None else np.zeros(0))
        keys = np.array(pairs, dtype=np.int64).reshape(-1, 2) @ np.array([m, 1], dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        vals = None if values is None else np.asarray(values, dtype=np.float64)[order]
        return cls(keys[order], vals)

    @classmethod
    def from_arrays(
        cls, li: np.ndarray, mj: np.ndarray, m: int, values: np.ndarray | None = None, unique: bool = False
    ) -> PairSet:
        """A PairSet from leader and mentor index arrays (and optional values); `unique` drops repeated pairs."""
        keys = li.astype(np.int64) * m + mj.astype(np.int64)
        if unique:
            return cls(np.unique(keys), None)
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], None if values is None else np.asarray(values, dtype=np.float64)[order])

    def contains(self, keys: np.ndarray) -> np.ndarray:
        """Whether each key is in the set."""
        if not len(self.keys):
            return np.zeros(keys.shape, dtype=bool)
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return self.keys[pos] == keys

    def in_rows(self, rows: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(position of the row in `rows`, mentor index, set position) for keys whose leader is in `rows`."""
        lead = self.keys // m
        pos = np.searchsorted(rows, lead)
        pos = np.minimum(pos, len(rows) - 1)
        hit = rows[pos] == lead
        where = np.flatnonzero(hit)
        return pos[where], self.keys[where] % m, where


@dataclass(frozen=True)
class Features:
    """Everything the vectorised rules and scores need, derived once from a Problem."""

    leaders: Side
    mentors: Side
    goal_row: np.ndarray  # int32 (n, most goals): row of goal_met per goal (padding: the zero row)
    goal_priority: np.ndarray  # int32 (n, most goals): priority per goal (padding: 0)
    goal_total: np.ndarray  # float64 (n,): GOAL_SCALE * sum of priorities (1 when no goals)
    goal_met: np.ndarray  # int16 (goal kinds + 1, m): (60 / level) * min(proficiency, level)
    same_person: PairSet
    forbidden: PairSet
    reporting: PairSet
    history: PairSet
    given: PairSet | None  # Problem.scores, values = scores
    dept_names: tuple[str, ...]


class _Codes:
    """Assigns small integer codes to names compared with `fold`."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.names: list[str] = []  # the first spelling met, for messages and constraint names
        self.spelled: dict[str | None, int] = {None: -1}  # each spelling met, so fold runs once per spelling

    def __call__(self, name: str | None) -> int:
        code = self.spelled.get(name)
        if code is not None:
            return code
        key = fold(name)  # type: ignore[arg-type]
        if key not in self.codes:
            self.codes[key] = len(self.codes)
            self.names.append(name)  # type: ignore[arg-type]
        self.spelled[name] = self.codes[key]
        return self.codes[key]


def _side(
    people: tuple[Leader, ...] | tuple[Mentor, ...], depts: _Codes, langs: _Codes, locs: _Codes, zones: _Codes
) -> Side:
    """One side's arrays; `people` come in natural id order."""
    n = len(people)
    lang_codes = [[langs(x) for x in p.languages] for p in people]
    words = max(1, (len(langs.codes) + 63) // 64)
    masks = [sum(1 << c for c in set(codes)) for codes in lang_codes]  # Python ints: any number of bits
    lang = np.zeros((n, words), dtype=np.uint64)
    for w in range(words):
        lang[:, w] = np.fromiter(((x >> (64 * w)) & 0xFFFF_FFFF_FFFF_FFFF for x in masks), np.uint64, n)
    tz = np.array([utc_offsets(p.timezone) if p.timezone else (0, 0) for p in people], dtype=np.int32).reshape(n, 2)
    fmt = [(IN_PERSON if "in-person" in p.formats else 0) | (REMOTE if "remote" in p.formats else 0) for p in people]
    slots = [p.mentors_wanted if isinstance(p, Leader) else p.capacity for p in people]
    return Side(
        ids=tuple(p.id for p in people),
        index={p.id: i for i, p in enumerate(people)},
        dept=np.array([depts(p.department) for p in people], dtype=np.int32),
        grade=np.array([np.nan if p.grade is None else p.grade for p in people], dtype=np.float64),
        lang=lang,
        first_lang=np.array([c[0] if c else -1 for c in lang_codes], dtype=np.int32),
        tz=tz,
        has_tz=np.array([p.timezone is not None for p in people], dtype=bool),
        zone=np.array([zones(p.timezone) for p in people], dtype=np.int32),
        fmt=np.array(fmt, dtype=np.int8),
        loc=np.array([locs(p.location) for p in people], dtype=np.int32),
        slots=np.array(slots, dtype=np.int64),
    )


def _goal_arrays(leaders: tuple[Leader, ...], mentors: tuple[Mentor, ...]) -> tuple[np.ndarray, ...]:
    """Goal fit as lookups: per (skill, target level) a row over mentors of (60 / level) * min(proficiency, level)."""
    rows: dict[tuple[str, int], int] = {}
    for leader in leaders:
        for goal in leader.goals:
            rows.setdefault((fold(goal.skill), goal.level), len(rows))
    width = max(1, max((len(p.goals) for p in leaders), default=0))
    index = np.full((len(leaders), width), len(rows), dtype=np.int32)  # the last row of `met` is all zero
    priority = np.zeros((len(leaders), width), dtype=np.int32)
    totals = np.ones(len(leaders), dtype=np.float64)
    counts = np.fromiter((len(p.goals) for p in leaders), np.int64, len(leaders))
    where = (
        np.repeat(np.arange(len(leaders)), counts),
        np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts),
    )
    index[where] = np.fromiter(
        (rows[fold(g.skill), g.level] for p in leaders for g in p.goals), np.int32, len(where[0])
    )
    priority[where] = np.fromiter((g.priority for p in leaders for g in p.goals), np.int32, len(where[0]))
    has_goals = counts > 0
    totals[has_goals] = GOAL_SCALE * priority.sum(axis=1, dtype=np.int64)[has_goals]
    met = np.zeros((len(rows) + 1, len(mentors)), dtype=np.int16)
    codes = {skill: k for k, skill in enumerate(dict.fromkeys(skill for skill, _ in rows))}
    # Every (mentor, wanted skill, proficiency) once, then one array operation per (skill, level) row.
    names = [name for mentor in mentors for name, _ in mentor.skills]
    code_of = {name: codes.get(fold(name), -1) for name in dict.fromkeys(names)}  # fold once per spelling
    counts = np.fromiter((len(mentor.skills) for mentor in mentors), np.int64, len(mentors))
    entries = np.stack(
        [
            np.repeat(np.arange(len(mentors), dtype=np.int64), counts),
            np.fromiter(map(code_of.__getitem__, names), np.int64, len(names)),
            np.fromiter((level for mentor in mentors for _, level in mentor.skills), np.int64, len(names)),
        ],
        axis=1,
    ).reshape(-1, 3)
    entries = entries[entries[:, 1] >= 0]
    order = np.argsort(entries[:, 1], kind="stable")
    entries = entries[order]
    starts = np.searchsorted(entries[:, 1], np.arange(len(codes) + 1))
    for (skill, level), r in rows.items():
        k = codes[skill]
        part = entries[starts[k] : starts[k + 1]]
        met[r, part[:, 0]] = (GOAL_SCALE // level) * np.minimum(part[:, 2], level)
    return index, priority, totals, met


def build_features(problem: Problem) -> Features:
    """Encode a problem; people are put in natural id order so input order never matters."""
    depts, langs, locs, zones = _Codes(), _Codes(), _Codes(), _Codes()
    for person in (*problem.leaders, *problem.mentors):
        for name in person.languages:
            langs(name)
    sorted_leaders = tuple(sorted(problem.leaders, key=lambda p: natural_key(p.id)))
    sorted_mentors = tuple(sorted(problem.mentors, key=lambda p: natural_key(p.id)))
    leaders = _side(sorted_leaders, depts, langs, locs, zones)
    mentors = _side(sorted_mentors, depts, langs, locs, zones)
    if problem.scores is None:
        goal_row, goal_priority, goal_total, goal_met = _goal_arrays(sorted_leaders, sorted_mentors)
    else:  # given scores: the criteria are never computed
        n, m = len(sorted_leaders), len(sorted_mentors)
        goal_row, goal_priority = np.zeros((n, 1), np.int32), np.zeros((n, 1), np.int32)
        goal_total, goal_met = np.ones(n), np.zeros((1, m), np.int16)
    m = len(mentors.ids)

    def pairs(links: Iterable[Sequence[Any]], values: bool = False, unique: bool = False) -> PairSet:
        """The links (leader id, mentor id, ...) as a PairSet; links naming someone outside the problem are left out."""
        links = links if isinstance(links, (list, tuple)) else list(links)
        size = len(links)
        li = np.fromiter(map(leaders.index.get, map(itemgetter(0), links), repeat(-1, size)), np.int64, size)
        mj = np.fromiter(map(mentors.index.get, map(itemgetter(1), links), repeat(-1, size)), np.int64, size)
        known = (li >= 0) & (mj >= 0)
        scores = np.fromiter(map(itemgetter(2), links), np.float64, size)[known] if values else None
        return PairSet.from_arrays(li[known], mj[known], m, scores, unique)

    same = [(i, mentors.index[x]) for i, x in enumerate(leaders.ids) if x in mentors.index]
    given = None
    if problem.scores is not None:
        given = pairs(problem.scores, values=True)
    return Features(
        leaders=leaders,
        mentors=mentors,
        goal_row=goal_row,
        goal_priority=goal_priority,
        goal_total=goal_total,
        goal_met=goal_met,
        same_person=PairSet.build(same, m),
        forbidden=pairs(problem.forbidden),
        reporting=pairs(reporting_pairs(problem), unique=True),  # sorted by key: set order never shows
        history=pairs(problem.history, unique=True),
        given=given,
        dept_names=tuple(depts.names),
    )
