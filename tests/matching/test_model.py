"""The model as arrays: each constraint family alone, readable names, and both back ends on the same model."""

import numpy as np
import pulp
import pytest

from matching import model as m
from matching.highs_backend import highs_lp, solve_arrays
from matching.pulp_backend import matrix_of, to_pulp, write_lp
from matching.solver import OPTIMAL, run


def small_input(**over) -> m.ModelInput:
    data = {
        "li": np.array([0, 0, 1, 1, 2]),
        "mj": np.array([0, 1, 0, 1, 1]),
        "score": np.array([5.0, 3.0, 4.0, 1.0, 2.0]),
        "leader_ids": ("L1", "L2", "L3"),
        "mentor_ids": ("M1", "M2"),
        "wanted": np.array([1, 2, 1]),
        "capacity": np.array([1, 2]),
        "leader_dept": np.array([0, 0, 1]),
        "dept_names": ("Sales", "IT"),
        "is_pinned": np.array([False, False, False, False, True]),
        "is_forbidden": np.array([False, True, False, False, False]),
        "coverage_bonus": 100.0,
        "dept_cap": 1,
    }
    data.update(over)
    return m.ModelInput(**data)


def rows_of(family: m.RowFamily) -> dict[str, tuple[dict[int, float], float, float]]:
    """{row name: ({column: coefficient}, lower, upper)}."""
    out = {}
    for r in range(len(family)):
        entries = {int(c): float(v) for c, v, row in zip(family.col, family.coef, family.row, strict=True) if row == r}
        out[family.name(r)] = (entries, float(family.lower[r]), float(family.upper[r]))
    return out


def test_leader_slots_caps_the_mentors_of_each_leader():
    assert rows_of(m.leader_slots(small_input())) == {
        "leader_slots[L1]": ({0: 1, 1: 1}, -np.inf, 1),
        "leader_slots[L2]": ({2: 1, 3: 1}, -np.inf, 2),
        "leader_slots[L3]": ({4: 1}, -np.inf, 1),
    }


def test_covered_flag_needs_one_chosen_pair():
    rows = rows_of(m.covered(small_input(), first_flag=5))
    assert rows["covered[L1]"] == ({5: 1, 0: -1, 1: -1}, -np.inf, 0)
    assert rows["covered[L3]"] == ({7: 1, 4: -1}, -np.inf, 0)


def test_capacity_caps_the_leaders_of_each_mentor():
    assert rows_of(m.capacity(small_input())) == {
        "capacity[M1]": ({0: 1, 2: 1}, -np.inf, 1),
        "capacity[M2]": ({1: 1, 3: 1, 4: 1}, -np.inf, 2),
    }


def test_forbidden_and_pinned_hold_single_pairs():
    assert rows_of(m.forbidden(small_input())) == {"forbidden[L1,M2]": ({1: 1}, 0, 0)}
    assert rows_of(m.pinned(small_input())) == {"pinned[L3,M2]": ({4: 1}, 1, 1)}


def test_department_cap_limits_one_mentor_within_one_department_where_more_are_candidates():
    assert rows_of(m.department_cap(small_input())) == {
        "department_cap[M1,Sales]": ({0: 1, 2: 1}, -np.inf, 1),
        "department_cap[M2,Sales]": ({1: 1, 3: 1}, -np.inf, 1),
    }


def test_pulp_names_stay_readable_and_distinct_for_awkward_ids():
    assert m.pulp_name("capacity", "M17") == "capacity(M17)"
    assert m.readable_name("forbidden", "L3", "M9") == "forbidden[L3,M9]"
    awkward = ["a-b", "a_b", "a b", "a,b", "a%2Db", "Zoë", "a/b", "a+b"]
    names = {m.pulp_name("x", a) for a in awkward}
    assert len(names) == len(awkward)
    prob = pulp.LpProblem("t", pulp.LpMaximize)
    for name in names:  # PuLP keeps them unchanged
        assert prob.add_variable(name, 0, 1).name == name


def test_to_pulp_names_every_row_and_solves_to_the_expected_pairs():
    pm = to_pulp(m.build_model(small_input()))
    assert sorted(pm.constraints) == [
        "capacity[M1]",
        "capacity[M2]",
        "covered[L1]",
        "covered[L2]",
        "covered[L3]",
        "department_cap[M1,Sales]",
        "department_cap[M2,Sales]",
        "forbidden[L1,M2]",
        "leader_slots[L1]",
        "leader_slots[L2]",
        "leader_slots[L3]",
        "pinned[L3,M2]",
    ]
    assert len(pm.columns) == 5 + 3
    assert run(pm.prob, None, mip=False, time_limit=10).outcome == OPTIMAL
    chosen = [k for k, v in enumerate(pm.columns[:5]) if v.varValue > 0.5]
    # L1-M2 forbidden, L3-M2 pinned; M1 can take one Sales leader: L1 (5) beats L2 (4); L2 then takes M2 (1).
    assert chosen == [0, 3, 4]


def test_score_objective_has_no_coverage_flags_and_integer_models_use_integer_variables():
    model = m.build_model(small_input(coverage_bonus=None, dept_cap=None), integer=True)
    assert model.columns.pairs == len(model.columns.cost)
    pm = to_pulp(model)
    assert not any(name.startswith("covered") for name in pm.constraints)
    assert all(v.cat == pulp.LpInteger for v in pm.columns)


def random_input(seed: int, n: int = 30, m_: int = 12, dept_cap: int | None = None, bonus: float | None = 500.0):
    rng = np.random.default_rng(seed)
    li, mj = np.nonzero(rng.random((n, m_)) < 0.4)
    return m.ModelInput(
        li=li,
        mj=mj,
        score=np.round(rng.uniform(-5, 30, len(li)), 2),
        leader_ids=tuple(f"L{i}" for i in range(n)),
        mentor_ids=tuple(f"M{j}" for j in range(m_)),
        wanted=rng.integers(1, 3, n),
        capacity=rng.integers(0, 3, m_),
        leader_dept=rng.integers(-1, 3, n),
        dept_names=("A", "B", "C"),
        is_pinned=np.zeros(len(li), bool),
        is_forbidden=rng.random(len(li)) < 0.05,
        coverage_bonus=bonus,
        dept_cap=dept_cap,
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("dept_cap", "bonus"), [(None, 500.0), (1, 500.0), (None, None)])
def test_both_back_ends_get_the_same_matrix_and_reach_the_same_optimum(seed, dept_cap, bonus):
    model = m.build_model(random_input(seed, dept_cap=dept_cap, bonus=bonus))
    pm = to_pulp(model)
    lp = highs_lp(model)
    starts, index, value = (np.asarray(x) for x in (lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_))
    row_names = [m.pulp_name(f.family, *f.parts(r)) for f in model.families for r in range(len(f))]
    col_names = [m.pulp_name(model.column_parts(k)[0], *model.column_parts(k)[1]) for k in range(lp.num_col_)]
    from_arrays = {
        (row_names[index[e]], col_names[k]): float(value[e])
        for k in range(lp.num_col_)
        for e in range(starts[k], starts[k + 1])
    }
    assert from_arrays == matrix_of(pm)
    highs = solve_arrays(model, time_limit=10)
    assert run(pm.prob, "cbc", mip=False, time_limit=10).outcome == OPTIMAL == highs.outcome
    assert highs.objective == pytest.approx(pulp.value(pm.prob.objective), abs=1e-6)


def test_write_lp_gives_a_file_with_the_readable_names(tmp_path):
    path = tmp_path / "model.lp"
    write_lp(m.build_model(small_input()), path)
    text = path.read_text()
    assert "capacity(M1)" in text and "department_cap(M1,Sales)" in text and "x(L1,M1)" in text
