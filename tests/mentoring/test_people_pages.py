"""People's pages: every goal on the pair page with advice, facts behind "why this pair", sign-in at registration,
pickers that take city and language names, one message per password problem, consistent wording."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from mentoring.extensions import db
from mentoring.forms import parse_languages
from mentoring.locale_names import language_name, resolve_language, resolve_timezone
from mentoring.models import Person
from mentoring.services.readmodels.pair_facts import working_hours_overlap
from tests.conftest import login

pytestmark = pytest.mark.usefixtures("app")

BRANDING, VIDEO, ANALYTICS = "linkedin/personal-branding", "tiktok/short-video", "x/analytics"


def test_the_pair_page_shows_every_goal_with_coverage_and_advice(client, make_pair, make_mentor):
    # Given a leader with three goals: one her mentor teaches, one he knows a little, one nobody teaches
    max_mentor = make_mentor(skill_levels={BRANDING: 4, VIDEO: 2}, name="Max Mentor")
    match = make_pair(
        goals=[(BRANDING, 3, 3), (VIDEO, 3, 4), (ANALYTICS, 1, 2)], mentor_person=max_mentor, leader={"name": "Lena"}
    )
    # And another mentor who teaches short video well
    make_mentor(skill_levels={VIDEO: 5}, name="Vera Video")
    login(client, match.leader)
    # When she opens "My mentor"
    page = html.unescape(client.get("/leader/mentor").get_data(as_text=True))
    # Then all three goals are there, each with what her mentor can do and, where short, what to do
    assert "Personal branding" in page and "they teach it" in page
    assert "Short video" in page and "know it at level 2/5" in page
    assert "1 other mentor in the programme teach" in page
    assert "Analytics" in page and "not taught" in page
    assert "No mentor in the programme teaches it yet" in page


def test_why_this_pair_states_the_facts(client, make_pair):
    match = make_pair(
        leader={"languages": ["en", "fr"], "timezone": "Europe/London", "department": "Finance"},
        mentor={"languages": ["fr", "de"], "timezone": "Europe/Paris", "department": "Digital"},
    )
    match.reasons = [
        {"criterion": "language", "points": 2.5},
        {"criterion": "timezone", "points": 8.0},
        {"criterion": "cross_department", "points": 10.0},
        {"criterion": "format", "points": 5.0},
    ]
    db.session.commit()
    login(client, match.leader)
    page = html.unescape(client.get("/leader/mentor").get_data(as_text=True))
    assert "You share French." in page
    assert "7 of your working hours (9:00-17:00) overlap today." in page
    assert "You work in Finance, they work in Digital." in page
    assert "You can both meet remotely." in page


def test_working_hours_overlap():
    assert working_hours_overlap("Europe/London", "Europe/London") == 8
    assert working_hours_overlap("Europe/London", "Asia/Tokyo") == 0
    assert working_hours_overlap("Europe/London", None) is None


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("London", "Europe/London"),
        ("new york", "America/New_York"),
        ("Europe/Paris", "Europe/Paris"),
        ("San Francisco", "America/Los_Angeles"),
        ("Mumbai", "Asia/Kolkata"),
        ("Atlantis", None),
    ],
)
def test_time_zones_resolve_from_city_names(typed, zone):
    assert resolve_timezone(typed) == zone


def test_languages_resolve_from_names_and_codes():
    assert parse_languages("English, French") == ["en", "fr"]
    assert parse_languages("en fr") == ["en", "fr"]
    assert parse_languages(f"{language_name('pt-br')}, German") == ["pt-br", "de"]
    assert resolve_language("Klingon") is None
    with pytest.raises(ValueError, match="Klingon"):
        parse_languages("English, Klingon")


def test_the_profile_form_takes_a_city_and_language_names(client, make_mentor, skills):
    from tests.mentoring.journey_helpers import mentor_form

    ada = make_mentor(name="Ada")
    login(client, ada)
    page = client.get("/mentor/profile").get_data(as_text=True)
    assert 'list="timezone-names"' in page and '<option value="Europe/London">' in page
    assert '<option value="English">' in page and "English" in page
    body = {**mentor_form(skills, {"tiktok/short-video": 4}), "timezone": "New York", "languages": "English, Spanish"}
    assert client.post("/mentor/profile", data=body).status_code == 302
    db.session.expire_all()
    assert (ada.timezone, ada.languages) == ("America/New_York", ["en", "es"])


def test_a_short_password_gets_one_message(client):
    response = client.post(
        "/auth/register", data={"name": "Nia", "email": "nia@example.com", "password": "short", "as_leader": "y"}
    )
    page = response.get_data(as_text=True)
    assert page.count('class="error" role="alert"') == 1 and "at least" in page
    assert db.session.execute(select(Person).where(Person.email == "nia@example.com")).first() is None


def test_the_leader_button_says_update_after_sending(app, client, make_cohort, make_leader, make_person):
    cohort = make_cohort()
    leader = make_leader(cohort)
    login(client, leader)
    assert "Update my request" in client.get(f"/leader/request?cohort={cohort.id}").get_data(as_text=True)
    newcomer = make_person(is_leader=True)
    other = app.test_client()
    login(other, newcomer)
    page = other.get(f"/leader/request?cohort={cohort.id}").get_data(as_text=True)
    assert "Send my request" in page and "Update my request" not in page


def test_health_says_on_track_for_pairs_meeting_well(client, make_pair, make_manager):
    match = make_pair()
    manager = make_manager()
    login(client, manager)
    page = client.get(f"/health/cohorts/{match.cohort_id}").get_data(as_text=True)
    assert ">active<" not in page


def test_a_past_session_is_recorded_as_held_from_the_pair_page(client, make_pair, skills):
    from datetime import UTC, datetime, timedelta

    from mentoring.models import Meeting, Notification

    match = make_pair()
    login(client, match.mentor)
    page = client.get(f"/sessions/pair/{match.id}").get_data(as_text=True)
    assert "Record a session you already held" in page
    day = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    body = {
        "past-date": day,
        "past-time": "10:00",
        "past-duration": "45",
        "past-format": "remote",
        "past-skills": str(skills[BRANDING]),
    }
    response = client.post(f"/sessions/pair/{match.id}/record", data=body)
    assert response.status_code == 302
    meeting = db.session.execute(select(Meeting).where(Meeting.match_id == match.id)).scalar_one()
    assert meeting.status == "held" and meeting.logged_at is not None and meeting.duration_minutes == 45
    assert db.session.execute(
        select(Notification).where(Notification.person_id == match.leader_id, Notification.kind == "meeting-held")
    ).scalar_one()
    # The same time again overlaps; a future date is for a proposal
    again = client.post(f"/sessions/pair/{match.id}/record", data=body)
    assert again.status_code == 400 and "overlaps" in again.get_data(as_text=True)
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    ahead = client.post(f"/sessions/pair/{match.id}/record", data={**body, "past-date": future})
    assert ahead.status_code == 400 and "Choose a date in the past" in ahead.get_data(as_text=True)
    assert len(db.session.execute(select(Meeting).where(Meeting.match_id == match.id)).scalars().all()) == 1
