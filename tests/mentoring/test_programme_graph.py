"""The programme graph page: every published pair across cohorts, people or departments, numbers under it."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import login


def test_the_graph_shows_mentors_with_several_leaders_across_cohorts(client, make_manager, make_pair, add_meeting):
    # Given one mentor paired in two cohorts, with a held session in the first
    first = make_pair(mentor={"name": "Mia Mentor", "department": "Digital"}, leader={"name": "Leo First"})
    second = make_pair(mentor_person=first.mentor, leader={"name": "Lou Second", "department": "Legal"})
    add_meeting(first, datetime(2027, 2, 1, 10, tzinfo=UTC), status="held")
    login(client, make_manager())
    # When the manager opens the programme graph
    html = client.get("/programme/health/graph").get_data(as_text=True)
    # Then the mentor is drawn once with both leaders, and the table lists them with the cohorts and sessions
    assert "Mia Mentor (2)" in html and "Leo First" in html and "Lou Second" in html
    row = html[html.index("<td>Mia Mentor</td>") :].split("</tr>")[0]
    assert row.split('class="num">')[1:] == ["2</td><td ", "2</td><td ", "1</td>"]
    # When they look at one cohort only, the other cohort's leader is gone
    one = client.get(f"/programme/health/graph?cohort={second.cohort_id}").get_data(as_text=True)
    assert "Lou Second" in one and "Leo First" not in one


def test_the_department_view_counts_people_and_sessions_between_departments(
    client, make_manager, make_pair, add_meeting
):
    pair = make_pair(mentor={"department": "Digital"}, leader={"department": "Finance"})
    add_meeting(pair, datetime(2027, 2, 1, 10, tzinfo=UTC), status="held")
    add_meeting(pair, datetime(2027, 3, 1, 10, tzinfo=UTC), status="cancelled", cancelled_by="leader")
    login(client, make_manager())
    html = client.get("/programme/health/graph?view=departments").get_data(as_text=True)
    assert "Digital (1)" in html and "Finance (1)" in html
    assert '<td>Digital</td><td>Finance</td><td class="num">1</td>' in html


def test_an_unknown_view_or_cohort_is_not_found_and_an_empty_programme_says_what_to_do(client, make_manager):
    login(client, make_manager())
    assert client.get("/programme/health/graph?view=nodes").status_code == 404
    assert client.get("/programme/health/graph?cohort=999").status_code == 404
    assert "No pair has been published yet" in client.get("/programme/health/graph").get_data(as_text=True)
