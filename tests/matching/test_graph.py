"""Session-graph metrics against a hand-computed programme, and the input checks of SESSIONS.json."""

import copy
import datetime as dt
import re

import pytest

from matching.errors import InputError
from matching.graph import (
    build_graph,
    compute_metrics,
    earlier_pairs,
    metrics_from_json,
    parse_sessions,
)

AS_OF = dt.date(2024, 6, 30)


def _s(leader, mentor, date, status="held", **extra):
    return {"leader": leader, "mentor": mentor, "date": date, "status": status, **extra}


def programme() -> dict:
    """Six pairs worked out by hand in the comments below (as of 2024-06-30, stall 30 days, K=3)."""
    people = [
        {"id": "L1", "role": "leader", "department": "Sales"},
        {"id": "L2", "role": "leader", "department": "Finance"},
        {"id": "L3", "role": "leader", "department": "Sales"},
        {"id": "L4", "role": "leader", "department": "IT"},
        {"id": "L10", "role": "leader", "department": "Legal"},
        {"id": "M1", "role": "mentor", "department": "IT"},
        {"id": "M2", "role": "mentor", "department": "Sales"},
        {"id": "M3", "role": "mentor", "department": "IT"},  # never paired
    ]
    pairs = [
        # Listed out of order on purpose: the output sorts L1, L2, L3, L4, L10.
        {"leader": "L10", "mentor": "M2", "started": "2024-06-10", "goals": []},
        {"leader": "L1", "mentor": "M1", "started": "2024-04-01", "goals": ["video", "linkedin"]},
        {"leader": "L2", "mentor": "M1", "started": "2024-04-01", "goals": ["blog"]},
        {"leader": "L3", "mentor": "M2", "started": "2024-05-01", "goals": ["video", "podcast"]},
        {"leader": "L1", "mentor": "M2", "started": "2024-06-01", "goals": ["blog"]},
        {"leader": "L4", "mentor": "M2", "started": "2024-06-01"},
    ]
    sessions = [
        # L1-M1: held twice (last 2024-05-10, 51 days ago: stalled), one cancelled by the leader,
        # responses 2 h, 24 h, 4 h (odd count: median 4), and a session after as_of that is ignored.
        _s("L1", "M1", "2024-04-10", minutes=60, skills=["linkedin"], ratings={"leader": 4, "mentor": 5},
           proposed_at="2024-04-01T09:00:00Z", answered_at="2024-04-01T11:00:00Z"),
        _s("L1", "M1", "2024-05-10", minutes=45, skills=["linkedin", "podcast"], ratings={"leader": 5},
           proposed_at="2024-05-01T09:00:00Z", answered_at="2024-05-02T09:00:00Z"),
        _s("L1", "M1", "2024-05-20", "cancelled-by-leader",
           proposed_at="2024-05-15T08:00:00Z", answered_at="2024-05-15T12:00:00Z"),
        _s("L1", "M1", "2024-07-15", minutes=90, skills=["video"], ratings={"leader": 1, "mentor": 1},
           proposed_at="2024-06-20T00:00:00Z", answered_at="2024-06-25T00:00:00Z"),
        # L2-M1: last held exactly 30 days before as_of (not stalled, but past half the limit),
        # leader's ratings 2 and 2 (mean 2 < 3), responses 24 h and 2.5 h (even count: median 13.25).
        _s("L2", "M1", "2024-05-31", minutes=30, skills=["blog"], ratings={"leader": 2, "mentor": 3},
           proposed_at="2024-05-20T10:00:00Z", answered_at="2024-05-21T10:00:00Z"),
        _s("L2", "M1", "2024-05-01", minutes=30, ratings={"leader": 2, "mentor": None},
           proposed_at="2024-04-25T10:00:00+02:00", answered_at="2024-04-25T12:30:00+02:00"),
        # L3-M2: only cancellations and a miss; 60 days since it started: stalled.
        _s("L3", "M2", "2024-05-08", "cancelled-by-mentor"),
        _s("L3", "M2", "2024-05-15", "cancelled-by-mentor",
           proposed_at="2024-05-10T09:00:00", answered_at="2024-05-10T10:30:00"),
        _s("L3", "M2", "2024-05-22", "missed"),
        # L1-M2: one held session 5 days ago covering its goal: active.
        _s("L1", "M2", "2024-06-25", minutes=50, skills=["blog", "video"], ratings={"leader": 5, "mentor": 4}),
        # L4-M2: one held session, no minutes recorded (counts as 0), no ratings.
        _s("L4", "M2", "2024-06-20", ratings={}),
    ]  # fmt: skip
    return {"people": people, "pairs": pairs, "sessions": sessions}


@pytest.fixture
def metrics() -> dict:
    return metrics_from_json(programme(), AS_OF, stall_days=30, min_sessions=3)


def _pair(metrics: dict, leader: str, mentor: str) -> dict:
    return next(p for p in metrics["pairs"] if (p["leader"], p["mentor"]) == (leader, mentor))


def test_pairs_are_sorted_by_leader_then_mentor_in_natural_order(metrics):
    order = [(p["leader"], p["mentor"]) for p in metrics["pairs"]]
    assert order == [("L1", "M1"), ("L1", "M2"), ("L2", "M1"), ("L3", "M2"), ("L4", "M2"), ("L10", "M2")]


def test_a_stalled_pair_with_held_sessions(metrics):
    assert _pair(metrics, "L1", "M1") == {
        "leader": "L1",
        "mentor": "M1",
        "started": "2024-04-01",
        "held": 2,
        "last_held": "2024-05-10",
        "days_since": 51,
        "stalled": True,
        "cancelled_by_leader": 1,
        "cancelled_by_mentor": 0,
        "missed": 0,
        "minutes_held": 105,
        "mean_rating_by_leader": 4.5,
        "mean_rating_by_mentor": 5.0,
        "median_response_hours": 4.0,
        "responses": 3,
        "goals": ["linkedin", "video"],
        "goals_covered": ["linkedin"],
        "risk_reasons": [],
        "at_risk": False,
    }


def test_thirty_days_is_not_stalled_but_at_risk(metrics):
    pair = _pair(metrics, "L2", "M1")
    assert (pair["days_since"], pair["stalled"], pair["at_risk"]) == (30, False, True)
    assert pair["median_response_hours"] == 13.25  # mean of 2.5 and 24
    assert (pair["mean_rating_by_leader"], pair["mean_rating_by_mentor"]) == (2.0, 3.0)
    assert pair["goals_covered"] == ["blog"]
    assert pair["risk_reasons"] == [
        "30 days since the last held session: more than half of the 30-day stall limit.",
        "The leader's mean rating is 2, below 3.",
    ]


@pytest.mark.parametrize(("stall_days", "stalled"), [(29, True), (30, False), (31, False)])
def test_stalled_means_strictly_more_days_than_the_limit(stall_days, stalled):
    pair = _pair(metrics_from_json(programme(), AS_OF, stall_days=stall_days), "L2", "M1")
    assert pair["stalled"] is stalled


def test_a_pair_with_only_cancellations(metrics):
    pair = _pair(metrics, "L3", "M2")
    assert pair["held"] == 0 and pair["last_held"] is None
    assert pair["days_since"] == 60  # counted from started, 2024-05-01
    assert pair["stalled"] is True and pair["at_risk"] is False
    assert (pair["cancelled_by_leader"], pair["cancelled_by_mentor"], pair["missed"]) == (0, 2, 1)
    assert pair["mean_rating_by_leader"] is None and pair["mean_rating_by_mentor"] is None
    assert pair["median_response_hours"] == 1.5
    assert pair["goals_covered"] == []
    assert pair["risk_reasons"] == ["The mentor cancelled 2 sessions."]


def test_a_new_pair_with_nothing_held_counts_days_from_its_start(metrics):
    pair = _pair(metrics, "L10", "M2")
    assert (pair["held"], pair["days_since"], pair["stalled"], pair["at_risk"]) == (0, 20, False, True)
    assert pair["median_response_hours"] is None
    assert pair["risk_reasons"] == [
        "20 days since the pair started with no session held yet: more than half of the 30-day stall limit."
    ]


def test_missing_minutes_count_as_zero_and_missing_ratings_are_null(metrics):
    pair = _pair(metrics, "L4", "M2")
    assert (pair["held"], pair["minutes_held"], pair["at_risk"]) == (1, 0, False)
    assert pair["mean_rating_by_leader"] is None and pair["mean_rating_by_mentor"] is None


def test_sessions_after_as_of_are_ignored(metrics):
    later = metrics_from_json(programme(), dt.date(2024, 7, 15))
    assert _pair(metrics, "L1", "M1")["held"] == 2
    assert _pair(later, "L1", "M1")["held"] == 3
    assert _pair(later, "L1", "M1")["goals_covered"] == ["linkedin", "video"]


def test_a_person_in_two_pairs_counts_once_per_person(metrics):
    # L1 has held 2 + 1 sessions over two pairs: the only one of five paired leaders with K=3.
    leader = next(row for row in metrics["leaders"] if row["leader"] == "L1")
    assert (leader["pairs"], leader["held"], leader["met_min_sessions"]) == (2, 3, True)
    assert metrics["programme"]["leaders_met_min_sessions"] == 0.2
    # M1 reached L1 (Sales) and L2 (Finance); M2 reached L1 (Sales) and L4 (IT), not L3 or L10.
    assert metrics["mentors"] == [
        {"mentor": "M1", "department": "IT", "pairs": 2, "held": 4, "leaders_reached": 2, "departments_reached": 2},
        {"mentor": "M2", "department": "Sales", "pairs": 4, "held": 2, "leaders_reached": 2, "departments_reached": 2},
        {"mentor": "M3", "department": "IT", "pairs": 0, "held": 0, "leaders_reached": 0, "departments_reached": 0},
    ]


def test_departments_active_people_and_bridges(metrics):
    assert metrics["departments"] == [
        {"department": "Finance", "leaders": 1, "mentors": 0, "active_leaders": 1, "active_mentors": 0,
         "bridged_to": ["IT"]},
        {"department": "IT", "leaders": 1, "mentors": 2, "active_leaders": 1, "active_mentors": 1,
         "bridged_to": ["Finance", "Sales"]},
        {"department": "Legal", "leaders": 1, "mentors": 0, "active_leaders": 0, "active_mentors": 0,
         "bridged_to": []},
        {"department": "Sales", "leaders": 2, "mentors": 1, "active_leaders": 1, "active_mentors": 1,
         "bridged_to": ["IT"]},
    ]  # fmt: skip


def test_bridges_count_unordered_department_pairs_once(metrics):
    # Sales-IT (L1-M1) and IT-Sales (L4-M2) are one bridge; Finance-IT the other; Sales-Sales none.
    assert metrics["programme"]["bridges"] == 2


def test_programme_summary(metrics):
    programme_row = dict(metrics["programme"])
    by_skill = programme_row.pop("goal_coverage_by_skill")
    assert programme_row == {
        "as_of": "2024-06-30",
        "stall_days": 30,
        "min_sessions": 3,
        "pairs": 6,
        "active": 2,
        "at_risk": 2,
        "stalled": 2,
        "held": 6,
        "minutes_held": 215,
        "goal_coverage": 0.5,  # 3 of 6 (pair, goal) items
        "leaders_met_min_sessions": 0.2,
        "median_response_hours": 3.25,  # of 1.5, 2, 2.5, 4, 24, 24
        "bridges": 2,
    }
    assert by_skill == [
        {"skill": "blog", "pairs": 2, "covered": 2, "share": 1.0},
        {"skill": "linkedin", "pairs": 1, "covered": 1, "share": 1.0},
        {"skill": "podcast", "pairs": 1, "covered": 0, "share": 0.0},
        {"skill": "video", "pairs": 2, "covered": 0, "share": 0.0},
    ]


def test_leaders_response_times(metrics):
    rows = {row["leader"]: row for row in metrics["leaders"]}
    assert [row["leader"] for row in metrics["leaders"]] == ["L1", "L2", "L3", "L4", "L10"]
    assert rows["L1"] == {
        "leader": "L1", "department": "Sales", "pairs": 2, "held": 3, "met_min_sessions": True,
        "responses": 3, "median_response_hours": 4.0, "max_response_hours": 24.0,
    }  # fmt: skip
    assert (rows["L2"]["median_response_hours"], rows["L2"]["max_response_hours"]) == (13.25, 24.0)
    assert (rows["L4"]["responses"], rows["L4"]["median_response_hours"]) == (0, None)


@pytest.mark.parametrize(
    "data",
    [
        {"people": [], "pairs": [], "sessions": []},
        {"people": [], "pairs": []},
        {"people": [{"id": "L1", "role": "leader", "department": "Sales"}], "pairs": [], "sessions": None},
    ],
)
def test_an_empty_programme_has_zero_shares_not_a_crash(data):
    result = metrics_from_json(data, AS_OF)
    assert result["pairs"] == [] and result["mentors"] == []
    assert result["programme"] | {"as_of": None} == {
        "as_of": None, "stall_days": 30, "min_sessions": 3, "pairs": 0, "active": 0, "at_risk": 0,
        "stalled": 0, "held": 0, "minutes_held": 0, "goal_coverage": 0.0, "goal_coverage_by_skill": [],
        "leaders_met_min_sessions": 0.0, "median_response_hours": None, "bridges": 0,
    }  # fmt: skip


def test_unpaired_leaders_do_not_count_against_the_minimum():
    data = programme()
    data["people"].append({"id": "L99", "role": "leader", "department": "Legal"})
    result = metrics_from_json(data, AS_OF)
    assert result["programme"]["leaders_met_min_sessions"] == 0.2
    assert result["leaders"][-1]["leader"] == "L99" and result["leaders"][-1]["met_min_sessions"] is False


def test_means_are_rounded_to_three_decimals():
    data = {
        "people": [{"id": 1, "role": "leader", "department": "A"}, {"id": 2, "role": "mentor", "department": "B"}],
        "pairs": [{"leader": 1, "mentor": "2", "started": "2024-01-01"}],
        "sessions": [_s(1, 2, f"2024-01-0{d}", ratings={"leader": r}) for d, r in ((2, 4), (3, 4), (4, 5))],
    }
    pair = metrics_from_json(data, AS_OF)["pairs"][0]
    assert (pair["leader"], pair["mentor"], pair["mean_rating_by_leader"]) == ("1", "2", 4.333)


def test_compute_metrics_on_a_graph_matches_metrics_from_json(metrics):
    assert compute_metrics(build_graph(programme()), AS_OF, 30, 3) == metrics
    assert compute_metrics(build_graph(parse_sessions(programme())), dt.datetime(2024, 6, 30, 23, 59), 30, 3) == metrics


def test_the_graph_has_people_as_nodes_and_pairs_as_edges():
    graph = build_graph(programme())
    assert graph.number_of_nodes() == 8 and graph.number_of_edges() == 6
    assert graph.nodes["M3"] == {"role": "mentor", "department": "IT"}
    edge = graph.edges["M1", "L1"]
    assert (edge["leader"], edge["mentor"], edge["started"]) == ("L1", "M1", dt.date(2024, 4, 1))
    assert [s.date.isoformat() for s in edge["sessions"]] == ["2024-04-10", "2024-05-10", "2024-05-20", "2024-07-15"]
    assert edge["sessions"][2].status == "cancelled-by-leader"


def test_earlier_pairs_for_the_next_cohort():
    expected = [("L1", "M1"), ("L1", "M2"), ("L2", "M1"), ("L3", "M2"), ("L4", "M2"), ("L10", "M2")]
    assert earlier_pairs(programme()) == expected
    assert earlier_pairs(build_graph(programme())) == expected
    assert earlier_pairs(programme(), held_only=True) == [("L1", "M1"), ("L1", "M2"), ("L2", "M1"), ("L4", "M2")]


def _broken(path: str, value) -> dict:
    """The programme with one field replaced: path like 'sessions.0.ratings.leader'."""
    data = copy.deepcopy(programme())
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_broken("sessions.0.status", "done"), "sessions[0].status"),
        (_broken("sessions.6.mentor", "M1"), "sessions[6]"),  # L3-M1 is not a listed pair
        (_broken("sessions.0.date", "2024-02-30"), "sessions[0].date"),
        (_broken("sessions.0.date", "10/04/2024"), "sessions[0].date"),
        (_broken("pairs.0.started", None), "pairs[0].started"),
        (_broken("sessions.0.ratings.leader", 6), "sessions[0].ratings.leader"),
        (_broken("sessions.0.ratings.mentor", 0), "sessions[0].ratings.mentor"),
        (_broken("sessions.0.ratings.leader", 4.5), "sessions[0].ratings.leader"),
        (_broken("sessions.0.ratings", [4, 5]), "sessions[0].ratings"),
        (_broken("sessions.0.minutes", -5), "sessions[0].minutes"),
        (_broken("sessions.0.skills", "linkedin"), "sessions[0].skills"),
        (_broken("sessions.0.proposed_at", "yesterday"), "sessions[0].proposed_at"),
        (_broken("sessions.0.answered_at", "2024-03-31T09:00:00Z"), "sessions[0].answered_at"),
        (_broken("pairs.1.leader", "L77"), "pairs[1].leader"),
        (_broken("pairs.1.leader", "M3"), "pairs[1].leader"),
        (_broken("pairs.1.mentor", True), "pairs[1].mentor"),
        (_broken("pairs.1.goals", [""]), "pairs[1].goals"),
        (_broken("pairs.1", ["L1", "M1"]), "pairs[1]"),
        (_broken("people.0.role", "boss"), "people[0].role"),
        (_broken("people.0.department", ""), "people[0].department"),
        (_broken("people.1.id", "L1"), "people[1].id"),
        (_broken("people.1.id", "L\x002"), "people[1].id"),
        (_broken("people.1.department", "Fin\x1bance"), "people[1].department"),
        (_broken("pairs.1.goals", ["blog", "\ud800"]), "pairs[1].goals"),
        (_broken("people", {"L1": "leader"}), "people"),
        ({"pairs": []}, "people"),
        ({"people": []}, "pairs"),
        ([], "The sessions document"),
    ],
)
def test_invalid_input_names_the_bad_field_in_one_sentence(data, field):
    with pytest.raises(InputError) as caught:
        metrics_from_json(data, AS_OF)
    message = str(caught.value)
    assert message.startswith(field + " ")
    assert message.endswith(".") and "\n" not in message


def test_a_repeated_pair_is_refused():
    data = programme()
    data["pairs"].append({"leader": "L1", "mentor": "M1", "started": "2024-04-01"})
    with pytest.raises(InputError, match=r"^pairs\[6\] repeats the pair of leader 'L1' and mentor 'M1'\.$"):
        metrics_from_json(data, AS_OF)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"as_of": "2024-06-30"}, "as_of must be a date"),
        ({"stall_days": -1}, "stall_days must be a whole number"),
        ({"min_sessions": 1.5}, "min_sessions must be a whole number"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        metrics_from_json(programme(), **({"as_of": AS_OF} | kwargs))


def test_ids_may_be_numbers_and_names_are_compared_ignoring_case_and_spaces():
    data = {
        "people": [
            {"id": 7, "role": "leader", "department": "Customer  Care"},
            {"id": "8", "role": "mentor", "department": "customer care"},
        ],
        "pairs": [{"leader": "7", "mentor": 8, "started": "2024-06-01", "goals": ["LinkedIn", "linkedin ", "Video"]}],
        "sessions": [_s(7, "8", "2024-06-02", skills=["linkedin"])],
    }
    result = metrics_from_json(data, AS_OF)
    assert [(p["leader"], p["mentor"], p["goals"], p["goals_covered"]) for p in result["pairs"]] == [
        ("7", "8", ["LinkedIn", "Video"], ["LinkedIn"])
    ]
    assert [d["department"] for d in result["departments"]] == ["Customer Care"]
    assert result["programme"]["bridges"] == 0
    assert result["programme"]["goal_coverage_by_skill"] == [
        {"skill": "LinkedIn", "pairs": 1, "covered": 1, "share": 1.0},
        {"skill": "Video", "pairs": 1, "covered": 0, "share": 0.0},
    ]


@pytest.mark.parametrize(
    ("path", "field"),
    [("cohort", "cohort"), ("people.0.name", "people[0].name"), ("sessions.0.rating", "sessions[0].rating"),
     ("sessions.0.ratings.manager", "sessions[0].ratings.manager")],
)  # fmt: skip
def test_unknown_fields_are_refused_so_typos_are_not_silently_ignored(path, field):
    with pytest.raises(InputError, match=rf"^{re.escape(field)} is not a known field; expected "):
        metrics_from_json(_broken(path, 4), AS_OF)


def test_typed_records_give_the_same_metrics_as_the_json_document():
    from matching.graph import session_metrics

    document = programme()
    as_of = dt.date(2025, 6, 30)
    assert session_metrics(parse_sessions(document), as_of) == metrics_from_json(document, as_of)
