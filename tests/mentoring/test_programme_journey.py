"""The programme manager's journey through the pages: cohort, participants, run, review, pin, forbid, publish."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select, update

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, Match, MatchRun, PairRule
from tests.conftest import login
from tests.mentoring.programme_fixtures import (
    BRANDING,
    VIDEO,
    active_pairs,
    flashes,
    notification_count,
    say_not_a_good_fit,
)


def runs() -> list[MatchRun]:
    return list(db.session.execute(select(MatchRun).order_by(MatchRun.id)).scalars())


def latest_pairs() -> set[tuple[int, int]]:
    return {(p.leader_id, p.mentor_id) for p in runs()[-1].pairs}


def test_the_manager_journey_from_a_new_cohort_to_published_pairs(app, client, make_manager, make_mentor, make_leader):
    # Given a signed-in programme manager
    manager = make_manager(name="Mia Manager")
    login(client, manager)
    # When she creates a cohort
    response = client.post(
        "/programme/cohorts/new",
        data={"name": "Summer 2027", "starts_on": "2027-06-01", "ends_on": "2027-12-01", "stall_days": "21"},
    )
    assert response.status_code == 302
    cohort = db.session.execute(select(Cohort)).scalar_one()
    assert (cohort.name, cohort.status, cohort.stall_days) == ("Summer 2027", "open", 21)
    assert "Summer 2027" in client.get("/programme/cohorts").text
    # And people sign up to it (their own journeys, here made directly)
    ada = make_mentor(cohort=cohort, skill_levels={BRANDING: 5}, name="Ada Brand")
    ben = make_mentor(cohort=cohort, skill_levels={VIDEO: 5}, name="Ben Video")
    lena = make_leader(cohort, goals=[(BRANDING, 3, 4)], name="Lena Lead")
    leo = make_leader(cohort, goals=[(VIDEO, 3, 4)], name="Leo Lead", timezone=None)
    # Then the participants page lists them with what is missing
    page = client.get(f"/programme/cohorts/{cohort.id}/participants").text
    assert all(name in page for name in ("Ada Brand", "Ben Video", "Lena Lead", "Leo Lead"))
    assert "No time zone" in page
    # When she runs the matching
    response = client.post(f"/programme/cohorts/{cohort.id}/run", follow_redirects=True)
    # Then the review page shows each pair with its score and reasons
    assert "proposed 2 pairs" in " ".join(flashes(response.text))
    assert latest_pairs() == {(lena.id, ada.id), (leo.id, ben.id)}
    assert "Goals" in response.text and "Lena Lead" in response.text and "Mentor loads" in response.text
    assert db.session.get(Cohort, cohort.id).status == "matched"
    # When she forbids Lena with Ada and runs again
    client.post(f"/programme/cohorts/{cohort.id}/pairs/{lena.id}/{ada.id}/forbid")
    client.post(f"/programme/cohorts/{cohort.id}/run")
    # Then Lena gets Ben instead
    assert (lena.id, ada.id) not in latest_pairs() and (lena.id, ben.id) in latest_pairs()
    # When she removes the forbid, pins Leo with Ada through the form, and runs again
    rule = db.session.execute(select(PairRule)).scalar_one()
    client.post(f"/programme/cohorts/{cohort.id}/pair-rules/{rule.id}/delete")
    client.post(
        f"/programme/cohorts/{cohort.id}/pair-rules", data={"leader_id": leo.id, "mentor_id": ada.id, "kind": "pin"}
    )
    response = client.post(f"/programme/cohorts/{cohort.id}/run", follow_redirects=True)
    # Then the pinned pair is proposed, marked pinned, and earlier runs are listed
    assert (leo.id, ada.id) in latest_pairs()
    assert "pinned" in response.text and len(runs()) == 3
    # When she publishes the run she reviewed
    response = client.post(
        f"/programme/cohorts/{cohort.id}/publish", data={"run_id": runs()[-1].id}, follow_redirects=True
    )
    # Then the pairs are Matches, the cohort is published, and the four people were told
    assert "Published 2 pairs" in " ".join(flashes(response.text))
    assert active_pairs(cohort.id) == {(leo.id, ada.id), (lena.id, ben.id)}
    assert db.session.get(Cohort, cohort.id).status == "published" and notification_count() == 4
    # And both people of a pair see it on their own pages
    with app.test_request_context():
        my_mentor, my_leaders = url_for("leaders.my_mentor"), url_for("mentors.my_leaders")
    client.post("/auth/logout")
    login(client, lena)
    assert "Ben Video" in client.get(my_mentor).text
    client.post("/auth/logout")
    login(client, ben)
    assert "Lena Lead" in client.get(my_leaders).text


def test_a_run_while_another_is_in_progress_is_refused_with_a_message(client, programme):
    # Given another manager's run holds the cohort's lock
    db.session.execute(
        update(Cohort)
        .where(Cohort.id == programme.cohort.id)
        .values(run_token="theirs", run_started_at=utcnow() - timedelta(seconds=5))
    )
    db.session.commit()
    login(client, programme.manager)
    # When this manager presses "run"
    response = client.post(f"/programme/cohorts/{programme.cohort.id}/run", follow_redirects=True)
    # Then she is told a run is in progress, and nothing was stored
    assert any("in progress" in message for message in flashes(response.text))
    assert runs() == []


def test_a_pin_that_breaks_capacity_is_explained_with_both_names(client, programme, make_leader):
    # Given Ada takes one leader and is pinned to two (the second pin was made when she offered two places)
    ada, lena, leo = programme.mentors[0], programme.leaders[0], programme.leaders[1]
    for leader in (lena, leo):
        db.session.add(PairRule(cohort_id=programme.cohort.id, leader_id=leader.id, mentor_id=ada.id, kind="pin"))
    db.session.commit()
    login(client, programme.manager)
    # When the manager runs the matching
    response = client.post(f"/programme/cohorts/{programme.cohort.id}/run", follow_redirects=True)
    # Then the message names Ada and a leader she is pinned to
    message = " ".join(flashes(response.text))
    assert "Ada Brand" in message and "Leo Lead" in message and "could not run" in message
    assert response.status_code == 200


def test_pinning_beyond_capacity_is_refused_up_front(client, programme):
    ada, lena, leo = programme.mentors[0], programme.leaders[0], programme.leaders[1]
    login(client, programme.manager)
    client.post(f"/programme/cohorts/{programme.cohort.id}/pairs/{lena.id}/{ada.id}/pin")
    response = client.post(
        f"/programme/cohorts/{programme.cohort.id}/pairs/{leo.id}/{ada.id}/pin", follow_redirects=True
    )
    assert any("Ada Brand is already pinned" in message for message in flashes(response.text))
    assert db.session.execute(select(func.count(PairRule.id))).scalar_one() == 1


@pytest.mark.parametrize("who", ["an outsider as leader", "an outsider as mentor", "a leader as mentor"])
def test_a_pin_or_forbid_of_people_outside_the_cohort_is_refused(client, programme, make_person, make_mentor, who):
    # Given someone who is not in the cohort (or not in that role)
    outsider = make_mentor(name="Out Sider")
    leader, mentor = programme.leaders[0].id, programme.mentors[0].id
    if who == "an outsider as leader":
        leader = outsider.id
    elif who == "an outsider as mentor":
        mentor = outsider.id
    else:
        mentor = programme.leaders[1].id
    login(client, programme.manager)
    # When the manager tries to forbid or pin that pair
    for kind in ("pin", "forbid"):
        response = client.post(
            f"/programme/cohorts/{programme.cohort.id}/pairs/{leader}/{mentor}/{kind}", follow_redirects=True
        )
        # Then she is told why, and nothing is stored
        assert any("cohort" in message for message in flashes(response.text))
    assert db.session.execute(select(func.count(PairRule.id))).scalar_one() == 0


def test_the_pair_rule_form_only_offers_the_cohorts_people(client, programme, make_mentor):
    outsider = make_mentor(name="Out Sider")
    login(client, programme.manager)
    review = f"/programme/cohorts/{programme.cohort.id}/review"
    # When the manager searches for a leader and a mentor by part of their names
    found = client.get(review, query_string={"leader_q": "lena", "mentor_q": "sider"}).text
    # Then only the cohort's people are found: the outsider is not enrolled
    assert "No mentor of this cohort matches" in found and 'name="mentor_id"' not in found
    found = client.get(review, query_string={"leader_q": "lena", "mentor_q": "ada"}).text
    assert f'name="leader_id" value="{programme.leaders[0].id}"' in found
    assert f'name="mentor_id" value="{programme.mentors[0].id}"' in found
    # And a hand-made post with someone outside the cohort is refused
    response = client.post(
        f"/programme/cohorts/{programme.cohort.id}/pair-rules",
        data={"leader_id": programme.leaders[0].id, "mentor_id": outsider.id, "kind": "pin"},
        follow_redirects=True,
    )
    assert any("not enrolled in this cohort" in m for m in flashes(response.text))
    assert db.session.execute(select(func.count(PairRule.id))).scalar_one() == 0


def test_the_attention_list_and_re_pair_through_the_pages(client, programme, make_mentor):
    # Given a published cohort and a new mentor, and Leo saying his pair is not a good fit
    login(client, programme.manager)
    cohort_id = programme.cohort.id
    client.post(f"/programme/cohorts/{cohort_id}/run")
    client.post(f"/programme/cohorts/{cohort_id}/publish")
    dee = make_mentor(cohort=programme.cohort, skill_levels={VIDEO: 4}, name="Dee Spare")
    leo = programme.leaders[1]
    flagged = db.session.execute(select(Match).where(Match.leader_id == leo.id)).scalar_one()
    say_not_a_good_fit(flagged, leo.id)
    # Then the attention list shows the pair
    page = client.get(f"/programme/cohorts/{cohort_id}/attention").text
    assert "Leo Lead" in page and "Ben Video" in page
    # When the manager re-pairs it, reviews and publishes the change
    response = client.post(
        f"/programme/cohorts/{cohort_id}/repair", data={"match_ids": [flagged.id]}, follow_redirects=True
    )
    assert "Re-pair" in response.text and "Publish this change" in response.text
    response = client.post(
        f"/programme/cohorts/{cohort_id}/publish", data={"run_id": runs()[-1].id}, follow_redirects=True
    )
    # Then Leo has Dee, and his old pair ended
    assert "1 pair(s) ended, 1 new" in " ".join(flashes(response.text))
    assert (leo.id, dee.id) in active_pairs(cohort_id)
    assert db.session.get(Match, flagged.id).status == "ended"


def test_re_pair_without_a_choice_asks_for_one(client, programme):
    login(client, programme.manager)
    client.post(f"/programme/cohorts/{programme.cohort.id}/run")
    client.post(f"/programme/cohorts/{programme.cohort.id}/publish")
    match = db.session.execute(select(Match)).scalars().first()
    say_not_a_good_fit(match, match.leader_id)
    response = client.post(f"/programme/cohorts/{programme.cohort.id}/repair", data={})
    assert response.status_code == 200 and "Choose at least one pair" in response.text
