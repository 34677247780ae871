"""The mentor journey: sign up, fill the profile with skills, join a cohort, see the leaders after publish."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import MentorEnrolment, MentorProfile, Person, Skill
from tests.conftest import DEFAULT_PASSWORD, login
from tests.mentoring.journey_helpers import error_near, mentor_form, publish_pair


def _profile(person: Person) -> MentorProfile | None:
    return db.session.execute(select(MentorProfile).where(MentorProfile.person_id == person.id)).scalar_one_or_none()


def _levels(person: Person) -> dict[str, int]:
    profile = _profile(person)
    return {item.skill.key: item.proficiency for item in profile.skills} if profile else {}


def _enrolled(person: Person) -> set[int]:
    query = select(MentorEnrolment.cohort_id).where(MentorEnrolment.person_id == person.id)
    return set(db.session.execute(query).scalars())


def test_mentor_journey_from_sign_up_to_my_leaders(client, skills, make_cohort, make_leader):
    # Given an open cohort and a newly registered mentor
    cohort = make_cohort(name="Spring 2027")
    client.post(
        "/auth/register",
        data={"name": "Ada Mentor", "email": "ada@example.com", "password": DEFAULT_PASSWORD, "as_mentor": "y"},
    )
    ada = db.session.execute(select(Person).where(Person.email == "ada@example.com")).scalar_one()
    login(client, ada)

    # When she opens her profile, the open cohort is offered (ticked for a new mentor) next to the skill grid
    page = client.get("/mentor/profile").get_data(as_text=True)
    assert "Spring 2027" in page
    assert re.search(rf'<input checked[^>]*name="cohorts"[^>]*value="{cohort.id}"', page)
    assert "TikTok" in page and "Personal branding" in page

    # And she saves her details, offer, skills and the cohort
    response = client.post(
        "/mentor/profile",
        data=mentor_form(skills, {"tiktok/short-video": 5, "linkedin/writing-posts": 3}, cohorts=(cohort.id,)),
    )
    assert response.status_code == 302

    # Then everything is stored on her own account
    db.session.expire_all()
    assert _levels(ada) == {"tiktok/short-video": 5, "linkedin/writing-posts": 3}
    assert (_profile(ada).capacity, _profile(ada).hours_per_month) == (2, 6)
    assert (ada.timezone, ada.languages, ada.formats, ada.grade) == ("Europe/London", ["en", "fr"], ["remote"], 2)
    assert _enrolled(ada) == {cohort.id}
    assert "Spring 2027" in client.get("/mentor/leaders").get_data(as_text=True)  # waiting for the matching

    # When the programme publishes a pair with a leader
    grace = make_leader(
        cohort,
        goals=[("tiktok/short-video", 3, 4), ("x/analytics", 1, 2)],
        name="Grace Leader",
        email="grace@example.com",
    )
    publish_pair(cohort, grace, ada)

    # Then "my leaders" shows who, their goals, why this pair, how to reach them, and the load
    page = html.unescape(client.get("/mentor/leaders").get_data(as_text=True))
    for expected in (
        "Grace Leader",
        "Finance",
        "Post weekly on LinkedIn.",
        "I run and bake.",
        "TikTok: Short video",
        "must",
        "X: Analytics",
        'href="mailto:grace@example.com"',
        "Skills for the goals",
        "You teach 1 of their 2 goals at their target level or above.",  # the fact behind the goal points
        "Different departments",
        "<strong>1</strong> of up to <strong>2</strong>",
    ):
        assert expected in page, expected
    assert "A language in common" not in page  # a zero-point criterion is not a reason


def test_profile_edit_changes_skills_and_leaves_a_cohort(login_as, skills, make_mentor, make_cohort):
    # Given a mentor in an open cohort with one skill
    cohort = make_cohort()
    mentor = make_mentor({"linkedin/personal-branding": 4}, cohort=cohort)
    client = login_as(mentor)

    # When they set another skill, drop the first, and untick the cohort
    response = client.post("/mentor/profile", data=mentor_form(skills, {"youtube/analytics": 2}))

    # Then the profile holds only the new skill and they left the cohort
    assert response.status_code == 302
    db.session.expire_all()
    assert _levels(mentor) == {"youtube/analytics": 2}
    assert _enrolled(mentor) == set()


INVALID = [
    ("level out of range", {"skills-0-level": "9"}, "skills-0-level", "Choose a level from 1 to 5."),
    ("level not a number", {"skills-0-level": "lots"}, "skills-0-level", "Choose a level from 1 to 5."),
    ("no skills", {"skills-0-skill": ""}, None, "Choose at least one skill"),
    ("unknown skill", {"skills-0-skill": "999999"}, "skills-0-skill", "Choose a skill from the list."),
    ("bad time zone", {"timezone": "Mars/Olympus"}, "timezone", "We do not know the time zone"),
    ("bio too long", {"bio": "x" * 1001}, "bio", "1000 characters"),
    ("capacity too high", {"capacity": "4"}, "capacity", "Choose 1, 2 or 3 leaders."),
    ("no hours", {"hours_per_month": "0"}, "hours_per_month", "from 1 to 40"),
    ("grade too high", {"grade": "16"}, "grade", "from 1 to 15"),
    ("bad language", {"languages": "english!!"}, "languages", "is not a language we know"),
    ("no format", {"formats": []}, "formats", "at least one way to meet"),
    ("no name", {"name": "  "}, "name", "Enter your name"),
    ("NUL in the bio", {"bio": "hello\x00"}, "bio", "NUL"),
]


@pytest.mark.parametrize(("case", "changes", "field", "message"), INVALID, ids=[case[0] for case in INVALID])
def test_invalid_profile_shows_the_error_next_to_the_field_and_stores_nothing(
    case, changes, field, message, login_as, make_person, skills, make_cohort
):
    # Given a new mentor without a profile and an open cohort
    cohort = make_cohort()
    mentor = make_person(is_mentor=True, timezone="Europe/Madrid")
    client = login_as(mentor)
    data = {**mentor_form(skills, cohorts=(cohort.id,)), **changes}

    # When they send the form
    response = client.post("/mentor/profile", data=data)

    # Then the page shows the message at the field, and nothing was stored
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    if field is None:
        assert message in page.split('id="skills"')[1].split("</section>")[0]
    else:
        assert error_near(page, field, message), page
    db.session.expire_all()
    assert _profile(mentor) is None and _enrolled(mentor) == set()
    assert db.session.get(Person, mentor.id).timezone == "Europe/Madrid"


def test_employee_id_taken_by_someone_else_is_a_field_error(login_as, make_person, make_mentor, skills):
    # Given someone with employee id E123
    make_person(external_id="E123")
    mentor = make_mentor()
    client = login_as(mentor)

    # When a mentor claims the same id
    response = client.post("/mentor/profile", data=mentor_form(skills, external_id="e123"))

    # Then they are told next to the field, and keep no id
    assert error_near(response.get_data(as_text=True), "external_id", "Another account already uses this employee id")
    db.session.expire_all()
    assert db.session.get(Person, mentor.id).external_id is None


def test_retired_skill_is_kept_and_shown_as_retired(login_as, make_mentor, skills):
    # Given a mentor whose skill was retired by a manager
    mentor = make_mentor({"facebook/etiquette": 3})
    db.session.get(Skill, skills["facebook/etiquette"]).retired = True
    db.session.commit()
    client = login_as(mentor)

    # Then it is not offered in the grid but listed as retired
    page = client.get("/mentor/profile").get_data(as_text=True)
    assert f'<option value="{skills["facebook/etiquette"]}"' not in page
    assert "Facebook: Etiquette: level 3/5" in page and "retired" in page

    # And saving other skills keeps it as it was
    client.post("/mentor/profile", data=mentor_form(skills, {"slack/ai-tools": 4}))
    db.session.expire_all()
    assert _levels(mentor) == {"facebook/etiquette": 3, "slack/ai-tools": 4}


def test_only_open_cohorts_can_be_joined(login_as, make_mentor, make_cohort, skills):
    # Given a mentor, and a cohort already past sign-up
    closed = make_cohort(status="matched")
    mentor = make_mentor()
    client = login_as(mentor)

    # When they post its id as a cohort to join
    response = client.post("/mentor/profile", data=mentor_form(skills, cohorts=(closed.id,)))

    # Then they are told, and nothing changed
    assert error_near(
        response.get_data(as_text=True), "cohorts", "no longer open"
    ) or "no longer open" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _enrolled(mentor) == set()


def test_extra_fields_cannot_change_roles_or_someone_else(login_as, make_mentor, make_person, skills):
    # Given a mentor and another person
    other = make_person(name="Other Person", timezone="Asia/Tokyo")
    mentor = make_mentor()
    client = login_as(mentor)

    # When the mentor posts extra fields naming the other person and a role
    data = mentor_form(skills, person_id=str(other.id), role="manager", is_manager="y", id=str(other.id))
    assert client.post("/mentor/profile", data=data).status_code == 302

    # Then only the mentor's own profile changed, and no role was granted
    db.session.expire_all()
    assert db.session.get(Person, mentor.id).name == "Ada Mentor"
    assert not db.session.get(Person, mentor.id).is_manager
    unchanged = db.session.get(Person, other.id)
    assert (unchanged.name, unchanged.timezone) == ("Other Person", "Asia/Tokyo")
    assert _profile(other) is None


def test_my_leaders_shows_only_own_active_published_pairs(login_as, make_mentor, make_leader, make_cohort):
    # Given two mentors, each with a leader in a published cohort, and an ended pair
    cohort = make_cohort()
    mine, theirs = make_mentor(capacity=2), make_mentor(name="Someone Else")
    publish_pair(cohort, make_leader(cohort, name="My Leader"), mine)
    publish_pair(cohort, make_leader(cohort, name="Their Leader"), theirs)
    publish_pair(cohort, make_leader(cohort, name="Former Leader"), mine, status="ended")

    # When the first mentor opens "my leaders"
    page = login_as(mine).get("/mentor/leaders").get_data(as_text=True)

    # Then only their own active pair is there
    assert "My Leader" in page
    assert "Their Leader" not in page and "Someone Else" not in page and "Former Leader" not in page


def test_pairs_are_not_shown_before_publish(login_as, make_mentor, make_leader, make_cohort):
    # Given a pair stored for a cohort that is matched but not published
    cohort = make_cohort()
    mentor = make_mentor(cohort=cohort)
    publish_pair(cohort, make_leader(cohort, name="Not Yet Leader"), mentor)
    cohort.status = "matched"
    db.session.commit()

    # Then "my leaders" says where things stand and names nobody
    page = login_as(mentor).get("/mentor/leaders").get_data(as_text=True)
    assert "Not Yet Leader" not in page
    assert "not matched yet" in page and "reviewing the proposed pairs" in page


@pytest.mark.parametrize(
    "method, path", [("GET", "/mentor/profile"), ("POST", "/mentor/profile"), ("GET", "/mentor/leaders")]
)
@pytest.mark.parametrize("role", ["leader", "manager", "none"])
def test_mentor_pages_are_forbidden_to_others(method, path, role, client, make_person):
    # Given a signed-in person who is not a mentor
    flags = {"leader": {"is_leader": True}, "manager": {"is_manager": True}, "none": {}}[role]
    login(client, make_person(**flags))

    # Then the mentor pages answer 403
    assert client.open(path, method=method).status_code == 403


@pytest.mark.parametrize(
    "method, path", [("GET", "/mentor/profile"), ("POST", "/mentor/profile"), ("GET", "/mentor/leaders")]
)
def test_mentor_pages_send_anonymous_people_to_sign_in(method, path, client):
    response = client.open(path, method=method)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_skills_are_rows_and_more_rows_keep_what_was_typed(login_as, make_mentor, skills):
    # Given a mentor with one skill: the page shows it in a row, then empty rows, and no grid
    mentor = make_mentor({"tiktok/short-video": 4})
    client = login_as(mentor)
    page = client.get("/mentor/profile").get_data(as_text=True)
    assert 'name="skills-0-skill"' in page and 'name="skills-3-skill"' in page and 'name="skills-4-skill"' not in page
    assert "skill-grid" not in page
    # When they ask for more rows without JavaScript
    data = {**mentor_form(skills, {"tiktok/short-video": 4, "x/analytics": 2}), "bio": "Typed", "more_rows": "y"}
    response = client.post("/mentor/profile", data=data)
    # Then the form comes back as typed with three more rows, and nothing is saved
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="skills-4-skill"' in page and "Typed</textarea>" in page
    db.session.expire_all()
    assert _levels(mentor) == {"tiktok/short-video": 4}
    # And choosing one skill in two rows is refused at the row
    twice = {**mentor_form(skills, {"tiktok/short-video": 4}), "skills-1-skill": str(skills["tiktok/short-video"])}
    twice["skills-1-level"] = "2"
    page = client.post("/mentor/profile", data=twice).get_data(as_text=True)
    assert "You chose this skill in another row too." in page
