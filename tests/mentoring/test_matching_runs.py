"""Matching runs: the cohort becomes a Problem, the run lock holds, and results are stored and explained."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import AuditEvent, Cohort, Match, MatchRun, MentorProfile, PairRule, RunPair
from mentoring.services import Conflict, InvalidField, ServiceError
from mentoring.services.readmodels import run_review
from mentoring.services.translators import matching_problem
from mentoring.services.usecases import matching_runs
from tests.mentoring.programme_fixtures import BRANDING

pytestmark = pytest.mark.usefixtures("app")


def run_count() -> int:
    return db.session.execute(select(func.count(MatchRun.id))).scalar_one()


def proposed(run: MatchRun) -> set[tuple[int, int]]:
    return {(p.leader_id, p.mentor_id) for p in run.pairs}


def test_a_run_pairs_each_leader_with_the_mentor_of_their_goal(programme):
    # Given three leaders whose goals only one mentor each can teach
    # When the manager runs the matching
    run = matching_runs.run_matching(programme.cohort.id, programme.manager)
    # Then each leader gets that mentor, the run is recorded and the cohort is matched
    expected = zip(programme.leaders, programme.mentors, strict=True)
    assert proposed(run) == {(leader.id, mentor.id) for leader, mentor in expected}
    assert run.status == "optimal" and run.matched == 3 and run.run_by_id == programme.manager.id
    assert run.rules == matching_problem.default_rules()
    assert {load["mentor_id"]: load["load"] for load in run.mentor_loads} == {m.id: 1 for m in programme.mentors}
    assert all(pair.reasons and pair.reasons[0]["criterion"] == "goals" for pair in run.pairs)
    assert db.session.get(Cohort, programme.cohort.id).status == "matched"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "matching.run")).scalar_one()
    assert event.actor_id == programme.manager.id and event.object_id == str(programme.cohort.id)


def test_a_run_never_pairs_someone_with_their_own_chain_of_managers(programme, make_person, make_leader):
    # Given a leader whose manager's manager is the only mentor who teaches their goal, through someone outside
    # the cohort (so only the org chart links them)
    ada = programme.mentors[0]
    middle = make_person(name="Outside Middle", manager_id=ada.id)
    leader = make_leader(programme.cohort, goals=[(BRANDING, 3, 4)], name="Nia Report", manager_id=middle.id)
    # When the matching runs
    run = matching_runs.run_matching(programme.cohort.id, programme.manager)
    # Then that pair is not proposed
    assert all(not (p.leader_id == leader.id and p.mentor_id == ada.id) for p in run.pairs)


def test_an_external_manager_id_links_to_the_person_with_that_external_id(programme, make_leader):
    # Given a leader whose manager is known only by an external id, which is the mentor's own external id
    ada = programme.mentors[0]
    ada.external_id = "E-100"
    db.session.commit()
    leader = make_leader(programme.cohort, goals=[(BRANDING, 3, 4)], manager_external_id="E-100")
    # When the problem is built
    translation = matching_problem.build_problem(db.session.get(Cohort, programme.cohort.id))
    # Then the leader's manager is the mentor, so the reporting-line rule can see it
    built = {x.id: x for x in translation.problem.leaders}
    assert built[str(leader.id)].manager == str(ada.id)


def test_a_leader_is_matched_on_how_they_can_meet_now_not_when_they_asked(programme, make_person, skills):
    # Given someone who leads and mentors: they asked for a mentor when they could meet remotely only
    from mentoring.services.usecases import people, profiles

    both = make_person(is_leader=True, is_mentor=True)
    details = people.Details(
        name="Dual Role", department="Legal", grade=9, timezone="Europe/London", languages=["en"], formats=["remote"]
    )
    ask = profiles.LeaderAsk(
        achieve="", about_me="", mentors_wanted=1, goals=[profiles.GoalChoice(skills[BRANDING], 3, 4)]
    )
    profiles.save_leader_request(both, programme.cohort.id, details, ask)
    # When they later say, on their mentor profile, that they now meet in person only
    offer = profiles.MentorOffer(capacity=1, hours_per_month=4, bio="", skill_levels={skills[BRANDING]: 3})
    profiles.save_mentor_profile(both, people.Details(**{**details.__dict__, "formats": ["in-person"]}), offer)
    # Then the matching uses how they can meet now
    translation = matching_problem.build_problem(db.session.get(Cohort, programme.cohort.id))
    assert {x.id: x.formats for x in translation.problem.leaders}[str(both.id)] == ("in-person",)


def test_unknown_external_managers_keep_a_prefixed_id(programme, make_leader):
    leader = make_leader(programme.cohort, manager_external_id="HR-7")
    translation = matching_problem.build_problem(db.session.get(Cohort, programme.cohort.id))
    assert {x.id: x.manager for x in translation.problem.leaders}[str(leader.id)] == "ext:HR-7"


def test_pairs_published_in_an_earlier_cohort_are_history(programme, make_cohort):
    # Given Lena and Ada were a pair in an earlier cohort, and repeat pairs are forbidden (the default)
    lena, ada = programme.leaders[0], programme.mentors[0]
    earlier = make_cohort(name="Autumn 2026", status="closed")
    db.session.add(Match(cohort_id=earlier.id, leader_id=lena.id, mentor_id=ada.id, status="ended"))
    db.session.commit()
    # When the new cohort is matched
    run = matching_runs.run_matching(programme.cohort.id, programme.manager)
    # Then the pair is in the history and not proposed again
    assert run.stats["history"] == 1
    assert (lena.id, ada.id) not in proposed(run)


def test_someone_leading_and_mentoring_in_one_cohort_is_never_their_own_mentor(programme, make_person, skills):
    # Given a person who both asked for a mentor and mentors in the cohort, with the skill they want
    from mentoring.models import Goal, LeaderRequest, MentorEnrolment, MentorSkill

    both = make_person(name="Dual Role", is_mentor=True, is_leader=True, grade=4, department="Legal")
    db.session.add(
        MentorProfile(person_id=both.id, capacity=1, skills=[MentorSkill(skill_id=skills[BRANDING], proficiency=5)])
    )
    db.session.add(MentorEnrolment(cohort_id=programme.cohort.id, person_id=both.id))
    db.session.add(
        LeaderRequest(
            cohort_id=programme.cohort.id,
            person_id=both.id,
            formats=["remote"],
            goals=[Goal(skill_id=skills[BRANDING], priority=3, target_level=4)],
        )
    )
    db.session.commit()
    # When the matching runs with no grade or department rule to keep them apart
    cohort = db.session.get(Cohort, programme.cohort.id)
    cohort.rules = {"min_grade_gap": None, "same_department": "allow"}
    db.session.commit()
    run = matching_runs.run_matching(cohort.id, programme.manager)
    # Then they are not paired with themself
    assert (both.id, both.id) not in proposed(run)


def test_disabled_people_are_left_out(programme):
    lena = programme.leaders[0]
    lena.is_active = False
    db.session.commit()
    run = matching_runs.run_matching(programme.cohort.id, programme.manager)
    assert run.stats["leaders"] == 2 and lena.id not in {p.leader_id for p in run.pairs}


def hold_lock(cohort_id: int, started_ago: timedelta) -> None:
    """Another manager's run holds the lock, as written to the cohort row by its atomic UPDATE."""
    db.session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id)
        .values(run_token="another-run", run_started_at=utcnow() - started_ago)
    )
    db.session.commit()


def test_a_second_run_while_one_is_in_progress_is_refused_and_stores_nothing(programme):
    # Given another run started a minute ago and still holds the cohort's lock
    hold_lock(programme.cohort.id, timedelta(minutes=1))
    # When a second run starts
    with pytest.raises(Conflict, match="in progress"):
        matching_runs.run_matching(programme.cohort.id, programme.manager)
    # Then nothing is stored, the cohort is unchanged and the other run keeps its lock
    cohort = db.session.get(Cohort, programme.cohort.id)
    assert run_count() == 0 and cohort.status == "open" and cohort.run_token == "another-run"


def test_a_stale_lock_is_taken_over_and_released(programme):
    # Given a lock left behind by a run that died long ago (beyond the time limit and margin)
    hold_lock(programme.cohort.id, timedelta(hours=2))
    # When a run starts
    run = matching_runs.run_matching(programme.cohort.id, programme.manager)
    # Then it runs, and gives the lock back
    cohort = db.session.get(Cohort, programme.cohort.id)
    assert run.matched == 3 and cohort.run_token is None and cohort.run_started_at is None


def test_the_lock_is_released_after_a_failed_run(programme):
    # Given pins that break a mentor's capacity (two pins made while Ada offered two places, then she cut to one)
    ada = programme.mentors[0]
    for leader in programme.leaders[:2]:
        db.session.add(PairRule(cohort_id=programme.cohort.id, leader_id=leader.id, mentor_id=ada.id, kind="pin"))
    db.session.commit()
    # When the matching runs
    with pytest.raises(ServiceError) as refused:
        matching_runs.run_matching(programme.cohort.id, programme.manager)
    # Then the message names the people involved, not their ids, and the lock is free again
    message = str(refused.value)
    assert "Ada Brand" in message and ("Lena Lead" in message or "Leo Lead" in message)
    assert f"'{ada.id}'" not in message
    cohort = db.session.get(Cohort, programme.cohort.id)
    assert cohort.run_token is None and cohort.status == "open"
    failed = run_review.latest_run(cohort.id)
    assert failed.status == "failed" and not failed.pairs


@pytest.mark.parametrize("status", ["published", "closed"])
def test_a_full_run_is_refused_once_a_cohort_is_published_or_closed(programme, status):
    cohort = db.session.get(Cohort, programme.cohort.id)
    cohort.status = status
    db.session.commit()
    with pytest.raises(Conflict):
        matching_runs.run_matching(cohort.id, programme.manager)
    assert run_count() == 0


def test_pins_and_forbids_steer_the_next_run(programme):
    # Given Lena is pinned to Ben and Leo forbidden from Ben
    lena, leo = programme.leaders[0], programme.leaders[1]
    ada, ben = programme.mentors[0], programme.mentors[1]
    db.session.add_all(
        [
            PairRule(cohort_id=programme.cohort.id, leader_id=lena.id, mentor_id=ben.id, kind="pin"),
            PairRule(cohort_id=programme.cohort.id, leader_id=leo.id, mentor_id=ben.id, kind="forbid"),
        ]
    )
    db.session.commit()
    # When the matching runs
    run = matching_runs.run_matching(programme.cohort.id, programme.manager)
    # Then the pinned pair is there and marked, and the forbidden one is not
    pinned = db.session.execute(
        select(RunPair).where(RunPair.run_id == run.id, RunPair.leader_id == lena.id)
    ).scalar_one()
    assert pinned.mentor_id == ben.id and pinned.pinned
    assert (leo.id, ben.id) not in proposed(run)
    assert (leo.id, ada.id) in proposed(run)


@pytest.mark.parametrize(
    "rules, field",
    [
        ({"objective": "fastest"}, "objective"),
        ({"time_limit_s": 0}, "time_limit_s"),
        ({"weights": {"goals": -1}}, "weight_goals"),
        ({"max_per_department_per_mentor": 0}, "max_per_department_per_mentor"),
    ],
)
def test_invalid_rules_name_their_form_field(rules, field):
    with pytest.raises(InvalidField) as refused:
        matching_problem.normalise_rules(rules)
    assert refused.value.field == field and str(refused.value)[0].isupper()
