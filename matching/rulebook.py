"""The rule book: every score criterion and every hard rule, each defined once as one object.

An entry names the attributes it reads on each side, gives one numpy formula over a view of pairs
(`matching.views.Grid` or `Pairs`: the same code runs on blocks, on distinct profiles and on listed
pairs) and, for hard rules, its phrases for why-unmatched reasons and for pins that break it.
Scoring (`vectorised`), the fast profile tables (`fast`), pricing, greedy (through the pool) and the
diagnosis (`diagnose`) all iterate over these tuples. `scoring.py` and `check.py` restate every
criterion and rule pair by pair on purpose: they are the independent reference the tests compare with.

Attributes a formula may read through `v.lead(...)` / `v.ment(...)` are the `features.Side` fields
(dept, grade, lang, first_lang, tz, has_tz, zone, fmt, loc, slots); "open" means slots > 0. An entry
whose attributes are all per-person profile fields (`profile=True`) is tabulated once per pair of
distinct profiles; an entry that reads a pair list (`pairs`: a `Features` PairSet) is applied only
where those pairs are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # the formulas only receive views; importing them here would be circular
    from matching.rules import Rules
    from matching.views import Grid

IN_PERSON = 1  # the fmt bit of "in-person" (features.IN_PERSON)

Formula = Callable[["Grid", "Rules"], np.ndarray]


def cents(x: np.ndarray | float) -> np.ndarray:
    """Hundredths rounded half up (the twin of matching.scoring.cents)."""
    return np.floor(np.asarray(x, dtype=np.float64) + 0.5).astype(np.int64)


@dataclass(frozen=True)
class Criterion:
    """One named part of a pair's score: description, default weight, what it reads and its formula."""

    name: str
    description: str
    default_weight: float = 0.0
    leader_reads: tuple[str, ...] = ()
    mentor_reads: tuple[str, ...] = ()
    cents: Formula | None = field(default=None, compare=False, repr=False)  # points in hundredths
    profile: bool = False  # reads only per-person profile fields: tabulated over distinct profiles
    pairs: str | None = None  # reads only this Features pair list: points only where a listed pair is


@dataclass(frozen=True)
class HardRule:
    """One hard rule: when it applies, where a pair breaks it, and how that is said to people."""

    name: str
    applies: Callable[[Rules, Any], bool] = field(compare=False, repr=False)  # (rules, features)
    fails: Formula | None = field(compare=False, repr=False)  # True where the pair breaks the rule
    unmatched: str = ""  # "{count} mentors <phrase>" in why-unmatched reasons; {gap}, {min_score}
    pin: str = ""  # "leader 'L1' and mentor 'M1' <phrase>." for a pin breaking it; also {score}
    leader_reads: tuple[str, ...] = ()
    mentor_reads: tuple[str, ...] = ()
    profile: bool = False
    pairs: str | None = None
    on_score: Callable[[np.ndarray, Rules], np.ndarray] | None = field(default=None, compare=False, repr=False)
    pins_may_break: bool = False  # a pin is allowed to break it (no_gain: a pinned pair may add nothing)


def shared_language(v: Grid) -> tuple[np.ndarray, np.ndarray]:
    """(both list a language, they share one)."""
    L, M = v.feats.leaders, v.feats.mentors
    shared = np.zeros(v.shape, dtype=bool)
    for word in range(L.lang.shape[1]):
        shared |= (v.lead(L.lang[:, word]) & v.ment(M.lang[:, word])) != 0
    both = v.lead(L.lang.any(axis=1)) & v.ment(M.lang.any(axis=1))
    return np.broadcast_to(both, v.shape), shared


# ---------------------------------------------------------------------------------- criteria


def _goals(v: Grid, rules: Rules) -> np.ndarray:
    numerator = v.goal_numerator().astype(np.float64)
    return cents(rules.weight("goals") * 100 * numerator / v.lead(v.feats.goal_total))


def _language(v: Grid, rules: Rules) -> np.ndarray:
    L = v.feats.leaders
    first_lang = v.lead(L.first_lang)
    code = np.maximum(first_lang, 0)
    first_spoken = ((v.mentor_lang_word(code // 64) >> (code % 64).astype(np.uint64)) & np.uint64(1)) != 0
    both, shared = shared_language(v)
    first_spoken = first_spoken & both & (first_lang >= 0)
    factor = np.where(first_spoken, 1.0, np.where(both & shared, 0.5, 0.0))
    return cents(rules.weight("language") * 100 * factor)


def _timezone(v: Grid, rules: Rules) -> np.ndarray:
    L, M = v.feats.leaders, v.feats.mentors
    overlap = np.zeros(v.shape, dtype=np.int64)
    for k in range(2):
        gap = np.abs(v.lead(L.tz[:, k]).astype(np.int64) - v.ment(M.tz[:, k])) % 1440
        overlap = overlap + np.maximum(0, 480 - np.minimum(gap, 1440 - gap))
    overlap = overlap * (v.lead(L.has_tz) & v.ment(M.has_tz))
    return cents(rules.weight("timezone") * 100 * overlap / 960)


def _format(v: Grid, rules: Rules) -> np.ndarray:
    common = (v.lead(v.feats.leaders.fmt) & v.ment(v.feats.mentors.fmt)) != 0
    return np.where(common, cents(rules.weight("format") * 100), 0)


def _location(v: Grid, rules: Rules) -> np.ndarray:
    L, M = v.feats.leaders, v.feats.mentors
    in_person_l = (v.lead(L.fmt) == 0) | ((v.lead(L.fmt) & IN_PERSON) != 0)
    in_person_m = (v.ment(M.fmt) == 0) | ((v.ment(M.fmt) & IN_PERSON) != 0)
    same_place = (v.lead(L.loc) >= 0) & (v.lead(L.loc) == v.ment(M.loc)) & in_person_l & in_person_m
    return np.where(same_place, cents(rules.weight("location") * 100), 0)


def _cross_department(v: Grid, rules: Rules) -> np.ndarray:
    L, M = v.feats.leaders, v.feats.mentors
    cross = (v.lead(L.dept) >= 0) & (v.ment(M.dept) >= 0) & (v.lead(L.dept) != v.ment(M.dept))
    return np.where(cross, cents(rules.weight("cross_department") * 100), 0)


def _repeat_penalty(v: Grid, rules: Rules) -> np.ndarray:
    if rules.repeat_pairs != "penalize":
        return np.zeros(v.shape, dtype=np.int64)
    return np.where(v.member(v.feats.history), -cents(rules.weight("repeat_penalty") * 100), 0)


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "goals",
        "How well the mentor's skills cover the leader's goals, weighted by priority and target level.",
        60.0,
        ("goals",),
        ("skills",),
        _goals,
    ),
    Criterion(
        "language",
        "They share the leader's first language (full points) or another language (half).",
        5.0,
        ("first_lang", "lang"),
        ("lang",),
        _language,
        profile=True,
    ),
    Criterion(
        "timezone",
        "How many working hours (9:00-17:00) their time zones have in common.",
        10.0,
        ("zone",),
        ("zone",),
        _timezone,
        profile=True,
    ),
    Criterion(
        "format",
        "They accept at least one common meeting format (remote or in person).",
        5.0,
        ("fmt",),
        ("fmt",),
        _format,
        profile=True,
    ),
    Criterion(
        "location",
        "They are in the same location and both can meet in person.",
        5.0,
        ("fmt", "loc"),
        ("fmt", "loc"),
        _location,
        profile=True,
    ),
    Criterion(
        "cross_department",
        "They work in different departments, so the pairing builds a bridge.",
        10.0,
        ("dept",),
        ("dept",),
        _cross_department,
        profile=True,
    ),
    Criterion(
        "repeat_penalty",
        "Points taken off when the pair met in an earlier cohort (repeat_pairs = penalize).",
        20.0,
        cents=_repeat_penalty,
        pairs="history",
    ),
)

# ---------------------------------------------------------------------------------- hard rules


def _always(rules: Rules, feats: Any) -> bool:
    return True


def _member(pairs: str) -> Formula:
    return lambda v, rules: v.member(getattr(v.feats, pairs))


def _same_department(v: Grid, rules: Rules) -> np.ndarray:
    return (v.lead(v.feats.leaders.dept) >= 0) & (v.lead(v.feats.leaders.dept) == v.ment(v.feats.mentors.dept))


def _no_language(v: Grid, rules: Rules) -> np.ndarray:
    both, shared = shared_language(v)
    return both & ~shared


def _grade_gap(v: Grid, rules: Rules) -> np.ndarray:
    gap = rules.min_grade_gap or 0.0
    return v.ment(v.feats.mentors.grade) > v.lead(v.feats.leaders.grade) - gap  # nan compares False


HARD_RULES: tuple[HardRule, ...] = (
    HardRule(
        "same_person",
        _always,
        _member("same_person"),
        "are the leader themself",
        "are the same person",
        pairs="same_person",
    ),
    HardRule(
        "not_in_scores",
        lambda rules, feats: feats.given is not None,
        None,
        "have no score with this leader in scores",
        "have no entry in scores",
        on_score=lambda values, rules: np.isnan(values),
    ),
    HardRule(
        "no_places",
        _always,
        lambda v, rules: v.ment(v.feats.mentors.slots) == 0,
        "offer no places (capacity 0)",
        "cannot be paired because the mentor has capacity 0",
        mentor_reads=("open",),
        profile=True,
    ),
    HardRule(
        "same_department",
        lambda rules, feats: rules.same_department == "forbid",
        _same_department,
        "work in the same department",
        "work in the same department, which rules.same_department forbids",
        ("dept",),
        ("dept",),
        profile=True,
    ),
    HardRule(
        "reporting_line",
        lambda rules, feats: rules.reporting_line == "forbid",
        _member("reporting"),
        "are in the leader's reporting line",
        "share a reporting line, which rules.reporting_line forbids",
        pairs="reporting",
    ),
    HardRule(
        "grade_gap",
        lambda rules, feats: rules.min_grade_gap is not None,
        _grade_gap,
        "are not at least {gap} grade below the leader",
        "are fewer than rules.min_grade_gap = {gap} grades apart",
        ("grade",),
        ("grade",),
    ),
    HardRule(
        "common_language",
        lambda rules, feats: rules.common_language,
        _no_language,
        "share no language with the leader",
        "share no language, which rules.common_language requires",
        ("first_lang", "lang"),
        ("lang",),
        profile=True,
    ),
    HardRule(
        "repeat_pairs",
        lambda rules, feats: rules.repeat_pairs == "forbid",
        _member("history"),
        "mentored the leader in an earlier cohort",
        "were paired in an earlier cohort, which rules.repeat_pairs forbids",
        pairs="history",
    ),
    HardRule(
        "forbidden",
        _always,
        _member("forbidden"),
        "are forbidden for this leader",
        "are also listed in forbidden",
        pairs="forbidden",
    ),
    HardRule(
        "min_score",
        lambda rules, feats: rules.min_score is not None,
        None,
        "would score below the minimum score of {min_score}",
        "score {score}, below rules.min_score = {min_score}",
        on_score=lambda values, rules: ~np.isnan(values) & (values < rules.min_score),
    ),
    HardRule(  # not a rule of the manager's: under "score" a pair scoring 0 or less adds nothing
        "no_gain",
        lambda rules, feats: rules.objective == "score",
        None,
        "would score 0 or less, which adds nothing under the 'score' objective",
        on_score=lambda values, rules: ~np.isnan(values) & (values <= 0),
        pins_may_break=True,
    ),
)

CRITERION_NAMES: tuple[str, ...] = tuple(c.name for c in CRITERIA)
RULE_NAMES: tuple[str, ...] = tuple(r.name for r in HARD_RULES)
BY_NAME: dict[str, HardRule] = {r.name: r for r in HARD_RULES}


def active_rules(rules: Rules, feats: Any) -> tuple[HardRule, ...]:
    """The hard rules that apply under these rules to this problem, in rule-book order."""
    return tuple(r for r in HARD_RULES if r.applies(rules, feats))
