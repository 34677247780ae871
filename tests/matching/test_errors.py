"""Errors are records: a field path and the ids concerned as attributes, plus a readable sentence."""

import copy

import pytest

from matching import InputError, Leader, Mentor, Problem, Rules, problem_from_dict, solve
from matching.graph import parse_sessions


def test_a_bad_leader_field_in_json_carries_its_path_and_the_leaders_id():
    data = {"leaders": [{"id": "L1"}, {"id": "L2", "goals": [{"skill": "video", "level": 7}]}], "mentors": []}
    with pytest.raises(InputError) as caught:
        problem_from_dict(data)
    assert caught.value.path == "leaders[1].goals[0].level"
    assert caught.value.ids == ("L2",)
    assert caught.value.root == "leaders" and caught.value.index == 1
    assert str(caught.value) == "leaders[1].goals[0].level: must be a whole number from 1 to 5, got 7."


def test_a_bad_weight_names_the_rules_path():
    with pytest.raises(InputError) as caught:
        Rules.from_dict({"weights": {"goals": -1}})
    assert caught.value.path == "rules.weights.goals"
    assert caught.value.problem.startswith("must be a number from 0 to 1000")
    assert caught.value.ids == ()


def test_a_leader_built_directly_names_its_own_field_and_id():
    with pytest.raises(InputError) as caught:
        Leader("L3", goals=({"skill": "video", "level": 9},))
    assert (caught.value.path, caught.value.ids) == ("goals[0].level", ("L3",))
    assert str(caught.value).startswith("leader 'L3' goals[0].level: ")


@pytest.mark.parametrize(
    ("pinned", "path", "ids"),
    [
        ((("L1", "M1"), ("L2", "M1")), "pinned[1]", ("M1", "L1", "L2")),
        ((("L1", "M2"),), "pinned[0]", ("L1", "M2")),
    ],
)
def test_a_pin_that_cannot_hold_names_the_pin_and_both_people(pinned, path, ids):
    leaders = (Leader("L1", department="Sales"), Leader("L2"))
    mentors = (Mentor("M1", capacity=1), Mentor("M2", department="Sales"))
    with pytest.raises(InputError) as caught:
        solve(Problem(leaders, mentors, pinned=pinned))
    assert caught.value.path == path
    assert caught.value.ids == ids


def test_unknown_and_duplicate_ids_are_named():
    with pytest.raises(InputError) as caught:
        Problem((Leader("L1"),), (Mentor("M1"),), forbidden=(("L1", "M9"),))
    assert (caught.value.path, caught.value.ids) == ("forbidden[0].mentor", ("M9",))
    with pytest.raises(InputError) as caught:
        Problem((Leader("L1"), Leader("L1")), ())
    assert (caught.value.path, caught.value.ids) == ("leaders[1].id", ("L1",))


def test_an_error_survives_copying_and_reads_as_plain_data():
    error = InputError("rules.min_score", "must be a number.", ids=("L1",))
    again = copy.deepcopy(error)  # goes through __reduce__, like pickling
    assert (
        again.to_dict()
        == error.to_dict()
        == {
            "path": "rules.min_score",
            "problem": "must be a number.",
            "ids": ["L1"],
            "template": "",
            "message": "rules.min_score: must be a number.",
        }
    )


def test_an_error_about_people_names_them_by_position_for_whoever_reads_it():
    # Given an error about a pin, whose sentence names two people by their ids
    error = InputError("pinned[0]", "", ids=("3", "9"), template="leader {0} and mentor {1} work together.")
    # Then the library's sentence quotes the ids, and a caller can show names without reading the sentence
    assert str(error) == "pinned[0]: leader '3' and mentor '9' work together."
    assert error.render({"3": "Ann", "9": "Bob"}) == "leader Ann and mentor Bob work together."
    assert error.render({"3": "Ann"}) == "leader Ann and mentor '9' work together."
    assert copy.deepcopy(error).render({"9": "Bob"}) == "leader '3' and mentor Bob work together."
    assert error.owned_by("problem", ids=("7",)).render({"3": "Ann", "9": "Bob"}).startswith("leader Ann")


def test_session_graph_errors_carry_paths_too():
    data = {"people": [{"id": "L1", "role": "leader", "department": "A"}], "pairs": [], "sessions": []}
    data["people"].append({"id": "L1", "role": "mentor", "department": "B"})
    with pytest.raises(InputError) as caught:
        parse_sessions(data)
    assert (caught.value.path, caught.value.ids) == ("people[1].id", ("L1",))


def test_a_reporting_loop_is_named_from_the_same_person_whatever_the_input_order():
    from matching.org import ancestors

    managers = {"P9": "P10", "P10": "P2", "P2": "P9", "L1": "P9"}
    seen = set()
    for order in (managers, dict(reversed(list(managers.items())))):
        with pytest.raises(InputError) as caught:
            ancestors(order)
        seen.add((caught.value.path, caught.value.ids))
    assert seen == {("org", ("L1", "P9"))}  # L1 comes first in natural id order and reaches the loop at P9
    assert ancestors({"L2": "P1", "P1": "CEO"}) == {"L2": ("P1", "CEO"), "P1": ("CEO",)}


def test_a_loop_met_from_one_of_its_own_members_names_that_person_once():
    from matching.org import ancestors

    with pytest.raises(InputError) as caught:
        ancestors({"P2": "P9", "P9": "P2"})
    assert caught.value.ids == ("P2",) and "loops back to them" in str(caught.value)
