"""The leader journey: request a mentor with goals, edit, withdraw, and see the mentor after publish."""

from __future__ import annotations

import html

import pytest
from flask import url_for
from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import LeaderRequest, Person
from tests.conftest import DEFAULT_PASSWORD, login
from tests.mentoring.journey_helpers import error_near, leader_form, publish_pair


def _request(person: Person, cohort_id: int | None = None) -> LeaderRequest | None:
    query = select(LeaderRequest).where(LeaderRequest.person_id == person.id)
    if cohort_id is not None:
        query = query.where(LeaderRequest.cohort_id == cohort_id)
    return db.session.execute(query).scalar_one_or_none()


def _goals(person: Person) -> list[tuple[str, str, int]]:
    request = _request(person)
    return [(g.skill.key, g.priority_label, g.target_level) for g in request.goals] if request else []


def test_leader_journey_request_edit_withdraw_and_see_the_mentor(client, skills, make_cohort, make_mentor):
    # Given one open cohort and a newly registered leader
    cohort = make_cohort(name="Autumn 2027")
    client.post(
        "/auth/register",
        data={"name": "Grace Leader", "email": "grace@example.com", "password": DEFAULT_PASSWORD, "as_leader": "y"},
    )
    grace = db.session.execute(select(Person).where(Person.email == "grace@example.com")).scalar_one()
    login(client, grace)

    # When she opens the request page, the open cohort's form is there
    page = client.get("/leader/request").get_data(as_text=True)
    assert "Autumn 2027" in page and 'name="goals-0-skill"' in page and '<optgroup label="LinkedIn">' in page

    # And she sends goals
    goals = [("linkedin/writing-posts", 3, 4), ("tiktok/short-video", 1, 2)]
    response = client.post(f"/leader/request?cohort={cohort.id}", data=leader_form(skills, goals))
    assert response.status_code == 302
    db.session.expire_all()
    assert _goals(grace) == [("linkedin/writing-posts", "must", 4), ("tiktok/short-video", "nice", 2)]
    assert (grace.timezone, grace.formats, _request(grace).formats) == (
        "Europe/Paris",
        ["remote", "in-person"],
        ["remote", "in-person"],
    )

    # When she edits: drops TikTok, raises the LinkedIn target, adds X analytics (in a later row)
    edited = leader_form(skills, [("linkedin/writing-posts", 3, 5)], achieve="Be heard on X too.")
    edited.update({"goals-3-skill": str(skills["x/analytics"]), "goals-3-priority": "2", "goals-3-target_level": "3"})
    assert client.post(f"/leader/request?cohort={cohort.id}", data=edited).status_code == 302
    db.session.expire_all()
    assert _goals(grace) == [("linkedin/writing-posts", "must", 5), ("x/analytics", "high", 3)]
    assert _request(grace).achieve == "Be heard on X too."

    # When she withdraws, the request is gone; she sends it again
    assert client.post(f"/leader/request/{cohort.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert _request(grace) is None
    client.post(f"/leader/request?cohort={cohort.id}", data=leader_form(skills, goals))
    assert "not matched yet" in client.get("/leader/mentor").get_data(as_text=True)

    # When the programme publishes her pair with a mentor
    mentor = make_mentor(
        {"linkedin/writing-posts": 5, "youtube/short-video": 4},
        name="Ada Mentor",
        email="ada@example.com",
        location="Lyon",
        timezone="Europe/Paris",
    )
    db.session.expire_all()
    publish_pair(cohort, db.session.get(Person, grace.id), mentor)

    # Then "my mentor" shows who, the relevant skills, why this pair and how to get in touch
    page = html.unescape(client.get("/leader/mentor").get_data(as_text=True))
    for expected in (
        "Ada Mentor",
        "Digital",
        "I post every day.",
        "LinkedIn: Writing posts",
        "5/5",
        "Skills for the goals",
        "Different departments",
        'href="mailto:ada@example.com"',
        "Europe/Paris",
        "Lyon",
        "2 hours a month",
    ):
        assert expected in page, expected
    assert "YouTube: Short video" not in page  # not one of her goals
    assert "not matched yet" not in page


INVALID = [
    (
        "duplicate goal skill",
        [("linkedin/writing-posts", 3, 4), ("linkedin/writing-posts", 2, 3)],
        {},
        "goals-1-skill",
        "twice",
    ),
    (
        "target level too high",
        [("linkedin/writing-posts", 3, 4)],
        {"goals-0-target_level": "9"},
        "goals-0-target_level",
        "Choose a level from 1 to 5.",
    ),
    (
        "unknown priority",
        [("linkedin/writing-posts", 3, 4)],
        {"goals-0-priority": "7"},
        "goals-0-priority",
        "Choose must, high or nice.",
    ),
    ("no goals", [], {}, "goals-0-skill", "Add at least one goal"),
    (
        "unknown skill",
        [("linkedin/writing-posts", 3, 4)],
        {"goals-0-skill": "999999"},
        "goals-0-skill",
        "Choose a skill from the list.",
    ),
    (
        "bad time zone",
        [("linkedin/writing-posts", 3, 4)],
        {"timezone": "Europe/Atlantis"},
        "timezone",
        "We do not know the time zone",
    ),
    (
        "three mentors",
        [("linkedin/writing-posts", 3, 4)],
        {"mentors_wanted": "3"},
        "mentors_wanted",
        "Choose 1 or 2 mentors.",
    ),
    ("about me too long", [("linkedin/writing-posts", 3, 4)], {"about_me": "y" * 2001}, "about_me", "2000 characters"),
]


@pytest.mark.parametrize(("case", "goals", "changes", "field", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_request_shows_the_error_next_to_the_field_and_stores_nothing(
    case, goals, changes, field, message, login_as, make_person, make_cohort, skills
):
    # Given a leader without a request and an open cohort
    cohort = make_cohort()
    leader = make_person(is_leader=True, timezone="America/Chicago")
    client = login_as(leader)

    # When they send an invalid request
    response = client.post(f"/leader/request?cohort={cohort.id}", data=leader_form(skills, goals, **changes))

    # Then the message is shown at the field and nothing is stored
    assert response.status_code == 200
    assert error_near(response.get_data(as_text=True), field, message)
    db.session.expire_all()
    assert _request(leader) is None
    assert db.session.get(Person, leader.id).timezone == "America/Chicago"


def test_duplicate_error_points_at_the_row_it_came_from(login_as, make_person, make_cohort, skills):
    # Given goals in rows 0 and 5 (rows between left empty) naming the same skill
    cohort = make_cohort()
    client = login_as(make_person(is_leader=True))
    data = leader_form(skills, [("x/etiquette", 2, 3)])
    data.update({"goals-5-skill": str(skills["x/etiquette"]), "goals-5-priority": "1", "goals-5-target_level": "2"})

    # Then the error sits at row 5
    page = client.post(f"/leader/request?cohort={cohort.id}", data=data).get_data(as_text=True)
    assert error_near(page, "goals-5-skill", "twice")


@pytest.mark.parametrize(
    ("status", "sentence"),
    [
        ("matched", "Sign-up for Winter 2026 has closed while its pairs are prepared"),
        ("closed", "Winter 2026 has finished, so it takes no more requests"),
    ],
)
def test_a_request_past_sign_up_and_not_running_is_read_only(
    status, sentence, login_as, make_leader, make_cohort, skills
):
    # Given a leader whose cohort is being matched, or has finished
    cohort = make_cohort(name="Winter 2026")
    leader = make_leader(cohort, goals=[("blogs/writing-posts", 2, 3)])
    cohort.status = status
    db.session.commit()
    client = login_as(leader)

    # Then the request is shown without a form, with a sentence saying why
    page = html.unescape(client.get(f"/leader/request?cohort={cohort.id}").get_data(as_text=True))
    assert sentence in page and "Blogs: Writing posts" in page
    assert 'name="goals-0-skill"' not in page and "Withdraw my request" not in page

    # And posting a change or a withdrawal changes nothing, and says why (never a 500)
    response = client.post(
        f"/leader/request?cohort={cohort.id}", data=leader_form(skills, [("x/analytics", 3, 5)]), follow_redirects=True
    )
    assert response.status_code == 200 and sentence in html.unescape(response.get_data(as_text=True))
    response = client.post(f"/leader/request/{cohort.id}/withdraw", follow_redirects=True)
    assert response.status_code == 200 and sentence in html.unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert _goals(leader) == [("blogs/writing-posts", "high", 3)]


def test_several_open_cohorts_offer_a_choice(login_as, make_person, make_cohort):
    # Given two open cohorts
    first, second = make_cohort(name="North"), make_cohort(name="South")
    client = login_as(make_person(is_leader=True))

    # Then the page asks which one, with a link to each, and no form yet
    page = client.get("/leader/request").get_data(as_text=True)
    assert f"/leader/request?cohort={first.id}" in page and f"/leader/request?cohort={second.id}" in page
    assert 'name="goals-0-skill"' not in page
    assert 'name="goals-0-skill"' in client.get(f"/leader/request?cohort={second.id}").get_data(as_text=True)


@pytest.mark.parametrize("value", ["0", "-1", "abc", str(2**63), "1.5", ""])
def test_bad_cohort_argument_is_not_found(value, login_as, make_person, make_cohort):
    make_cohort()
    client = login_as(make_person(is_leader=True))
    assert client.get(f"/leader/request?cohort={value}").status_code == 404


def test_someone_elses_request_is_never_shown_or_changed(login_as, make_leader, make_person, make_cohort, skills):
    # Given another leader's request in a cohort now past sign-up, and an open cohort
    past = make_cohort(status="matched")
    other = make_leader(past, goals=[("podcasts/analytics", 3, 5)], name="Other Leader")
    current = make_cohort()
    me = make_person(is_leader=True)
    client = login_as(me)

    # Then their cohort is not found for me
    assert client.get(f"/leader/request?cohort={past.id}").status_code == 404
    assert client.post(f"/leader/request/{past.id}/withdraw").status_code == 404

    # And extra fields naming them, a role or their cohort only ever touch my own request in the open cohort
    data = leader_form(
        skills, person_id=str(other.id), role="manager", is_manager="y", cohort_id=str(past.id), request_id="1"
    )
    assert client.post(f"/leader/request?cohort={current.id}", data=data).status_code == 302
    db.session.expire_all()
    assert _request(me, current.id) is not None and _request(me, past.id) is None
    assert _goals(other) == [("podcasts/analytics", "must", 5)]
    assert not db.session.get(Person, me.id).is_manager
    assert db.session.get(Person, other.id).name == "Other Leader"


def test_my_mentor_shows_only_own_pairs(app, login_as, make_leader, make_mentor, make_cohort):
    # Given two published pairs in one cohort
    cohort = make_cohort()
    me, other = make_leader(cohort), make_leader(cohort, name="Other Leader")
    mine = publish_pair(cohort, me, make_mentor(name="My Mentor"))
    theirs = publish_pair(cohort, other, make_mentor(name="Their Mentor"))

    # Then my page names my mentor only, and links to our sessions page
    page = login_as(me).get("/leader/mentor").get_data(as_text=True)
    assert "My Mentor" in page and "Their Mentor" not in page and "Other Leader" not in page
    with app.test_request_context():
        assert f'href="{url_for("sessions.pair", match_id=mine.id)}"' in page
        assert url_for("sessions.pair", match_id=theirs.id) not in page


def test_leader_without_a_match_after_publish_is_told(login_as, make_leader, make_cohort):
    cohort = make_cohort()
    leader = make_leader(cohort)
    cohort.status = "published"
    db.session.commit()
    page = login_as(leader).get("/leader/mentor").get_data(as_text=True)
    assert "could not find a mentor" in page


LEADER_ROUTES = [
    ("GET", "/leader/request"),
    ("POST", "/leader/request"),
    ("GET", "/leader/mentor"),
    ("POST", "/leader/request/1/withdraw"),
]


@pytest.mark.parametrize("method, path", LEADER_ROUTES)
@pytest.mark.parametrize("role", ["mentor", "manager", "none"])
def test_leader_pages_are_forbidden_to_others(method, path, role, client, make_person, make_cohort):
    make_cohort()
    flags = {"mentor": {"is_mentor": True}, "manager": {"is_manager": True}, "none": {}}[role]
    login(client, make_person(**flags))
    assert client.open(path, method=method).status_code == 403


@pytest.mark.parametrize("method, path", LEADER_ROUTES)
def test_leader_pages_send_anonymous_people_to_sign_in(method, path, client):
    response = client.open(path, method=method)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
