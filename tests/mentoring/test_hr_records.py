"""People from the HR import: read-only HR fields on their profile, SELF_REGISTRATION, and the imported chain
in the matching (for people who never signed in)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from mentoring.models import Person
from mentoring.services.translators.matching_problem import build_problem
from mentoring.services.usecases import people_import
from tests.mentoring.mail_links import finished, links_to
from tests.mentoring.world import page_form

PASSWORD = "a long pass phrase for hr"
HR_FILE = (
    "employee_id,name,email,department,grade,manager_employee_id,time_zone,languages\n"
    "E1,Lea Leader,lea@corp.example,Finance,12,,Europe/London,en\n"
    "E2,Tom Teamlead,tom@corp.example,Digital,6,E1,Europe/London,en\n"
    "E3,Mo Mentor,mo@corp.example,Digital,2,E2,Europe/Paris,fr;en\n"
)


def imported(text: str = HR_FILE) -> None:
    plan = people_import.plan_import(text.encode())
    assert plan.ok, plan.problems
    people_import.apply_plan(plan, None, "test")


def person(db, email: str) -> Person:
    return db.execute(select(Person).where(Person.email == email)).scalar_one()


def register(client, email: str, name: str = "Someone New"):
    return client.post("/auth/register", data={"name": name, "email": email, "password": PASSWORD, "as_mentor": "y"})


@pytest.fixture
def closed_app(make_app):
    application = make_app(SELF_REGISTRATION="off")
    from tests.conftest import clean_database

    with application.app_context():
        clean_database()
        yield application


def set_password_by_link(app, client, email: str) -> None:
    """Ask for a link to set a password, then follow it, as an imported person does."""
    finished(client.post("/auth/forgot", data={"email": email}))
    path = links_to(app, email, "reset")[-1]
    answer = client.post(path, data={"password": PASSWORD, "confirm": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]


def test_with_registration_off_only_imported_people_get_in_through_an_emailed_link(closed_app):
    from mentoring.extensions import db

    imported()
    client = closed_app.test_client()
    # Nobody can register: the page says accounts come from the HR records, and a POST creates nothing
    stranger = register(client, "stranger@corp.example")
    assert stranger.status_code == 200 and "HR records" in stranger.get_data(as_text=True)
    assert db.session.execute(select(func.count(Person.id))).scalar_one() == 3
    # An imported person sets a password through the link sent to their HR email, on their own row
    set_password_by_link(closed_app, client, "mo@corp.example")
    mo = person(db.session, "mo@corp.example")
    db.session.refresh(mo)
    assert mo.password_hash and mo.name == "Mo Mentor"
    fresh = closed_app.test_client()
    assert fresh.post("/auth/login", data={"email": mo.email, "password": PASSWORD}).status_code == 302


def test_registering_with_an_imported_email_sends_a_link_and_never_sets_the_typed_password(app, client, db):
    imported()
    # Anyone may register a new address
    assert register(client, "stranger@corp.example").status_code == 302
    # Typing an imported person's address does not take over their row: it emails them a link instead
    someone = app.test_client()
    assert finished(register(someone, "tom@corp.example")).status_code == 302
    assert db.execute(select(func.count(Person.id))).scalar_one() == 4
    tom = person(db, "tom@corp.example")
    db.refresh(tom)
    assert tom.password_hash is None
    assert links_to(app, "tom@corp.example", "reset")
    assert someone.post("/auth/login", data={"email": tom.email, "password": PASSWORD}).status_code == 200


def test_hr_fields_are_read_only_on_the_profile_and_the_rest_is_editable(app, client, db, skills):
    imported()
    person(db, "mo@corp.example").is_mentor = True  # as an invitation to mentor makes them
    db.commit()
    set_password_by_link(app, client, "mo@corp.example")
    client.post("/auth/login", data={"email": "mo@corp.example", "password": PASSWORD})

    page = client.get("/mentor/profile").get_data(as_text=True)
    department = re.search(r"<input[^>]*name=\"department\"[^>]*>", page).group()
    bio = re.search(r"<textarea[^>]*name=\"bio\"[^>]*>", page).group()
    assert "From HR records" in page and "readonly" in department and "readonly" not in bio
    form = page_form(page, "bio")
    form.update(department="Made Up", grade="15", bio="I teach TikTok.", formats="remote")
    form["skills-0-skill"], form["skills-0-level"] = str(skills["linkedin/personal-branding"]), "4"
    saved = client.post("/mentor/profile", data=form)

    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    mo = person(db, "mo@corp.example")
    db.refresh(mo)
    assert (mo.department, mo.grade, mo.formats) == ("Digital", 2, ["remote"])
    assert mo.manager_id == person(db, "tom@corp.example").id


def test_the_matching_follows_the_imported_chain_through_people_who_never_signed_in(app, db, make_cohort, skills):
    from mentoring.models import Goal, LeaderRequest, MentorEnrolment, MentorProfile, MentorSkill

    imported()
    cohort = make_cohort()
    lea, mo, tom = person(db, "lea@corp.example"), person(db, "mo@corp.example"), person(db, "tom@corp.example")
    request = LeaderRequest(cohort_id=cohort.id, person_id=lea.id, formats=["remote"])
    request.goals = [Goal(skill_id=skills["linkedin/personal-branding"], priority=3, target_level=3)]
    profile = MentorProfile(person_id=mo.id, capacity=1)
    profile.skills = [MentorSkill(skill_id=skills["linkedin/personal-branding"], proficiency=4)]
    db.add_all([request, profile, MentorEnrolment(cohort_id=cohort.id, person_id=mo.id)])
    db.commit()

    problem = build_problem(cohort).problem

    (leader,), (mentor,) = problem.leaders, problem.mentors
    assert (leader.grade, mentor.grade) == (12, 2)
    assert mentor.manager == str(tom.id)  # Tom never signed in; the import linked him
    assert (str(tom.id), str(lea.id)) in problem.org


def test_the_account_page_shows_what_came_from_hr_and_the_people_page_who_left(app, client, db, make_manager):
    imported()
    # Mo leaves (a row may have fewer cells than the header: the missing ones are empty)
    imported(HR_FILE.replace("languages\n", "languages,status\n").replace("fr;en\n", "fr;en,leaver\n"))
    set_password_by_link(app, client, "tom@corp.example")
    client.post("/auth/login", data={"email": "tom@corp.example", "password": PASSWORD})
    page = client.get("/account/").get_data(as_text=True)
    assert "From HR records" in page and "E2" in page and "Lea Leader" in page  # Tom's manager
    client.post("/auth/logout")

    manager = make_manager()
    client.post("/auth/login", data={"email": manager.email, "password": "a long pass phrase for tests"})
    people = client.get("/programme/people?q=mo").get_data(as_text=True)
    assert "left (HR records)" in people
