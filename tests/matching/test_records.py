"""People built column by column give exactly what the constructors give: the same objects, the same errors."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import (
    Goal,
    InputError,
    Leader,
    Mentor,
    leaders_from_columns,
    leaders_from_records,
    mentors_from_columns,
    mentors_from_records,
)
from matching.generate import generate
from matching.io import problem_from_dict
from matching.records import people_in_bulk

# Clean values and the awkward ones the constructors normalise or refuse, mixed in each column.
IDS = st.one_of(st.sampled_from(["L1", "7", " L2 ", "", "L3"]), st.integers(0, 3), st.just(True), st.just(2.0))
TEXTS = st.sampled_from([None, "Sales", " Sales ", "", "IT", 3, True])
NUMBERS = st.sampled_from([None, 3, 3.0, 4.5, float("nan"), True, "3"])
LISTS = st.sampled_from(
    [None, (), ("English",), ["English", "French"], ("English", "english"), ("",), "English", [1], (" English",)]
)
ZONES = st.sampled_from([None, "Europe/London", "Mars/Base", "", " Europe/Paris "])
FORMATS = st.sampled_from([None, (), ("remote",), ["in person"], ("remote", "Remote"), ("video",)])
GOALS = st.sampled_from(
    [
        (),
        (Goal("python", 3, 4),),
        (Goal("python", 3, 4), Goal("Python", 2, 2)),
        [{"skill": "sql", "priority": "must", "level": 2}],
        [{"skill": "sql", "level": 9}],
        [{"skill": "sql", "priority": True}],
        [{"skill": "sql", "colour": "red"}],
        None,
    ]
)
SKILLS = st.sampled_from(
    [
        (),
        (("sql", 3), ("Python", 5)),
        {"L10": 2, "L2": 3},
        (("sql", 3), ("SQL", 2)),
        (("sql", 6),),
        (("sql", True),),
        (["sql", 3],),
        ((" sql", 3),),
        None,
    ]
)
WHOLE = st.sampled_from([1, 2, 0, 11, 2.0, 2.5, True, None, "2"])


def person(kind: str) -> st.SearchStrategy[dict]:
    """A record of some of the fields, with values from the pools above."""
    shared = {
        "department": TEXTS,
        "grade": NUMBERS,
        "manager": IDS,
        "languages": LISTS,
        "timezone": ZONES,
        "formats": FORMATS,
        "location": TEXTS,
    }
    own = {"goals": GOALS, "mentors_wanted": WHOLE} if kind == "leader" else {"skills": SKILLS, "capacity": WHOLE}
    return st.fixed_dictionaries({"id": IDS}, optional={**shared, **own})


def one_by_one(kind: type, records: list[dict]) -> tuple:
    return tuple(kind(**record) for record in records)


def outcome(build):
    """What building gives: the people, or the error as the caller sees it."""
    try:
        return "built", build()
    except InputError as err:
        return "refused", (type(err), str(err), err.path, err.ids)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(person("leader"), max_size=6), st.lists(person("mentor"), max_size=6))
def test_column_checks_give_what_the_constructors_give(leaders, mentors):
    # Given records with clean, normalisable and refused values
    # When they are built in bulk and one by one
    # Then the people (or the first error) are the same
    assert outcome(lambda: leaders_from_records(leaders)) == outcome(lambda: one_by_one(Leader, leaders))
    assert outcome(lambda: mentors_from_records(mentors)) == outcome(lambda: one_by_one(Mentor, mentors))


def test_columns_build_the_same_people_as_records():
    ids, zones = ["L1", "L2", "L3"], ["Europe/London", None, "Europe/London"]
    built = leaders_from_columns(id=ids, timezone=zones, goals=[(Goal("sql"),), (), (Goal("sql"), Goal("x", 3, 1))])
    assert built == (
        Leader("L1", timezone="Europe/London", goals=(Goal("sql"),)),
        Leader("L2"),
        Leader("L3", timezone="Europe/London", goals=(Goal("sql"), Goal("x", 3, 1))),
    )
    assert mentors_from_columns(id=[5], skills=[(("b", 2), ("A10", 1), ("A9", 3))]) == (
        Mentor("5", skills={"b": 2, "A10": 1, "A9": 3}),
    )
    assert mentors_from_columns(id=[]) == ()


def test_a_refused_value_deep_in_the_columns_is_named_as_the_constructor_names_it():
    # Given a thousand clean mentors and one whose capacity is True (equal to 1, but not a number here)
    capacities = [1] * 1000
    capacities[700] = True
    # When they are built from columns
    with pytest.raises(InputError) as caught:
        mentors_from_columns(id=[f"M{k}" for k in range(1000)], capacity=capacities)
    # Then the error is the constructor's, for that mentor
    assert str(caught.value) == "mentor 'M700' capacity: must be a whole number from 0 to 100, got True."
    assert caught.value.ids == ("M700",)


def test_columns_must_name_fields_and_be_as_long():
    with pytest.raises(TypeError, match="no field 'skills'"):
        leaders_from_columns(id=["L1"], skills=[()])
    with pytest.raises(ValueError, match="differ in length"):
        leaders_from_columns(id=["L1", "L2"], department=["Sales"])
    with pytest.raises(TypeError, match="needs an id"):
        mentors_from_columns(capacity=[1])


def test_the_json_path_checks_in_bulk_and_still_names_the_first_bad_field():
    # Given a generated company as JSON
    data = generate(300, 450, seed=3)
    # When it is loaded in bulk, then it equals the people built one by one
    problem = problem_from_dict(data)
    clean = [{k: v for k, v in x.items() if v is not None} for x in data["mentors"]]
    assert people_in_bulk(Mentor, clean) == problem.mentors  # the column checks took them, no one-by-one
    assert problem.leaders == tuple(Leader(**{k: v for k, v in x.items() if v is not None}) for x in data["leaders"])
    assert problem.mentors == tuple(Mentor(**{k: v for k, v in x.items() if v is not None}) for x in data["mentors"])
    # And one bad value among hundreds is named by its path, as before
    data["mentors"][321]["timezone"] = "Mars/Base"
    with pytest.raises(InputError) as caught:
        problem_from_dict(data)
    assert caught.value.path == "mentors[321].timezone"
    assert "unknown time zone 'Mars/Base'" in str(caught.value)
