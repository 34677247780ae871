"""Property tests: on random problems every solution respects capacity, wants, pins and forbids, explains its
scores exactly, passes the independent checker, and is byte-for-byte reproducible."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matching_cases import pairs_and_unmatched

from matching import Goal, Leader, Mentor, Problem, Rules, solve
from matching.check import _managers, expected_score, rule_violations
from matching.check import check as validate

SKILLS = ("video", "posts", "analytics", "privacy")
ZONES = ("Europe/London", "Europe/Paris", "America/New_York", "Asia/Singapore")
maybe = lambda s: st.none() | s  # noqa: E731


@st.composite
def person_fields(draw, k: int, earlier: list[str]) -> dict:
    return {
        "department": draw(maybe(st.sampled_from(["Sales", "IT", "HR"]))),
        "grade": draw(maybe(st.integers(1, 9))),
        "manager": draw(maybe(st.sampled_from(earlier))) if earlier else None,
        "languages": tuple(draw(st.lists(st.sampled_from(["English", "French", "German"]), max_size=2, unique=True))),
        "timezone": draw(maybe(st.sampled_from(ZONES))),
        "formats": tuple(draw(st.lists(st.sampled_from(["remote", "in-person"]), max_size=2, unique=True))),
        "location": draw(maybe(st.sampled_from(["Paris", "London"]))),
    }


@st.composite
def problems(draw) -> Problem:
    n, m = draw(st.integers(0, 7)), draw(st.integers(0, 6))
    ids: list[str] = []
    mentors = []
    for j in range(1, m + 1):  # managers always come earlier in the list, so reporting lines never loop
        skills = draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=3))
        mentors.append(Mentor(f"M{j}", skills=skills, capacity=draw(st.integers(0, 2)), **draw(person_fields(j, ids))))
        ids.append(f"M{j}")
    leaders = []
    for i in range(1, n + 1):
        goals = draw(
            st.lists(
                st.builds(Goal, st.sampled_from(SKILLS), st.integers(1, 3), st.integers(1, 5)),
                max_size=3,
                unique_by=lambda g: g.skill,
            )
        )
        leaders.append(
            Leader(f"L{i}", goals=tuple(goals), mentors_wanted=draw(st.integers(1, 2)), **draw(person_fields(i, ids)))
        )
        ids.append(f"L{i}")
    links = (
        st.lists(
            st.tuples(st.sampled_from([p.id for p in leaders]), st.sampled_from([p.id for p in mentors])),
            max_size=3,
            unique=True,
        )
        if leaders and mentors
        else st.just([])
    )
    rules = Rules(
        objective=draw(st.sampled_from(["coverage", "score"])),
        same_department=draw(st.sampled_from(["forbid", "allow"])),
        reporting_line=draw(st.sampled_from(["forbid", "allow"])),
        min_grade_gap=draw(st.sampled_from([None, 0, 1, 2])),
        common_language=draw(st.booleans()),
        repeat_pairs=draw(st.sampled_from(["forbid", "allow", "penalize"])),
        min_score=draw(st.sampled_from([None, 10, 40])),
        max_per_department_per_mentor=draw(st.sampled_from([None, 1])),
    )
    base = Problem(
        tuple(leaders), tuple(mentors), forbidden=tuple(draw(links)), history=tuple(draw(links)), rules=rules
    )
    return Problem(base.leaders, base.mentors, (), None, base.forbidden, _safe_pins(draw, base), base.history, rules)


def _safe_pins(draw, problem: Problem) -> tuple:
    """Up to two pins that break no rule, capacity or limit (found with the independent checker's rules)."""
    managers = _managers(problem)
    candidates = [
        (a, b)
        for a in problem.leaders
        for b in problem.mentors
        if not rule_violations(problem, a, b, managers)
        and (problem.rules.min_score is None or expected_score(problem, a, b) >= problem.rules.min_score)
    ]
    pins, load, wants, per_dept = [], {}, {}, {}
    for a, b in draw(st.permutations(candidates))[:2] if candidates else []:
        key = (b.id, (a.department or "").casefold())
        cap = problem.rules.max_per_department_per_mentor
        if (
            load.get(b.id, 0) < b.capacity
            and wants.get(a.id, 0) < a.mentors_wanted
            and (cap is None or a.department is None or per_dept.get(key, 0) < cap)
        ):
            pins.append((a.id, b.id))
            load[b.id] = load.get(b.id, 0) + 1
            wants[a.id] = wants.get(a.id, 0) + 1
            per_dept[key] = per_dept.get(key, 0) + 1
    return tuple(pins)


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(problem=problems())
def test_every_solution_respects_the_rules_and_explains_itself(problem):
    solution = solve(problem, top_k=2)
    assert solution.status == "optimal"
    chosen = [(p.leader, p.mentor) for p in solution.pairs]
    by_leader = {a.id: [b for x, b in chosen if x == a.id] for a in problem.leaders}
    for mentor in problem.mentors:  # capacity
        assert sum(1 for _, b in chosen if b == mentor.id) <= mentor.capacity
    for leader in problem.leaders:  # one mentor per leader unless more are wanted
        assert len(by_leader[leader.id]) <= leader.mentors_wanted
    assert set(problem.pinned) <= set(chosen)
    assert not set(problem.forbidden) & set(chosen)
    for pair in solution.pairs:
        assert abs(sum(points for _, points in pair.reasons) - pair.score) < 1e-9
        assert pair.pinned == ((pair.leader, pair.mentor) in problem.pinned)
    assert abs(solution.total_score - sum(p.score for p in solution.pairs)) < 1e-6
    short = {a.id: a.mentors_wanted - len(by_leader[a.id]) for a in problem.leaders}
    assert {u.leader: u.unfilled for u in solution.unmatched} == {k: v for k, v in short.items() if v > 0}
    assert all(u.reason.endswith(".") for u in solution.unmatched)
    assert validate(problem, solution) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems())
def test_solving_twice_gives_byte_identical_pairs_and_unmatched(problem):
    assert pairs_and_unmatched(solve(problem)) == pairs_and_unmatched(solve(problem))
