"""Plain-English reasons: why a leader was left unmatched, and why a pin breaks a rule."""

from __future__ import annotations

import numpy as np

from matching.errors import InputError
from matching.features import Features
from matching.problem import Problem
from matching.rules import Rules
from matching.solution import Unmatched
from matching.vectorised import RULE_NAMES, Grid, Pairs, rule_failures, scores

UNMATCHED_PHRASES = {
    "same_person": "are the leader themself",
    "not_in_scores": "have no score with this leader in scores",
    "no_places": "offer no places (capacity 0)",
    "same_department": "work in the same department",
    "reporting_line": "are in the leader's reporting line",
    "grade_gap": "are not at least {gap} grade below the leader",
    "common_language": "share no language with the leader",
    "repeat_pairs": "mentored the leader in an earlier cohort",
    "forbidden": "are forbidden for this leader",
    "min_score": "would score below the minimum score of {min_score}",
    "no_gain": "would score 0 or less, which adds nothing under the 'score' objective",
}
PIN_PHRASES = {
    "same_person": "are the same person",
    "not_in_scores": "have no entry in scores",
    "no_places": "cannot be paired because the mentor has capacity 0",
    "same_department": "work in the same department, which rules.same_department forbids",
    "reporting_line": "share a reporting line, which rules.reporting_line forbids",
    "grade_gap": "are fewer than rules.min_grade_gap = {gap} grades apart",
    "common_language": "share no language, which rules.common_language requires",
    "repeat_pairs": "were paired in an earlier cohort, which rules.repeat_pairs forbids",
    "forbidden": "are also listed in forbidden",
    "min_score": "score {score}, below rules.min_score = {min_score}",
}


def _fmt(x: float | None) -> str:
    return "none" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


def _failures_with_min_score(v: Grid, rules: Rules) -> tuple[dict[str, np.ndarray], np.ndarray]:
    fails = dict(rule_failures(v, rules))
    values = scores(v, rules)
    if rules.min_score is not None:
        fails["min_score"] = ~np.isnan(values) & (values < rules.min_score)
    if rules.objective == "score":
        fails["no_gain"] = ~np.isnan(values) & (values <= 0)
    return fails, values


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
            if name in fails and fails[name][k] and name != "no_gain":  # a pin may add nothing
                phrase = PIN_PHRASES[name].format(score=_fmt(float(values[k])), **words)
                raise InputError(f"pinned[{k}]: leader {leader!r} and mentor {mentor!r} {phrase}.")
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
                f"pinned[{k}]: mentor {mentor!r} has capacity {feats.mentors.slots[j]} and is already "
                f"pinned to {', '.join(map(repr, taken))}, so cannot also take leader {leader!r}."
            )
        taken.append(leader)
        mine = by_leader.setdefault(leader, [])
        if len(mine) >= feats.leaders.slots[i]:
            raise InputError(
                f"pinned[{k}]: leader {leader!r} wants {feats.leaders.slots[i]} mentor(s) and is already "
                f"pinned to {', '.join(map(repr, mine))}, so cannot also take mentor {mentor!r}."
            )
        mine.append(mentor)
        dept = int(feats.leaders.dept[i])
        if cap is not None and dept >= 0:
            same = by_dept.setdefault((mentor, dept), [])
            if len(same) >= cap:
                raise InputError(
                    f"pinned[{k}]: mentor {mentor!r} is already pinned to {', '.join(map(repr, same))} from "
                    f"{feats.dept_names[dept]}, so taking leader {leader!r} breaks "
                    f"rules.max_per_department_per_mentor = {cap}."
                )
            same.append(leader)


def _name_some(ids: list[str], limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


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
) -> list[Unmatched]:
    """A reason for every leader with fewer mentors than wanted, in leader order."""
    got = np.zeros(len(feats.leaders.ids), dtype=np.int64)
    for i, _ in pairs:
        got[i] += 1
    short = np.flatnonzero(got < feats.leaders.slots)
    if not len(short):
        return []
    M = feats.mentors
    fails, values = _failures_with_min_score(Grid(feats, short), rules)
    ok = ~np.isnan(values)
    for mask in fails.values():
        ok &= ~mask
    out = []
    for row, i in enumerate(short.tolist()):
        wanted, have = int(feats.leaders.slots[i]), int(got[i])
        prefix = f"Wanted {wanted} mentors, got {have}: " if have else ""
        open_ = [j for j in np.flatnonzero(ok[row]).tolist() if (i, j) not in pairs]
        if not open_:
            reason = "No other mentor passes the rules." if have else _no_candidate(fails, row, len(M.ids), rules)
        else:
            reason = _why_not_placed(feats, rules, status, i, open_, load, dept_load)
        if prefix:
            reason = prefix + reason[0].lower() + reason[1:]
        out.append(Unmatched(feats.leaders.ids[i], reason, wanted - have))
    return out


def _why_not_placed(
    feats: Features,
    rules: Rules,
    status: str,
    i: int,
    open_: list[int],
    load: np.ndarray,
    dept_load: dict[tuple[int, int], int],
) -> str:
    M = feats.mentors
    room = [j for j in open_ if load[j] < M.slots[j]]
    if not room:
        ids = [M.ids[j] for j in open_]
        if len(ids) == 1:
            return f"The only compatible mentor ({ids[0]}) is already at capacity with other leaders."
        return f"All {len(ids)} compatible mentors ({_name_some(ids)}) are already at capacity with other leaders."
    cap, dept = rules.max_per_department_per_mentor, int(feats.leaders.dept[i])
    if cap is not None and dept >= 0 and all(dept_load.get((j, dept), 0) >= cap for j in room):
        ids = [M.ids[j] for j in room]
        return (
            f"The compatible mentors with room ({_name_some(ids)}) already have {cap} leader(s) from "
            f"{feats.dept_names[dept]}, the most rules.max_per_department_per_mentor allows."
        )
    if status != "optimal":
        return "The solver's time limit ran out before this leader was placed; a longer time limit may match them."
    return "The best total score was reached without this leader (the 'score' objective does not favour coverage)."
