"""An independent validator: re-checks a solution against every hard rule, capacity and pin.

Written pair by pair in plain Python, sharing nothing with the solver's vectorised path except the
one-pair score in `matching.scoring`, so it can catch mistakes in either.
"""

from __future__ import annotations

from matching.fields import fold
from matching.problem import Leader, Mentor, Problem
from matching.scoring import score_pair
from matching.solution import Solution

SCORE_TOLERANCE = 0.005


def _chain(person: str, managers: dict[str, str]) -> list[str]:
    """Everyone above `person`, nearest first (stops if the line loops)."""
    out: list[str] = []
    seen = {person}
    while person in managers and managers[person] not in seen:
        person = managers[person]
        seen.add(person)
        out.append(person)
    return out


def _managers(problem: Problem) -> dict[str, str]:
    managers = {p: b for p, b in problem.org if b is not None}
    for person in (*problem.mentors, *problem.leaders):
        if person.manager is not None:
            managers[person.id] = person.manager
    return managers


def rule_violations(problem: Problem, leader: Leader, mentor: Mentor, managers: dict[str, str]) -> list[str]:
    """Every hard rule this pair breaks, as sentence fragments."""
    rules, out = problem.rules, []
    if leader.id == mentor.id:
        out.append("pairs a person with themself")
    if mentor.capacity == 0:
        out.append("uses a mentor with capacity 0")
    if problem.scores is not None and not any(a == leader.id and b == mentor.id for a, b, _ in problem.scores):
        out.append("is not listed in scores")
    if (
        rules.same_department == "forbid"
        and leader.department
        and mentor.department
        and fold(leader.department) == fold(mentor.department)
    ):
        out.append("puts two people of the same department together")
    if rules.reporting_line == "forbid" and (
        mentor.id in _chain(leader.id, managers) or leader.id in _chain(mentor.id, managers)
    ):
        out.append("puts a mentor in the leader's reporting line")
    if (
        rules.min_grade_gap is not None
        and leader.grade is not None
        and mentor.grade is not None
        and mentor.grade > leader.grade - rules.min_grade_gap
    ):
        out.append(f"has a grade gap below {rules.min_grade_gap:g}")
    if (
        rules.common_language
        and leader.languages
        and mentor.languages
        and not {fold(x) for x in leader.languages} & {fold(x) for x in mentor.languages}
    ):
        out.append("shares no language")
    if rules.repeat_pairs == "forbid" and (leader.id, mentor.id) in set(problem.history):
        out.append("repeats a pair from an earlier cohort")
    if (leader.id, mentor.id) in set(problem.forbidden):
        out.append("is forbidden")
    return out


def expected_score(problem: Problem, leader: Leader, mentor: Mentor) -> float:
    """The score the rules give this pair (the given score when Problem.scores is present)."""
    if problem.scores is not None:
        return next((s for a, b, s in problem.scores if a == leader.id and b == mentor.id), float("nan"))
    return score_pair(leader, mentor, problem.rules, (leader.id, mentor.id) in set(problem.history))[0]


def check(problem: Problem, solution: Solution) -> list[str]:
    """Every violation of the problem's rules in the solution, one sentence each (empty if valid)."""
    leaders = {p.id: p for p in problem.leaders}
    mentors = {p.id: p for p in problem.mentors}
    managers = _managers(problem)
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    load: dict[str, list[str]] = {}
    taken: dict[str, list[str]] = {}
    total = 0.0
    for k, pair in enumerate(solution.pairs):
        where = f"pairs[{k}] ({pair.leader}, {pair.mentor})"
        leader, mentor = leaders.get(pair.leader), mentors.get(pair.mentor)
        if leader is None or mentor is None:
            side = "leader" if leader is None else "mentor"
            out.append(f"{where}: unknown {side} id {getattr(pair, side)!r}.")
            continue
        if (pair.leader, pair.mentor) in seen:
            out.append(f"{where}: the pair appears twice.")
        seen.add((pair.leader, pair.mentor))
        out.extend(f"{where}: {text}." for text in rule_violations(problem, leader, mentor, managers))
        out.extend(_score_problems(problem, leader, mentor, pair, where))
        if pair.pinned != ((pair.leader, pair.mentor) in set(problem.pinned)):
            out.append(f"{where}: pinned is {str(pair.pinned).lower()} but the problem says otherwise.")
        load.setdefault(pair.mentor, []).append(pair.leader)
        taken.setdefault(pair.leader, []).append(pair.mentor)
        total += pair.score
    out.extend(_limit_problems(problem, solution, leaders, mentors, load, taken, total))
    return out


def _score_problems(problem: Problem, leader: Leader, mentor: Mentor, pair: object, where: str) -> list[str]:
    out = []
    score = expected_score(problem, leader, mentor)
    reported = pair.score
    if not abs(score - reported) <= SCORE_TOLERANCE:
        out.append(f"{where}: score {reported:g} differs from the {score:g} the rules give.")
    points = sum(p for _, p in pair.reasons)
    if not abs(points - reported) <= SCORE_TOLERANCE:
        out.append(f"{where}: the reasons add up to {points:g}, not to the score {reported:g}.")
    if problem.rules.min_score is not None and score < problem.rules.min_score:
        out.append(f"{where}: score {score:g} is below min_score {problem.rules.min_score:g}.")
    return out


def _limit_problems(
    problem: Problem,
    solution: Solution,
    leaders: dict[str, Leader],
    mentors: dict[str, Mentor],
    load: dict[str, list[str]],
    taken: dict[str, list[str]],
    total: float,
) -> list[str]:
    out = []
    for mentor_id, assigned in sorted(load.items()):
        if len(assigned) > mentors[mentor_id].capacity:
            out.append(
                f"mentor {mentor_id}: {len(assigned)} leaders exceed the capacity of {mentors[mentor_id].capacity}."
            )
        cap = problem.rules.max_per_department_per_mentor
        if cap is not None:
            per_dept: dict[str, list[str]] = {}
            for leader_id in assigned:
                dept = leaders[leader_id].department
                if dept is not None:
                    per_dept.setdefault(fold(dept), []).append(dept)
            out.extend(
                f"mentor {mentor_id}: {len(names)} leaders from department {names[0]!r} exceed "
                f"max_per_department_per_mentor = {cap}."
                for _, names in sorted(per_dept.items())
                if len(names) > cap
            )
    for leader_id, got in sorted(taken.items()):
        if len(got) > leaders[leader_id].mentors_wanted:
            out.append(
                f"leader {leader_id}: {len(got)} mentors exceed mentors_wanted = {leaders[leader_id].mentors_wanted}."
            )
    for k, (leader_id, mentor_id) in enumerate(problem.pinned):
        if mentor_id not in taken.get(leader_id, []):
            out.append(f"pinned[{k}] ({leader_id}, {mentor_id}): the pinned pair is missing.")
    if abs(total - solution.total_score) > SCORE_TOLERANCE * max(1, len(solution.pairs)):
        out.append(f"total_score {solution.total_score:g} differs from the sum of the pair scores, {total:g}.")
    matched = len(taken)
    if solution.matched != matched:
        out.append(f"matched is {solution.matched} but {matched} leaders have a mentor.")
    for item in solution.mentors:
        real = len(load.get(item.mentor, []))
        if item.mentor in mentors and item.load != real:
            out.append(
                f"mentor {item.mentor}: load is reported as {item.load} but {real} leaders are paired with them."
            )
    return out
