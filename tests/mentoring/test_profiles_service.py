"""The profile and request use cases on their own: rules, refusals and what is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mentoring.extensions import db
from mentoring.models import LeaderRequest, Match, MentorProfile, Person, Skill
from mentoring.services import Conflict, Forbidden, InvalidField, NotFound
from mentoring.services.readmodels import my_pairs
from mentoring.services.usecases import people, profiles
from tests.mentoring.journey_helpers import publish_pair


def _details(**overrides: object) -> people.Details:
    values: dict[str, object] = {
        "name": "Sam",
        "department": "Sales",
        "grade": 4,
        "timezone": "Europe/Berlin",
        "languages": ["de", "en"],
        "formats": ["remote"],
    }
    values.update(overrides)
    return people.Details(**values)  # type: ignore[arg-type]


def _offer(skills: dict[str, int], levels: dict[str, int] | None = None, **overrides: object) -> profiles.MentorOffer:
    values: dict[str, object] = {
        "capacity": 1,
        "hours_per_month": 4,
        "bio": "",
        "skill_levels": {skills[k]: v for k, v in (levels or {"x/writing-posts": 3}).items()},
    }
    values.update(overrides)
    return profiles.MentorOffer(**values)  # type: ignore[arg-type]


def _ask(skills: dict[str, int], goals: list[tuple[str, int, int]], **overrides: object) -> profiles.LeaderAsk:
    values: dict[str, object] = {
        "achieve": "",
        "about_me": "",
        "mentors_wanted": 1,
        "goals": [profiles.GoalChoice(skills[k], p, t) for k, p, t in goals],
    }
    values.update(overrides)
    return profiles.LeaderAsk(**values)  # type: ignore[arg-type]


def _count(model: type) -> int:
    return int(db.session.execute(select(func.count()).select_from(model)).scalar_one())


# ---- "about you" -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["boss@example.com", " BOSS@Example.com ", "E-77", "e-77"])
def test_manager_given_by_email_or_employee_id_of_a_person_is_linked(typed, make_person, make_mentor, skills):
    boss = make_person(email="boss@example.com", external_id="E-77")
    mentor = make_mentor()
    profiles.save_mentor_profile(mentor, _details(manager=typed), _offer(skills))
    assert (mentor.manager_id, mentor.manager_external_id) == (boss.id, None)


@pytest.mark.parametrize(("typed", "stored"), [("HR-12", "HR-12"), ("Not.Here@Example.com", "not.here@example.com")])
def test_unknown_manager_is_kept_as_an_external_id(typed, stored, make_mentor, skills):
    mentor = make_mentor()
    profiles.save_mentor_profile(mentor, _details(manager=typed), _offer(skills))
    assert (mentor.manager_id, mentor.manager_external_id) == (None, stored)


@pytest.mark.parametrize("how", ["email", "employee id", "own employee id"])
def test_a_manager_who_reports_to_you_is_refused(how, make_person, make_mentor, skills):
    # Given Ada's manager is Bo, who reports to Cy (by email or by employee id)
    mentor = make_mentor(email="ada@example.com")
    cy = make_person(email="cy@example.com", external_id="E-CY")
    make_person(email="bo@example.com", manager_id=cy.id)
    profiles.save_mentor_profile(mentor, _details(manager="bo@example.com"), _offer(skills))
    # When Cy names Ada as his manager (or Cy reports to an employee id that Ada now claims as hers)
    if how == "own employee id":
        cy.manager_external_id = "E-ADA"
        db.session.commit()
        changes, person = {"manager": "bo@example.com", "external_id": "E-ADA"}, mentor
    else:
        cy.is_mentor = True
        db.session.add(MentorProfile(person_id=cy.id, capacity=1))
        mentor.external_id = "E-ADA"
        db.session.commit()
        changes, person = {"manager": "ada@example.com" if how == "email" else "E-ADA"}, cy
    # Then the loop is refused next to the manager field: it would stop the whole cohort's matching
    with pytest.raises(InvalidField, match="reports to you") as refused:
        profiles.save_mentor_profile(person, _details(**changes), _offer(skills))
    assert refused.value.field == "manager"


REFUSED_DETAILS = [
    ({"manager": "SELF"}, "manager"),
    ({"external_id": "TAKEN"}, "external_id"),
    ({"grade": 0}, "grade"),
    ({"grade": None}, "grade"),
    ({"timezone": "Moon/Base"}, "timezone"),
    ({"languages": []}, "languages"),
    ({"languages": ["klingon!"]}, "languages"),
    ({"formats": ["hologram"]}, "formats"),
    ({"formats": []}, "formats"),
    ({"name": " "}, "name"),
    ({"department": "d" * 81}, "department"),
]


@pytest.mark.parametrize(("changes", "field"), REFUSED_DETAILS, ids=[f for _, f in REFUSED_DETAILS])
def test_refused_details_name_the_field_and_store_nothing(changes, field, make_person, make_mentor, skills):
    make_person(external_id="TAKEN")
    mentor = make_mentor(timezone="Asia/Seoul")
    if changes.get("manager") == "SELF":
        changes = {"manager": mentor.email}
    with pytest.raises(InvalidField) as refused:
        profiles.save_mentor_profile(mentor, _details(**changes), _offer(skills))
    assert refused.value.field == field
    db.session.expire_all()
    assert db.session.get(Person, mentor.id).timezone == "Asia/Seoul"


# ---- mentor profiles -------------------------------------------------------------------------


REFUSED_OFFERS = [
    ({"capacity": 0}, "capacity"),
    ({"capacity": 4}, "capacity"),
    ({"hours_per_month": 41}, "hours_per_month"),
    ({"bio": "b" * 1001}, "bio"),
    ({"skill_levels": {}}, "skills"),
    ({"skill_levels": {999999: 3}}, "skills"),
]


@pytest.mark.parametrize(
    ("changes", "field"), REFUSED_OFFERS, ids=[f"{f}-{i}" for i, (_, f) in enumerate(REFUSED_OFFERS)]
)
def test_refused_offers_name_the_field(changes, field, make_person, skills):
    person = make_person(is_mentor=True)
    with pytest.raises(InvalidField) as refused:
        profiles.save_mentor_profile(person, _details(), _offer(skills, **changes))
    assert refused.value.field == field
    assert _count(MentorProfile) == 0


def test_a_level_out_of_range_names_its_skill(make_person, skills):
    person = make_person(is_mentor=True)
    with pytest.raises(InvalidField) as refused:
        profiles.save_mentor_profile(person, _details(), _offer(skills, {"x/writing-posts": 6}))
    assert refused.value.field == f"skill_{skills['x/writing-posts']}"


def test_only_mentors_have_a_profile(make_person, skills):
    with pytest.raises(Forbidden):
        profiles.save_mentor_profile(make_person(is_leader=True), _details(), _offer(skills))


def test_a_retired_skill_cannot_be_newly_chosen(make_mentor, skills):
    mentor = make_mentor()
    db.session.get(Skill, skills["blogs/ai-tools"]).retired = True
    db.session.commit()
    with pytest.raises(InvalidField, match="no longer offered"):
        profiles.save_mentor_profile(mentor, _details(), _offer(skills, {"blogs/ai-tools": 4}))


def test_capacity_may_drop_below_current_leaders_and_the_pairs_stay(make_mentor, make_leader, make_cohort, skills):
    # Given a mentor with two published leaders
    cohort = make_cohort()
    mentor = make_mentor(capacity=2)
    publish_pair(cohort, make_leader(cohort), mentor)
    publish_pair(cohort, make_leader(cohort), mentor)

    # When they lower their capacity to one, the profile saves and both pairs stay
    profiles.save_mentor_profile(mentor, _details(), _offer(skills, capacity=1))
    assert profiles.mentor_profile(mentor).capacity == 1
    assert profiles.active_match_count(mentor) == 2


def test_enrolments_change_only_in_open_cohorts(make_mentor, make_cohort, skills):
    # Given a mentor in a matched cohort and an open one
    matched, open_one, other_open = make_cohort(status="matched"), make_cohort(), make_cohort()
    mentor = make_mentor(cohort=matched)

    # When they choose only the open one, the matched enrolment stays
    profiles.save_mentor_profile(mentor, _details(), _offer(skills, cohort_ids=frozenset({open_one.id})))
    assert profiles.enrolled_cohort_ids(mentor) == {matched.id, open_one.id}

    # And asking to join a cohort past sign-up is refused
    with pytest.raises(InvalidField) as refused:
        profiles.save_mentor_profile(
            mentor, _details(), _offer(skills, cohort_ids=frozenset({other_open.id, matched.id}))
        )
    assert refused.value.field == "cohorts"
    assert profiles.enrolled_cohort_ids(mentor) == {matched.id, open_one.id}


# ---- leader requests -------------------------------------------------------------------------


def test_request_is_created_then_updated_in_place(make_person, make_cohort, skills):
    cohort = make_cohort()
    leader = make_person(is_leader=True)
    first = profiles.save_leader_request(leader, cohort.id, _details(), _ask(skills, [("x/etiquette", 1, 2)]))
    changed = _ask(skills, [("x/etiquette", 3, 5), ("x/analytics", 2, 1)], mentors_wanted=2)
    second = profiles.save_leader_request(leader, cohort.id, _details(formats=["in-person"]), changed)
    assert first.id == second.id and _count(LeaderRequest) == 1
    assert [(g.skill.key, g.priority, g.target_level) for g in second.goals] == [
        ("x/etiquette", 3, 5),
        ("x/analytics", 2, 1),
    ]
    assert (second.mentors_wanted, second.formats) == (2, ["in-person"])


REFUSED_ASKS = [
    ([], {}, "goals.0.skill"),
    ([("x/etiquette", 2, 3), ("x/etiquette", 1, 1)], {}, "goals.1.skill"),
    ([("x/etiquette", 4, 3)], {}, "goals.0.priority"),
    ([("x/etiquette", 2, 0)], {}, "goals.0.target_level"),
    ([("x/etiquette", 2, 3)], {"mentors_wanted": 3}, "mentors_wanted"),
    ([("x/etiquette", 2, 3)], {"achieve": "a" * 2001}, "achieve"),
]


@pytest.mark.parametrize(("goals", "changes", "field"), REFUSED_ASKS, ids=[f for _, _, f in REFUSED_ASKS])
def test_refused_requests_name_the_field(goals, changes, field, make_person, make_cohort, skills):
    cohort = make_cohort()
    with pytest.raises(InvalidField) as refused:
        profiles.save_leader_request(make_person(is_leader=True), cohort.id, _details(), _ask(skills, goals, **changes))
    assert refused.value.field == field
    assert _count(LeaderRequest) == 0


def test_a_retired_goal_skill_may_stay_but_not_be_chosen_anew(make_leader, make_person, make_cohort, skills):
    # Given a leader whose goal skill was retired after they asked
    cohort = make_cohort()
    leader = make_leader(cohort, goals=[("facebook/short-video", 3, 3)])
    db.session.get(Skill, skills["facebook/short-video"]).retired = True
    db.session.commit()

    # Then they may keep it while editing, and it is offered to them (marked retired) but to nobody else
    kept = profiles.save_leader_request(leader, cohort.id, _details(), _ask(skills, [("facebook/short-video", 2, 4)]))
    assert [(g.skill.key, g.target_level) for g in kept.goals] == [("facebook/short-video", 4)]
    assert skills["facebook/short-video"] in {s.id for s in profiles.goal_skills(kept)}
    assert skills["facebook/short-video"] not in {s.id for s in profiles.goal_skills(None)}
    with pytest.raises(InvalidField, match="no longer offered"):
        profiles.save_leader_request(
            make_person(is_leader=True), cohort.id, _details(), _ask(skills, [("facebook/short-video", 2, 4)])
        )


def test_at_most_eight_goals(make_person, make_cohort, skills):
    keys = sorted(skills)[:9]
    with pytest.raises(InvalidField) as refused:
        profiles.save_leader_request(
            make_person(is_leader=True), make_cohort().id, _details(), _ask(skills, [(k, 2, 3) for k in keys])
        )
    assert refused.value.field == "goals"


@pytest.mark.parametrize(("status", "why"), [("matched", "pairs are prepared"), ("closed", "has finished")])
def test_requests_do_not_change_while_a_cohort_is_matched_or_finished(status, why, make_leader, make_cohort, skills):
    cohort = make_cohort()
    leader = make_leader(cohort)
    cohort.status = status
    db.session.commit()
    with pytest.raises(Conflict, match=why):
        profiles.save_leader_request(leader, cohort.id, _details(), _ask(skills, [("x/etiquette", 2, 3)]))
    with pytest.raises(Conflict, match=why):
        profiles.withdraw_leader_request(leader, cohort.id)
    assert _count(LeaderRequest) == 1


def test_in_a_running_cohort_only_a_leader_without_a_mentor_there_changes_a_request(
    make_leader, make_mentor, make_cohort, skills
):
    # Given a running cohort where one leader has a mentor and another (a late joiner) does not
    cohort = make_cohort(name="Running")
    paired, late = make_leader(cohort), make_leader(cohort)
    mentor = make_mentor(cohort=cohort)
    db.session.add(Match(cohort_id=cohort.id, leader_id=paired.id, mentor_id=mentor.id, status="active"))
    cohort.status = "published"
    db.session.commit()
    ask = _ask(skills, [("x/etiquette", 2, 3)])
    # Then the paired leader's request is settled
    with pytest.raises(Conflict, match="You already have a mentor in Running"):
        profiles.save_leader_request(paired, cohort.id, _details(), ask)
    with pytest.raises(Conflict, match="You already have a mentor in Running"):
        profiles.withdraw_leader_request(paired, cohort.id)
    # And the late joiner's request changes, then is withdrawn
    profiles.save_leader_request(late, cohort.id, _details(), ask)
    profiles.withdraw_leader_request(late, cohort.id)
    assert _count(LeaderRequest) == 1


def test_withdraw_without_a_request_or_by_a_non_leader(make_person, make_cohort, skills):
    cohort = make_cohort()
    ask = _ask(skills, [("x/etiquette", 2, 3)])
    with pytest.raises(NotFound):
        profiles.withdraw_leader_request(make_person(is_leader=True), cohort.id)
    with pytest.raises(Forbidden):
        profiles.save_leader_request(make_person(is_mentor=True), cohort.id, _details(), ask)
    with pytest.raises(NotFound):
        profiles.save_leader_request(make_person(is_leader=True), 999999, _details(), ask)


def test_request_page_finds_only_open_cohorts_or_own_requests(make_leader, make_person, make_cohort):
    closed = make_cohort(status="closed")
    other = make_leader(closed)
    me = make_person(is_leader=True)
    with pytest.raises(NotFound):
        profiles.leader_request(me, closed.id)
    assert profiles.leader_request(other, closed.id).request is not None
    assert profiles.leader_cohorts(me) == []


# ---- published pairs -------------------------------------------------------------------------


def test_stored_reasons_are_explained_in_words_without_zero_point_parts():
    explained = my_pairs.explain([{"criterion": "goals", "points": 40.5}, {"criterion": "timezone", "points": 0}])
    assert [(r.criterion, r.title, r.points) for r in explained] == [("goals", "Skills for the goals", 40.5)]
    assert "goals" in explained[0].description


def test_an_unknown_criterion_still_reads_as_words():
    assert my_pairs.explain([{"criterion": "shared_hobby", "points": 2}])[0].title == "Shared hobby"


def test_only_active_pairs_of_published_or_closed_cohorts_are_shown(make_leader, make_mentor, make_cohort):
    shown, hidden = make_cohort(), make_cohort()
    leader = make_leader(shown)
    mentor = make_mentor(capacity=3)
    publish_pair(shown, leader, mentor)
    publish_pair(hidden, leader, mentor)
    hidden.status = "matched"
    ended_cohort = make_cohort()
    publish_pair(ended_cohort, leader, mentor, status="ended")
    shown.status = "closed"
    db.session.commit()
    assert [view.cohort.id for view in my_pairs.leader_pairs(leader).pairs] == [shown.id]
    assert [view.cohort.id for view in my_pairs.mentor_pairs(mentor).pairs] == [shown.id]
    assert my_pairs.mentor_pairs(mentor).load.matched == 1
