"""Leader choice: suggestions that keep everyone matchable, picks that hold a place, answers, and the deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mentoring.models import ChoiceRound, Match, MentorChoice, Notification, Suggestion
from mentoring.services import Conflict, InvalidField, NotFound
from mentoring.services.readmodels import choices
from mentoring.services.usecases import leader_choice
from tests.conftest import login

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(days=14)
BRANDING = "linkedin/personal-branding"
VIDEO = "tiktok/short-video"


@pytest.fixture
def crowded(make_cohort, make_manager, make_mentor, make_leader):
    """Three leaders, three mentors with one place each: the optimum pairs everyone, so there is no place to spare.

    Ada is the only mentor who teaches video; only Vic wants video; Bo and Cy teach branding.
    """
    cohort = make_cohort(name="Choosers")
    manager = make_manager()
    ada = make_mentor({VIDEO: 5, BRANDING: 2}, capacity=1, cohort=cohort, name="Ada", department="Digital")
    bo = make_mentor({BRANDING: 5}, capacity=1, cohort=cohort, name="Bo", department="Sales")
    cy = make_mentor({BRANDING: 4}, capacity=1, cohort=cohort, name="Cy", department="Legal")
    vic = make_leader(cohort, goals=[(VIDEO, 3, 4)], name="Vic")
    wes = make_leader(cohort, goals=[(BRANDING, 3, 4)], name="Wes")
    xia = make_leader(cohort, goals=[(BRANDING, 3, 4)], name="Xia")
    return cohort, manager, {"ada": ada, "bo": bo, "cy": cy}, {"vic": vic, "wes": wes, "xia": xia}


def suggested(db, cohort, leader) -> list[int]:
    rows = db.execute(
        select(Suggestion.mentor_id)
        .where(Suggestion.cohort_id == cohort.id, Suggestion.leader_id == leader.id)
        .order_by(Suggestion.rank, Suggestion.mentor_id)
    )
    return list(rows.scalars())


def test_starting_publishes_the_cohort_suggests_the_optimum_first_and_emails_every_leader(db, crowded):
    cohort, manager, mentors, leaders = crowded
    # When the manager starts leader choice
    result = leader_choice.start(manager, cohort.id, DEADLINE, now=NOW)
    # Then the cohort is published, every leader has a first suggestion, and the firsts are a feasible pairing
    assert cohort.status == "published" and result.choosing == 3 and result.without_suggestion == 0
    firsts = {name: suggested(db, cohort, leader)[0] for name, leader in leaders.items()}
    assert firsts["vic"] == mentors["ada"].id
    assert len(set(firsts.values())) == 3
    # and, with no place to spare, nobody is offered an alternative that would take another's place
    assert all(len(suggested(db, cohort, leader)) == 1 for leader in leaders.values())
    sent = db.execute(select(func.count(Notification.id)).where(Notification.kind == "choice")).scalar_one()
    assert sent == 3


def test_alternatives_use_only_places_to_spare(db, crowded, make_mentor):
    cohort, manager, _, leaders = crowded
    # Given a fourth mentor with two places (two to spare beyond the optimum)
    spare = make_mentor({BRANDING: 3, VIDEO: 3}, capacity=2, cohort=cohort, name="Dee", department="Ops")
    leader_choice.start(manager, cohort.id, DEADLINE, now=NOW)
    # Then every leader's alternatives are only the mentor with places to spare
    for leader in leaders.values():
        first, *others = suggested(db, cohort, leader)
        assert set(others) <= {spare.id} and first not in others


def test_a_pick_holds_the_place_and_acceptance_makes_the_pair(db, client, crowded):
    cohort, manager, mentors, leaders = crowded
    leader_choice.start(manager, cohort.id, DEADLINE, now=NOW)
    vic, ada = leaders["vic"], mentors["ada"]
    # When Vic picks Ada
    choice = leader_choice.choose(vic, cohort.id, ada.id, now=NOW)
    # Then Ada has no room left, Vic is no longer choosing, and Ada is asked by email
    from mentoring.services.translators import choice_problem

    assert choice_problem.mentor_room(cohort.id)[ada.id] == 0
    assert vic.id not in choice_problem.choosing_leaders(cohort.id)
    assert [r.choice.id for r in choices.mentor_requests(ada)] == [choice.id]
    # and a second pick by Vic is refused
    with pytest.raises(Conflict):
        leader_choice.choose(vic, cohort.id, ada.id, now=NOW)
    # When Ada accepts through her page
    login(client, ada)
    response = client.post(f"/mentor/choices/{choice.id}/accept")
    # Then the pair exists in the published cohort and Vic sees it
    assert response.status_code == 302
    match = db.execute(select(Match).where(Match.cohort_id == cohort.id)).scalar_one()
    assert (match.leader_id, match.mentor_id, match.status) == (vic.id, ada.id, "active")
    assert match.reasons  # the suggestion's reasons travel with the pair


def test_a_leader_cannot_take_a_place_the_optimum_keeps_for_someone_else(db, crowded):
    cohort, manager, mentors, leaders = crowded
    leader_choice.start(manager, cohort.id, DEADLINE, now=NOW)
    # Ada is Vic's first suggestion and has one place: Wes was never offered her, and cannot take her
    with pytest.raises(NotFound):
        leader_choice.choose(leaders["wes"], cohort.id, mentors["ada"].id, now=NOW)


def test_declining_frees_the_place_and_never_suggests_that_mentor_again(db, crowded):
    cohort, manager, mentors, leaders = crowded
    leader_choice.start(manager, cohort.id, DEADLINE, now=NOW)
    wes = leaders["wes"]
    first = suggested(db, cohort, wes)[0]
    mentor = next(m for m in mentors.values() if m.id == first)
    choice = leader_choice.choose(wes, cohort.id, first, now=NOW)
    # When the mentor declines
    leader_choice.answer(mentor, choice.id, accept=False, now=NOW)
    # Then Wes chooses again, without that mentor among the suggestions
    from mentoring.services.translators import choice_problem

    assert wes.id in choice_problem.choosing_leaders(cohort.id)
    assert first not in suggested(db, cohort, wes)
    with pytest.raises(Conflict):
        leader_choice.answer(mentor, choice.id, accept=True, now=NOW)


def test_the_deadline_pairs_everyone_left_by_the_optimum_and_lapses_waiting_picks(db, crowded):
    cohort, manager, mentors, leaders = crowded
    leader_choice.start(manager, cohort.id, DEADLINE, now=NOW)
    pick = leader_choice.choose(leaders["xia"], cohort.id, suggested(db, cohort, leaders["xia"])[0], now=NOW)
    # When the deadline passes and the round falls back
    assert leader_choice.due_rounds(DEADLINE + timedelta(minutes=1)) == [cohort.id]
    made = leader_choice.fall_back(None, cohort.id, now=DEADLINE + timedelta(minutes=1))
    # Then all three leaders have a mentor (the waiting pick lapsed, Xia is paired by the optimum too)
    assert made == 3
    pairs = db.execute(select(Match.leader_id).where(Match.cohort_id == cohort.id)).scalars().all()
    assert sorted(pairs) == sorted(leader.id for leader in leaders.values())
    assert db.get(MentorChoice, pick.id).status == "withdrawn"
    assert db.execute(select(ChoiceRound.closed_at)).scalar_one() is not None
    with pytest.raises(Conflict):
        leader_choice.choose(leaders["vic"], cohort.id, mentors["ada"].id, now=DEADLINE)


def test_a_deadline_in_the_past_is_refused_next_to_its_field(crowded):
    cohort, manager, _, _ = crowded
    with pytest.raises(InvalidField) as refused:
        leader_choice.start(manager, cohort.id, NOW - timedelta(days=1), now=NOW)
    assert refused.value.field == "deadline"


def test_the_pages_walk_a_leader_from_suggestions_to_a_pick(db, client, crowded):
    cohort, manager, mentors, leaders = crowded
    # Given a manager who starts leader choice from the cohort's page
    login(client, manager)
    page = client.get(f"/programme/cohorts/{cohort.id}/choice")
    assert page.status_code == 200 and "Start leader choice" in page.get_data(as_text=True)
    deadline = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    assert client.post(f"/programme/cohorts/{cohort.id}/choice/start", data={"deadline": deadline}).status_code == 302
    client.post("/auth/logout")
    # When Vic opens "Choose your mentor"
    login(client, leaders["vic"])
    text = client.get("/leader/choose").get_data(as_text=True)
    # Then Ada is suggested with the reasons, and choosing her asks her
    assert "Ada" in text and "Why we suggest them" in text
    response = client.post(f"/leader/choose/{cohort.id}/{mentors['ada'].id}")
    assert response.status_code == 302
    assert "They have been asked to accept" in client.get(response.location).get_data(as_text=True)
    # and someone else's mentor id, or a cohort that is not choosing, gets no pick
    assert client.post(f"/leader/choose/{cohort.id}/{mentors['bo'].id}").status_code == 302
    assert db.execute(select(func.count(MentorChoice.id))).scalar_one() == 1
    assert client.post(f"/leader/choose/{cohort.id + 99}/{mentors['bo'].id}").status_code == 404


def test_the_close_choices_command_closes_only_rounds_past_their_deadline(app, db, crowded):
    cohort, manager, _, _ = crowded
    leader_choice.start(manager, cohort.id, DEADLINE, now=NOW)
    runner = app.test_cli_runner()
    # Before the deadline nothing closes
    early = runner.invoke(args=["close-choices", "--now", NOW.isoformat()])
    assert early.exit_code == 0 and "Closed 0" in early.output
    # After it, the round closes and everyone is paired
    late = runner.invoke(args=["close-choices", "--now", (DEADLINE + timedelta(hours=1)).isoformat()])
    assert late.exit_code == 0 and "3 leaders paired" in late.output
    assert db.execute(select(func.count(Match.id)).where(Match.cohort_id == cohort.id)).scalar_one() == 3
