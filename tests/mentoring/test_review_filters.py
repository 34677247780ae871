"""The review page at scale: filtered and paged pairs, unmatched leaders, busy mentors, and the person page."""

from __future__ import annotations

import pytest

from mentoring.extensions import db
from mentoring.models import PairRule
from mentoring.services.usecases import matching_runs, publishing
from tests.conftest import login
from tests.mentoring.programme_fixtures import ANALYTICS, BRANDING, VIDEO


@pytest.fixture
def reviewed(client, programme, make_mentor, make_leader):
    """The programme with one pair short of a must goal, a pinned pair and a leader nobody can take."""
    # Nia must reach level 5 in branding; only Ada (5) could, but Ada is pinned to Lena, so Nia gets a 3.
    make_mentor(cohort=programme.cohort, skill_levels={BRANDING: 3}, name="Sol Short", department="Sales")
    make_leader(programme.cohort, goals=[(BRANDING, 3, 5)], name="Nia Needs", department="Sales")
    make_leader(programme.cohort, goals=[(ANALYTICS, 3, 2)], name="Wes Waiting", languages=["de"])
    db.session.add(
        PairRule(
            cohort_id=programme.cohort.id,
            leader_id=programme.leaders[0].id,
            mentor_id=programme.mentors[0].id,
            kind="pin",
            created_by_id=programme.manager.id,
        )
    )
    db.session.commit()
    matching_runs.run_matching(programme.cohort.id, programme.manager)
    login(client, programme.manager)
    return programme


def review_of(client, programme, **query) -> str:
    """The pairs section of the review page (the pins list and the runs are elsewhere on the page)."""
    page = client.get(f"/programme/cohorts/{programme.cohort.id}/review", query_string=query).text
    return page.split('id="pairs"', 1)[1].split("</section>", 1)[0]


def test_the_review_filters_pick_the_pairs_asked_for(client, reviewed):
    # When the manager shows only the pairs short of a must goal
    short = review_of(client, reviewed, show="short")
    # Then Nia (must reach 5, nobody free has more than 3) is there and Lena (pinned to Ada, a 5) is not
    assert "Nia Needs" in short and "Lena Lead" not in short
    # And the pinned filter shows the pinned pair only
    pinned = review_of(client, reviewed, show="pinned")
    assert "Lena Lead" in pinned and "Leo Lead" not in pinned
    # And a department or a name narrows the table
    sales = review_of(client, reviewed, department="Sales")
    assert "Nia Needs" in sales and "Lena Lead" not in sales
    assert "Leo Lead" in review_of(client, reviewed, q="leo") and "Lou Lead" not in review_of(client, reviewed, q="leo")
    # And the unmatched leaders have their own table, with the reason
    unmatched = review_of(client, reviewed, show="unmatched")
    assert "Wes Waiting" in unmatched and "Leo Lead" not in unmatched
    # And nonsense filter values are ignored, not failures
    assert (
        client.get(f"/programme/cohorts/{reviewed.cohort.id}/review?show=<x>&page=-4&department=zz").status_code == 200
    )


def test_pairs_come_a_page_at_a_time(client, programme, make_mentor, make_leader):
    # Given 55 leaders, each with a mentor of their own
    for index in range(55):
        make_mentor(cohort=programme.cohort, skill_levels={VIDEO: 5}, name=f"Mentor {index:02d}")
        make_leader(programme.cohort, goals=[(VIDEO, 1, 2)], name=f"Zed {index:02d}")
    matching_runs.run_matching(programme.cohort.id, programme.manager)
    login(client, programme.manager)
    # When the manager opens the review, then its second page
    first, second = review_of(client, programme), review_of(client, programme, page=2)
    # Then 50 pairs are on the first page, the rest on the second, with links between them
    assert "Page 1 of 2" in first and 'rel="next"' in first and "Zed 54" not in first
    assert "Page 2 of 2" in second and "Zed 54" in second and 'rel="prev"' in second


def test_the_person_page_shows_skills_goals_and_pairs_across_cohorts(client, programme):
    # Given a published cohort
    matching_runs.run_matching(programme.cohort.id, programme.manager)
    publishing.publish(programme.manager, programme.cohort.id, deliver=False)
    login(client, programme.manager)
    # When the manager opens a mentor's page and a leader's page from the people list
    people = client.get("/programme/people", query_string={"q": "ada"}).text
    assert f'href="/programme/people/{programme.mentors[0].id}"' in people
    mentor = client.get(f"/programme/people/{programme.mentors[0].id}").text
    leader = client.get(f"/programme/people/{programme.leaders[0].id}").text
    # Then each shows what they offer or ask, and their pair with a link to the other person
    assert "LinkedIn: Personal branding" in mentor and "Lena Lead" in mentor and "Spring 2027" in mentor
    assert "LinkedIn: Personal branding" in leader and "must" in leader and "Ada Brand" in leader
    # And an unknown person is a 404
    assert client.get("/programme/people/99999").status_code == 404
