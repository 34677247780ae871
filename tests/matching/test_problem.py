"""The input dataclasses and JSON: normalisation, validation messages that name the field, rules round trip."""

import pytest

from matching import CRITERIA, DEFAULT_WEIGHTS, Goal, InputError, Leader, Mentor, Problem, Rules, natural_key
from matching.io import problem_from_dict, problem_to_dict


def test_ids_and_lists_are_normalised_for_callers_building_dataclasses_directly():
    person = Leader(
        7,
        manager=3,
        goals=[{"skill": "LinkedIn: writing posts", "priority": "must", "level": 4}],
        languages=["English"],
        formats=["In person", "remote"],
    )
    assert person.id == "7" and person.manager == "3"
    assert person.goals == (Goal("LinkedIn: writing posts", 3, 4),)
    assert person.languages == ("English",) and person.formats == ("in-person", "remote")
    helper = Mentor("M1", skills={"TikTok: short video": 5, "Analytics": 2})
    assert helper.skills == (("Analytics", 2), ("TikTok: short video", 5))
    assert helper.skill_map() == {"analytics": 2, "tiktok: short video": 5}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"leaders": [{"id": "L1", "goals": [{"skill": "x", "level": 7}]}], "mentors": []},
            "leaders[0].goals[0].level: must be a whole number from 1 to 5, got 7.",
        ),
        ({"leaders": [{"id": "L1"}, {"id": "L1"}], "mentors": []}, "leaders[1].id: duplicate id 'L1'"),
        (
            {"leaders": [{"id": "L1"}], "mentors": [{"id": "M1"}], "pinned": [{"leader": "L1", "mentor": "M99"}]},
            "pinned[0].mentor: unknown mentor id 'M99'.",
        ),
        (
            {"leaders": [{"id": "L1"}], "mentors": [{"id": "M1", "skills": {"x": 0}}]},
            "mentors[0].skills.x: must be a whole number from 1 to 5, got 0.",
        ),
        ({"leaders": [{"id": "L1", "timezone": "Mars/Base"}], "mentors": []}, "leaders[0].timezone: unknown time zone"),
        ({"leaders": [{"id": "L1", "langauges": ["en"]}], "mentors": []}, "leaders[0].langauges: unknown field"),
        ({"leaders": [{"name": "x"}], "mentors": []}, "leaders[0].id: is missing"),
        ({"leaders": [], "mentors": [], "rules": {"objective": "speed"}}, "rules.objective: must be one of"),
        ({"leaders": [], "mentors": [], "rules": {"weights": {"goalz": 1}}}, "rules.weights.goalz: unknown criterion"),
        ({"leaders": [{"id": True}], "mentors": []}, "leaders[0].id: must be a string or a whole number"),
        (
            {"leaders": [{"id": "L1"}], "mentors": [{"id": "M1"}], "scores": [{"leader": "L1", "mentor": "M1"}]},
            "scores[0].score: must be a number.",
        ),
    ],
)
def test_bad_input_raises_one_sentence_naming_the_field(data, message):
    with pytest.raises(InputError) as caught:
        problem_from_dict(data)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_json_ids_may_be_integers_and_round_trip():
    problem = problem_from_dict(
        {
            "leaders": [{"id": 1, "manager": 9}],
            "mentors": [{"id": 2, "capacity": 2}],
            "pinned": [{"leader": 1, "mentor": 2}],
            "org": {"9": 10},
        }
    )
    assert problem.leaders[0].id == "1" and problem.pinned == (("1", "2"),) and problem.org == (("9", "10"),)
    assert problem_from_dict(problem_to_dict(problem)) == problem


def test_rules_round_trip_through_their_json_form_with_complete_weights():
    rules = Rules.from_dict({"objective": "score", "weights": {"goals": 80}, "max_per_department_per_mentor": 1})
    data = rules.to_dict()
    assert data["weights"]["goals"] == 80 and data["weights"]["timezone"] == DEFAULT_WEIGHTS["timezone"]
    assert Rules.from_dict(data) == rules
    assert set(data) == {
        "objective",
        "same_department",
        "reporting_line",
        "min_grade_gap",
        "common_language",
        "repeat_pairs",
        "min_score",
        "max_per_department_per_mentor",
        "weights",
        "time_limit_s",
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_limit_s", 0),
        ("min_grade_gap", "one"),
        ("common_language", "yes"),
        ("repeat_pairs", "sometimes"),
        ("max_per_department_per_mentor", 0),
        ("weights", {"goals": -1}),
    ],
)
def test_invalid_rules_name_the_rule(field, value):
    with pytest.raises(InputError, match=rf"^rules\.{field}"):
        Rules.from_dict({field: value})


def test_every_criterion_has_a_default_weight_and_a_description():
    assert [c.name for c in CRITERIA] == list(DEFAULT_WEIGHTS)
    assert all(c.description.endswith(".") for c in CRITERIA)


def test_natural_order_compares_digit_runs_as_numbers():
    ids = ["L10", "L2", "L1", "M1", "L2b", "2", "10", "L02"]
    assert sorted(ids, key=natural_key) == ["2", "10", "L1", "L02", "L2", "L2b", "L10", "M1"]


def test_problem_rejects_people_of_the_wrong_type():
    with pytest.raises(InputError, match=r"leaders\[0\]: must be a Leader"):
        Problem((Mentor("M1"),), ())


def test_scores_read_in_bulk_equal_those_read_one_by_one_and_errors_still_name_the_entry():
    people = {"leaders": (Leader("L1"), Leader(2)), "mentors": (Mentor("M1"),)}
    bulk = Problem(
        **people, scores=[{"leader": "L1", "mentor": "M1", "score": 3}, {"leader": 2, "mentor": "M1", "score": 1.5}]
    )
    # A padded id is not clean, so these go through the item-by-item path (which strips it).
    slow = Problem(**people, scores=[("L1", " M1 ", 3), {"leader": "2", "mentor": "M1", "score": 1.5}])
    assert bulk.scores == slow.scores == (("L1", "M1", 3.0), ("2", "M1", 1.5))
    with pytest.raises(InputError) as caught:
        Problem(
            **people,
            scores=[{"leader": "L1", "mentor": "M1", "score": 1}, {"leader": "L1", "mentor": "M1", "score": "x"}],
        )
    assert caught.value.path == "scores[1].score"
    with pytest.raises(InputError) as caught:
        Problem(**people, scores=[("L1", "M1", 1), ("L9", "M1", 2)])
    assert (caught.value.path, caught.value.ids) == ("scores[1].leader", ("L9",))
