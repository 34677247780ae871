"""A leader asks to join a running (published) cohort late, through the real pages; the manager places them."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import LeaderRequest, MatchRun, Notification
from mentoring.services import Conflict
from mentoring.services.usecases import matching_runs, pair_changes, people, profiles, publishing
from tests.conftest import login
from tests.mentoring.journey_helpers import leader_form
from tests.mentoring.programme_fixtures import VIDEO, active_pairs, flashes

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def running(programme):
    """Spring 2027, published: Lena-Ada, Leo-Ben, Lou-Cy, every mentor full."""
    matching_runs.run_matching(programme.cohort.id, programme.manager)
    publishing.publish(programme.manager, programme.cohort.id)
    return programme


def _text(response) -> str:
    """The page as text with entities decoded and runs of white space made one space."""
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def _current_step(page: str) -> tuple[str, str]:
    """(title, hint) of the step marked as next in the "what happens next" strip."""
    found = re.search(r'aria-current="step">.*?<strong>([^<]+)</strong>.*?<a href="[^"]*">([^<]+)</a>', page, re.S)
    assert found, "no current step on the page"
    return found.group(1), found.group(2)


def _request_of(person) -> LeaderRequest | None:
    query = select(LeaderRequest).where(LeaderRequest.person_id == person.id)
    return db.session.execute(query).scalar_one_or_none()


def test_a_late_joiner_requests_through_the_pages_and_is_matched_once_the_manager_approves(
    running, app, make_person, make_mentor, skills
):
    # Given a running cohort, a mentor with room who teaches video, and a leader with no request yet
    cohort = running.cohort
    vera = make_mentor(cohort=cohort, skill_levels={VIDEO: 4}, name="Vera Video")
    nia = make_person(is_leader=True, name="Nia Newcomer", department="Sales")
    leader = app.test_client()
    login(leader, nia)

    # When she opens the request page, the running cohort offers her the form, saying how it works now
    page = _text(leader.get("/leader/request"))
    assert "Spring 2027 is already running" in page and 'name="goals-0-skill"' in page
    assert "Once the programme manager approves, you are matched with a mentor who has room" in page
    assert "running" in page and "until sign-up closes" not in page

    # And she sends a request
    sent = leader.post(
        f"/leader/request?cohort={cohort.id}", data=leader_form(skills, [(VIDEO, 3, 3)], name="Nia Newcomer")
    )
    assert sent.status_code == 302
    message = flashes(leader.get(sent.headers["Location"]).get_data(as_text=True))
    assert any("once the programme manager approves" in text for text in message)
    # Her "what happens next" strip says who places her
    current, hint = _current_step(_text(leader.get("/")))
    assert current == "Matched" and "places you with a mentor who has room" in hint

    # Then a placement with Vera is proposed for the manager's review (by a job), and nothing is published yet
    run = db.session.execute(select(MatchRun).order_by(MatchRun.id.desc()).limit(1)).scalar_one()
    assert run.stats["change"] == "late" and [(p.leader_id, p.mentor_id) for p in run.pairs] == [(nia.id, vera.id)]
    before = active_pairs(cohort.id)
    assert (nia.id, vera.id) not in before
    # And the manager sees her among the late joiners, and the proposal on the review page
    manager = app.test_client()
    login(manager, running.manager)
    assert "Nia Newcomer" in _text(manager.get(f"/programme/cohorts/{cohort.id}/changes"))
    assert [r.person_id for r in pair_changes.late_joiners(cohort.id)] == [nia.id]
    review = _text(manager.get(f"/programme/cohorts/{cohort.id}/review"))
    assert "Place 1 late joiner(s)" in review and "Vera Video" in review
    # While the manager reviews it, Nia's request is settled: she cannot withdraw it from under the proposal
    page = _text(leader.get(f"/leader/request?cohort={cohort.id}"))
    assert "A mentor in Spring 2027 is proposed for you" in page and "Withdraw my request" not in page
    refused = leader.post(f"/leader/request/{cohort.id}/withdraw")
    assert any(
        "is proposed for you" in t for t in flashes(leader.get(refused.headers["Location"]).get_data(as_text=True))
    )
    assert _request_of(nia) is not None
    # When the manager approves it by publishing
    manager.post(f"/programme/cohorts/{cohort.id}/publish", data={"run_id": str(run.id)})

    # Then Nia has Vera, every other pair is as it was, and she was told by email
    assert active_pairs(cohort.id) == before | {(nia.id, vera.id)}
    emails = db.session.execute(
        select(Notification.person_id, Notification.body).where(Notification.occasion.like(f"repaired:{run.id}:%"))
    ).all()
    assert {person for person, _ in emails} == {nia.id, vera.id}
    assert "Vera Video" in dict(emails)[nia.id]
    assert "Vera Video" in _text(leader.get("/leader/mentor"))

    # And her request can no longer be changed or withdrawn: the page says so plainly
    page = _text(leader.get(f"/leader/request?cohort={cohort.id}"))
    assert "You already have a mentor in Spring 2027" in page and 'name="goals-0-skill"' not in page
    assert "Withdraw my request" not in page


def test_a_matched_leader_in_a_running_cohort_cannot_edit_or_withdraw(running, app, skills):
    # Given Lena, paired with Ada in the running cohort
    lena, cohort = running.leaders[0], running.cohort
    client = app.test_client()
    login(client, lena)
    goals_before = [(g.skill_id, g.priority, g.target_level) for g in _request_of(lena).goals]

    # When she opens her request, it is read-only with the reason
    page = _text(client.get(f"/leader/request?cohort={cohort.id}"))
    assert "You already have a mentor in Spring 2027" in page and "can no longer be changed or withdrawn" in page
    assert 'name="goals-0-skill"' not in page and "Withdraw my request" not in page

    # And posting a change, or a withdrawal, is refused with the same sentence and changes nothing
    for url, data in (
        (f"/leader/request?cohort={cohort.id}", leader_form(skills, [(VIDEO, 3, 5)])),
        (f"/leader/request/{cohort.id}/withdraw", {}),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 302
        shown = " ".join(flashes(client.get(response.headers["Location"]).get_data(as_text=True)))
        assert "You already have a mentor in Spring 2027" in shown
    db.session.expire_all()
    assert [(g.skill_id, g.priority, g.target_level) for g in _request_of(lena).goals] == goals_before


def test_a_late_joiner_nobody_has_room_for_may_change_and_withdraw(running, app, make_person, skills):
    # Given a late joiner's request in the running cohort, where every mentor is full
    cohort = running.cohort
    nia = make_person(is_leader=True, name="Nia Newcomer")
    client = app.test_client()
    login(client, nia)
    runs = db.session.execute(select(MatchRun.id)).scalars().all()
    client.post(f"/leader/request?cohort={cohort.id}", data=leader_form(skills, [(VIDEO, 3, 3)], name="Nia Newcomer"))
    # Then no proposal is stored (nobody could be placed): she stays a late joiner for the manager
    assert db.session.execute(select(MatchRun.id)).scalars().all() == runs
    assert [r.person_id for r in pair_changes.late_joiners(cohort.id)] == [nia.id]

    # When she changes it, the change is kept, and the page still speaks of a running cohort
    client.post(f"/leader/request?cohort={cohort.id}", data=leader_form(skills, [(VIDEO, 2, 4)], name="Nia Newcomer"))
    db.session.expire_all()
    assert [(g.priority, g.target_level) for g in _request_of(nia).goals] == [(2, 4)]
    page = _text(client.get(f"/leader/request?cohort={cohort.id}"))
    assert "Your request is in. Once the programme manager approves" in page and "Withdraw my request" in page

    # And when she withdraws it, she is no longer a late joiner
    done = client.post(f"/leader/request/{cohort.id}/withdraw")
    shown = " ".join(flashes(client.get(done.headers["Location"]).get_data(as_text=True)))
    assert "withdrawn" in shown and "while the programme is running" in shown
    assert _request_of(nia) is None and pair_changes.late_joiners(cohort.id) == []


def test_a_finished_cohort_takes_no_new_request_and_says_why(running, app, make_person, skills):
    # Given the cohort has finished
    cohort = running.cohort
    cohort.status = "closed"
    db.session.commit()
    nia = make_person(is_leader=True, name="Nia Newcomer")
    client = app.test_client()
    login(client, nia)

    # Then it is not offered among the cohorts taking requests
    page = _text(client.get("/leader/request"))
    assert "Spring 2027" not in page and "No cohort is open for requests right now" in page
    # And asking for it directly, or posting to it, is "not found" as for any cohort not taking requests (no 500)
    assert client.get(f"/leader/request?cohort={cohort.id}").status_code == 404
    posted = client.post(f"/leader/request?cohort={cohort.id}", data=leader_form(skills, [(VIDEO, 3, 3)]))
    assert posted.status_code == 404
    assert _request_of(nia) is None
    # And the use case itself refuses with a sentence (a leader with a request there reads it on the page:
    # test_leaders.test_a_request_past_sign_up_and_not_running_is_read_only)
    details = people.details_of(nia)
    ask = profiles.LeaderAsk("Learn video.", "", 1, [profiles.GoalChoice(skills[VIDEO], 3, 3)])
    with pytest.raises(Conflict, match="Spring 2027 has finished, so it takes no more requests"):
        profiles.save_leader_request(nia, cohort.id, details, ask)
