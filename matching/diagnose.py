"""Plain-English reasons: why a leader was left unmatched, and why a pin breaks a rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matching.errors import InputError
from matching.features import Features
from matching.problem import Problem
from matching.rulebook import HARD_RULES, RULE_NAMES
from matching.rules import Rules
from matching.solution import Unmatched
from matching.vectorised import Grid, Pairs, rule_failures, score_failures, scores

UNMATCHED_PHRASES = {r.name: r.unmatched for r in HARD_RULES}
PIN_PHRASES = {r.name: r.pin for r in HARD_RULES if not r.pins_may_break}


def _fmt(x: float | None) -> str:
    return "none" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


def _failures_with_min_score(v: Grid, rules: Rules) -> tuple[dict[str, np.ndarray], np.ndarray]:
    values = scores(v, rules)
    fails = rule_failures(v, rules) | score_failures(values, rules, v.feats)
    order = {name: k for k, name in enumerate(RULE_NAMES)}
    return dict(sorted(fails.items(), key=lambda item: order[item[0]])), values


def _compatible(feats: Features, rules: Rules, rows: np.ndarray) -> np.ndarray:
    fails, values = _failures_with_min_score(Grid(feats, rows), rules)
    ok = ~np.isnan(values)
    for mask in fails.values():
        ok &= ~mask
    return ok


def check_pins(problem: Problem, feats: Features) -> None:
    """Raise InputError for the first pin that breaks a hard rule, a capacity or a limit."""
    rules = problem.rules
    if not problem.pinned:
        return
    li = np.array([feats.leaders.index[a] for a, _ in problem.pinned], dtype=np.int64)
    mj = np.array([feats.mentors.index[b] for _, b in problem.pinned], dtype=np.int64)
    fails, values = _failures_with_min_score(Pairs(feats, li, mj), rules)
    words = {"gap": _fmt(rules.min_grade_gap), "min_score": _fmt(rules.min_score)}
    for k, (leader, mentor) in enumerate(problem.pinned):
        for name in RULE_NAMES:
            if name in fails and fails[name][k] and name in PIN_PHRASES:  # a pin may add nothing (no_gain)
                phrase = PIN_PHRASES[name].format(score=_fmt(float(values[k])), **words)
                raise InputError(
                    f"pinned[{k}]", f"leader {leader!r} and mentor {mentor!r} {phrase}.", ids=(leader, mentor)
                )
    _check_pin_counts(problem, feats)


def _check_pin_counts(problem: Problem, feats: Features) -> None:
    by_mentor: dict[str, list[str]] = {}
    by_leader: dict[str, list[str]] = {}
    by_dept: dict[tuple[str, int], list[str]] = {}
    cap = problem.rules.max_per_department_per_mentor
    for k, (leader, mentor) in enumerate(problem.pinned):
        i, j = feats.leaders.index[leader], feats.mentors.index[mentor]
        taken = by_mentor.setdefault(mentor, [])
        if len(taken) >= feats.mentors.slots[j]:
            raise InputError(
                f"pinned[{k}]",
                f"mentor {mentor!r} has capacity {feats.mentors.slots[j]} and is already "
                f"pinned to {', '.join(map(repr, taken))}, so cannot also take leader {leader!r}.",
                ids=(mentor, *taken, leader),
            )
        taken.append(leader)
        mine = by_leader.setdefault(leader, [])
        if len(mine) >= feats.leaders.slots[i]:
            raise InputError(
                f"pinned[{k}]",
                f"leader {leader!r} wants {feats.leaders.slots[i]} mentor(s) and is already "
                f"pinned to {', '.join(map(repr, mine))}, so cannot also take mentor {mentor!r}.",
                ids=(leader, *mine, mentor),
            )
        mine.append(mentor)
        dept = int(feats.leaders.dept[i])
        if cap is not None and dept >= 0:
            same = by_dept.setdefault((mentor, dept), [])
            if len(same) >= cap:
                raise InputError(
                    f"pinned[{k}]",
                    f"mentor {mentor!r} is already pinned to {', '.join(map(repr, same))} from "
                    f"{feats.dept_names[dept]}, so taking leader {leader!r} breaks "
                    f"rules.max_per_department_per_mentor = {cap}.",
                    ids=(mentor, *same, leader),
                )
            same.append(leader)


def _name_some(ids: list[str], total: int, limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {total - limit} more" if total > limit else "")


def _no_candidate(fails: dict[str, np.ndarray], row: int, m: int, rules: Rules) -> str:
    if m == 0:
        return "There are no mentors in this problem."
    words = {"gap": _fmt(rules.min_grade_gap), "min_score": _fmt(rules.min_score)}
    counts = [(int(mask[row].sum()), name) for name, mask in fails.items() if mask[row].any()]
    counts.sort(key=lambda c: (-c[0], RULE_NAMES.index(c[1])))
    parts = [f"{n} {UNMATCHED_PHRASES[name].format(**words)}" for n, name in counts]
    listing = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    several = " (a mentor can fail several rules)" if len(parts) > 1 else ""
    mentors = "1 mentor" if m == 1 else f"{m} mentors"
    return f"No mentor passes the rules: of {mentors}, {listing}{several}."


def explain_unmatched(
    feats: Features,
    rules: Rules,
    status: str,
    pairs: set[tuple[int, int]],
    load: np.ndarray,
    dept_load: dict[tuple[int, int], int],
    block: Callable[[np.ndarray], np.ndarray] | None = None,
) -> list[Unmatched]:
    """A reason for every leader with fewer mentors than wanted, in leader order (scanned in chunks).

    `block(rows)`: scores of those leaders against every mentor, -inf where a rule fails (the fast
    scorer); without it the rule book's reference formulas are evaluated.
    """
    n, m = len(feats.leaders.ids), len(feats.mentors.ids)
    got = np.zeros(n, dtype=np.int64)
    partners: dict[int, list[int]] = {}
    for i, j in pairs:
        got[i] += 1
        partners.setdefault(i, []).append(j)
    short = np.flatnonzero(got < feats.leaders.slots)
    full = load >= feats.mentors.slots
    cap = rules.max_per_department_per_mentor
    capped = np.zeros((m, len(feats.dept_names) + 1), dtype=bool)  # last column: no department, never capped
    if cap is not None:
        for (j, d), count in dept_load.items():
            capped[j, d] = d >= 0 and count >= cap
    loads = _Loads(status, full, capped, cap)
    out = []
    step = max(1, 2_000_000 // max(m, 1))
    for start in range(0, len(short), step):
        rows = short[start : start + step]
        ok = np.isfinite(block(rows)) if block is not None else _compatible(feats, rules, rows)
        # Which rules rule mentors out is needed only for leaders with no compatible mentor at all.
        bare = np.flatnonzero(~ok.any(axis=1))
        fails = _failures_with_min_score(Grid(feats, rows[bare]), rules)[0] if len(bare) else {}
        at = {int(r): k for k, r in enumerate(bare.tolist())}
        for row, i in enumerate(rows.tolist()):
            open_ = ok[row].copy()
            open_[partners.get(i, [])] = False
            reason = _reason(feats, fails, at.get(row, -1), i, open_, bool(got[i]), loads, rules)
            wanted, have = int(feats.leaders.slots[i]), int(got[i])
            if have:
                reason = f"Wanted {wanted} mentors, got {have}: " + reason[0].lower() + reason[1:]
            out.append(Unmatched(feats.leaders.ids[i], reason, wanted - have))
    return out


@dataclass(frozen=True)
class _Loads:
    """What the solution left: the solver status, which mentors are full, which (mentor, department) are capped."""

    status: str
    full: np.ndarray
    capped: np.ndarray
    cap: int | None


def _reason(
    feats: Features,
    fails: dict[str, np.ndarray],
    row: int,
    i: int,
    open_: np.ndarray,
    has_some: bool,
    loads: _Loads,
    rules: Rules,
) -> str:
    M = feats.mentors
    if not open_.any():
        return "No other mentor passes the rules." if has_some else _no_candidate(fails, row, len(M.ids), rules)
    room = open_ & ~loads.full
    if not room.any():
        count = int(open_.sum())
        ids = [M.ids[j] for j in np.flatnonzero(open_)[:6].tolist()]
        if count == 1:
            return f"The only compatible mentor ({ids[0]}) is already at capacity with other leaders."
        return f"All {count} compatible mentors ({_name_some(ids, count)}) are already at capacity with other leaders."
    dept = int(feats.leaders.dept[i])
    if loads.cap is not None and dept >= 0 and not (room & ~loads.capped[:, dept]).any():
        ids = [M.ids[j] for j in np.flatnonzero(room)[:6].tolist()]
        return (
            f"The compatible mentors with room ({_name_some(ids, int(room.sum()))}) already have {loads.cap} "
            f"leader(s) from {feats.dept_names[dept]}, the most rules.max_per_department_per_mentor allows."
        )
    if loads.status != "optimal":
        return "The solver's time limit ran out before this leader was placed; a longer time limit may match them."
    return "The best total score was reached without this leader (the 'score' objective does not favour coverage)."
