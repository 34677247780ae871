"""Properties of the session-graph metrics that hold for any valid programme."""

import datetime as dt
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.graph import (
    build_graph,
    compute_metrics,
    earlier_pairs,
    metrics_from_json,
    render_svg,
)

STATUSES = ["held", "cancelled-by-leader", "cancelled-by-mentor", "missed"]
DAY0 = dt.date(2024, 1, 1)


@st.composite
def programmes(draw) -> dict:
    """Random valid SESSIONS.json documents: up to 6 leaders and 6 mentors, any pairs, any sessions."""
    departments = draw(st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=1, max_size=4, unique=True))
    leaders = [f"L{k}" for k in range(draw(st.integers(0, 6)))]
    mentors = [f"M{k}" for k in range(draw(st.integers(0, 6)))]
    people = [
        {"id": pid, "role": "leader" if pid[0] == "L" else "mentor", "department": draw(st.sampled_from(departments))}
        for pid in leaders + mentors
    ]
    possible = [(leader, mentor) for leader in leaders for mentor in mentors]
    chosen = draw(st.lists(st.sampled_from(possible), unique=True, max_size=8)) if possible else []
    skills = st.lists(st.sampled_from(["blog", "video", "podcast"]), max_size=3)
    pairs = [
        {"leader": a, "mentor": b, "started": str(DAY0 + dt.timedelta(days=draw(st.integers(0, 60)))),
         "goals": draw(skills)}
        for a, b in chosen
    ]  # fmt: skip
    sessions = []
    for a, b in chosen:
        for _ in range(draw(st.integers(0, 4))):
            proposed = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=draw(st.integers(0, 2000)))
            answered = proposed + dt.timedelta(minutes=draw(st.integers(0, 5000)))
            sessions.append(
                {"leader": a, "mentor": b, "status": draw(st.sampled_from(STATUSES)),
                 "date": str(DAY0 + dt.timedelta(days=draw(st.integers(0, 150)))),
                 "minutes": draw(st.none() | st.integers(0, 120)), "skills": draw(skills),
                 "ratings": {"leader": draw(st.none() | st.integers(1, 5)),
                             "mentor": draw(st.none() | st.integers(1, 5))},
                 "proposed_at": draw(st.none() | st.just(proposed.isoformat())),
                 "answered_at": draw(st.none() | st.just(answered.isoformat()))}
            )  # fmt: skip
    return {"people": people, "pairs": pairs, "sessions": sessions}


@settings(max_examples=80, deadline=None)
@given(data=programmes(), as_of_days=st.integers(0, 160), stall=st.integers(0, 60), k=st.integers(0, 4))
def test_metrics_are_consistent(data, as_of_days, stall, k):
    as_of = DAY0 + dt.timedelta(days=as_of_days)
    result = metrics_from_json(data, as_of, stall_days=stall, min_sessions=k)
    programme = result["programme"]
    pairs = result["pairs"]
    assert programme["active"] + programme["at_risk"] + programme["stalled"] == programme["pairs"] == len(pairs)
    assert 0.0 <= programme["goal_coverage"] <= 1.0 and 0.0 <= programme["leaders_met_min_sessions"] <= 1.0
    assert earlier_pairs(data) == [(p["leader"], p["mentor"]) for p in pairs]
    for pair in pairs:
        assert pair["stalled"] == (pair["days_since"] > stall)
        assert set(pair["goals_covered"]) <= set(pair["goals"])
        assert pair["held"] == 0 or pair["last_held"] <= as_of.isoformat()
        assert not (pair["stalled"] and pair["at_risk"])
    departments = {row["department"]: set(row["bridged_to"]) for row in result["departments"]}
    assert programme["bridges"] == sum(len(b) for b in departments.values()) // 2
    assert all(name in departments[other] for name, bridged in departments.items() for other in bridged)
    assert sum(row["held"] for row in result["leaders"]) == programme["held"]
    assert compute_metrics(build_graph(data), as_of, stall, k) == result


@settings(max_examples=25, deadline=None)
@given(data=programmes())
def test_every_programme_draws_as_well_formed_svg(data):
    root = ET.fromstring(render_svg(build_graph(data)))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
