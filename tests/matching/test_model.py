"""The PuLP model: each constraint family built alone, readable names, and the whole model's structure."""

import numpy as np
import pulp
import pytest

from matching import model as m


def fresh() -> m.PairModel:
    prob = pulp.LpProblem("t", pulp.LpMaximize)
    return m.PairModel(prob, x=[prob.add_variable(f"x{k}", 0, 1) for k in range(3)])


def terms(constraint) -> dict[str, float]:
    return {v.name: c for v, c in constraint.items()}


def test_leader_slots_caps_the_mentors_of_one_leader():
    model = fresh()
    row = m.leader_slots(model, "L3", model.x, 2)
    assert model.constraints["leader_slots[L3]"] is row
    assert terms(row) == {"x0": 1, "x1": 1, "x2": 1}
    assert row.sense == pulp.LpConstraintLE and row.getUb() == 2


def test_covered_flag_needs_one_chosen_pair():
    model = fresh()
    flag = model.prob.add_variable("f", 0, 1)
    row = m.covered(model, "L3", flag, model.x[:2])
    assert terms(row) == {"f": 1, "x0": -1, "x1": -1} and row.getUb() == 0
    assert "covered[L3]" in model.constraints


def test_capacity_caps_the_leaders_of_one_mentor():
    model = fresh()
    row = m.capacity(model, "M17", model.x[1:], 3)
    assert model.constraints["capacity[M17]"] is row
    assert terms(row) == {"x1": 1, "x2": 1} and row.getUb() == 3


def test_forbidden_holds_the_pair_at_zero():
    model = fresh()
    row = m.forbidden(model, "L3", "M9", model.x[0])
    assert model.constraints["forbidden[L3,M9]"] is row
    assert terms(row) == {"x0": 1} and row.sense == pulp.LpConstraintEQ and row.getLb() == row.getUb() == 0


def test_pinned_holds_the_pair_at_one():
    model = fresh()
    row = m.pinned(model, "L3", "M9", model.x[2])
    assert model.constraints["pinned[L3,M9]"] is row
    assert row.sense == pulp.LpConstraintEQ and row.getUb() == 1


def test_department_cap_limits_one_mentor_within_one_department():
    model = fresh()
    row = m.department_cap(model, "M17", "Sales", model.x, 1)
    assert model.constraints["department_cap[M17,Sales]"] is row and row.getUb() == 1


def test_pulp_names_stay_readable_and_distinct_for_awkward_ids():
    assert m.pulp_name("capacity", "M17") == "capacity(M17)"
    assert m.readable_name("forbidden", "L3", "M9") == "forbidden[L3,M9]"
    awkward = ["a-b", "a_b", "a b", "a,b", "a%2Db", "Zoë", "a/b", "a+b"]
    names = {m.pulp_name("x", a) for a in awkward}
    assert len(names) == len(awkward)
    prob = pulp.LpProblem("t", pulp.LpMaximize)
    for name in names:  # PuLP keeps them unchanged
        assert prob.add_variable(name, 0, 1).name == name


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


def test_build_model_names_every_row_and_solves_to_the_expected_pairs():
    model = m.build_model(small_input())
    assert sorted(model.constraints) == [
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
    assert len(model.x) == 5 and len(model.covered) == 3
    model.prob.solve(pulp.HiGHS(msg=False))
    chosen = [k for k, v in enumerate(model.x) if v.varValue > 0.5]
    # L1-M2 forbidden, L3-M2 pinned; M1 can take one Sales leader: L1 (5) beats L2 (4); L2 then takes M2 (1).
    assert chosen == [0, 3, 4]


def test_score_objective_has_no_coverage_flags_and_integer_models_use_integer_variables():
    model = m.build_model(small_input(coverage_bonus=None, dept_cap=None), integer=True)
    assert model.covered == {} and not any(name.startswith("covered") for name in model.constraints)
    assert all(v.cat == pulp.LpInteger for v in model.x)


@pytest.mark.parametrize("family", ["leader_slots", "capacity", "covered"])
def test_model_rows_are_indexed_for_reading_duals(family):
    model = m.build_model(small_input())
    assert any(key[0] == family for key in model.rows)
