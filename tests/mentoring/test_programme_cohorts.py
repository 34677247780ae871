"""Cohort pages: access, create and edit with field errors, matching rules, life cycle, participants."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from mentoring.extensions import db
from mentoring.models import AuditEvent, Cohort
from tests.conftest import login
from tests.mentoring.programme_fixtures import flashes

ID_VALUES = {
    "cohort_id": 1,
    "leader_id": 2,
    "mentor_id": 3,
    "rule_id": 1,
    "skill_id": 1,
    "person_id": 1,
    "invitation_id": 1,
    "job_id": 1,
    "match_id": 1,
    "export_id": 1,
}


def programme_urls(app) -> list[tuple[str, str]]:
    """(method, path) of every programme route, ids filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("programme."):
            continue
        path = re.sub(r"<id:(\w+)>", lambda m: str(ID_VALUES[m.group(1)]), rule.rule)
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def audited(action: str) -> int:
    return db.session.execute(select(func.count(AuditEvent.id)).where(AuditEvent.action == action)).scalar_one()


@pytest.mark.parametrize("role", ["mentor", "leader", "anonymous"])
def test_every_programme_page_is_for_managers_only(app, client, make_person, role):
    # Given someone who is not a manager (or nobody signed in)
    if role != "anonymous":
        login(client, make_person(**{f"is_{role}": True}))
    # When they open any programme page or press any programme button
    for method, path in programme_urls(app):
        response = client.open(path, method=method)
        # Then they are refused (signed in) or sent to sign in (anonymous)
        if role == "anonymous":
            assert response.status_code == 302 and "/auth/login" in response.headers["Location"], path
        else:
            assert response.status_code == 403, (method, path)


@pytest.mark.parametrize("cohort_id", ["0", "-1", str(2**63), "abc", "999999"])
def test_cohort_ids_that_do_not_exist_are_not_found(client, make_manager, cohort_id):
    login(client, make_manager())
    for suffix in ("", "/participants", "/review", "/rules", "/attention"):
        assert client.get(f"/programme/cohorts/{cohort_id}{suffix}").status_code == 404
    assert client.post(f"/programme/cohorts/{cohort_id}/run").status_code == 404


def test_the_cohort_list_shows_counts(client, programme):
    login(client, programme.manager)
    page = client.get("/programme/cohorts").text
    row = page[page.index("Spring 2027") :]
    assert re.search(r'<td class="num">3</td>\s*<td class="num">3</td>', row)


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"name": ""}, "name", "Give the cohort a name."),
        ({"name": "x" * 121}, "name", "120"),
        ({"stall_days": "0"}, "stall_days", "between 1 and 365"),
        ({"starts_on": "2027-06-01", "ends_on": "2027-05-01"}, "ends_on", "on or after the start date"),
        ({"starts_on": "someday"}, "starts_on", "Not a valid date"),
        ({"name": "Bad\x00name"}, "name", "NUL"),
    ],
)
def test_cohort_form_errors_are_shown_next_to_the_field(client, make_manager, data, field, message):
    login(client, make_manager())
    form = {"name": "Autumn 2027", "stall_days": "30", **data}
    response = client.post("/programme/cohorts/new", data=form)
    assert response.status_code == 200
    errors = re.findall(rf'id="{field}".*?<p class="error" role="alert">(.*?)</p>', response.text, re.S)
    assert errors and message in errors[0]
    assert db.session.execute(select(func.count(Cohort.id))).scalar_one() == 0


def test_a_duplicate_cohort_name_is_a_field_error(client, programme):
    login(client, programme.manager)
    response = client.post("/programme/cohorts/new", data={"name": "spring 2027", "stall_days": "30"})
    assert "Another cohort already has this name." in response.text
    assert db.session.execute(select(func.count(Cohort.id))).scalar_one() == 1


def test_a_cohort_is_created_open_with_default_stall_limit_and_audited(client, make_manager):
    login(client, make_manager())
    client.post("/programme/cohorts/new", data={"name": "  Autumn   2027 ", "stall_days": "30"})
    cohort = db.session.execute(select(Cohort)).scalar_one()
    assert (cohort.name, cohort.status, cohort.stall_days) == ("Autumn 2027", "open", 30)
    assert audited("cohort.created") == 1


def test_editing_a_cohort(client, programme):
    login(client, programme.manager)
    cohort_id = programme.cohort.id
    assert 'value="Spring 2027"' in client.get(f"/programme/cohorts/{cohort_id}/edit").text
    client.post(
        f"/programme/cohorts/{cohort_id}/edit",
        data={"name": "Spring 2027 (pilot)", "stall_days": "14", "starts_on": "2027-03-01"},
    )
    cohort = db.session.get(Cohort, cohort_id)
    assert (cohort.name, cohort.stall_days, str(cohort.starts_on)) == ("Spring 2027 (pilot)", 14, "2027-03-01")
    assert audited("cohort.updated") == 1


def rules_form(**changes: str) -> dict[str, str]:
    data = {
        "objective": "coverage",
        "same_department": "forbid",
        "reporting_line": "forbid",
        "min_grade_gap": "1",
        "common_language": "y",
        "repeat_pairs": "forbid",
        "min_score": "",
        "max_per_department_per_mentor": "",
        "time_limit_s": "60",
        "weight_goals": "60",
        "weight_language": "5",
        "weight_timezone": "10",
        "weight_format": "5",
        "weight_location": "5",
        "weight_cross_department": "10",
        "weight_repeat_penalty": "20",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_rules_form_shows_the_defaults_and_stores_what_the_library_accepts(client, programme):
    login(client, programme.manager)
    url = f"/programme/cohorts/{programme.cohort.id}/rules"
    page = client.get(url).text
    assert 'name="weight_goals"' in page and 'value="60' in page
    # When the manager turns off the grade gap, allows same-department pairs and raises the language weight
    client.post(
        url, data=rules_form(min_grade_gap="", same_department="allow", weight_language="12.5", common_language=None)
    )
    rules = db.session.get(Cohort, programme.cohort.id).rules
    # Then the complete rules are stored as the library writes them
    assert rules["min_grade_gap"] is None and rules["same_department"] == "allow" and rules["common_language"] is False
    assert rules["weights"]["language"] == 12.5 and set(rules) >= {"objective", "time_limit_s", "weights"}
    assert audited("cohort.rules_changed") == 1


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"objective": "fastest"}, "objective"),
        ({"time_limit_s": "0"}, "time_limit_s"),
        ({"time_limit_s": "5000"}, "time_limit_s"),
        ({"weight_goals": "-3"}, "weight_goals"),
        ({"weight_goals": "lots"}, "weight_goals"),
        ({"max_per_department_per_mentor": "0"}, "max_per_department_per_mentor"),
        ({"min_grade_gap": "nan"}, "min_grade_gap"),
        ({"repeat_pairs": "sometimes"}, "repeat_pairs"),
    ],
)
def test_invalid_rules_are_field_errors(client, programme, changes, field):
    login(client, programme.manager)
    response = client.post(f"/programme/cohorts/{programme.cohort.id}/rules", data=rules_form(**changes))
    assert response.status_code == 200
    assert re.search(rf'id="{field}".*?<p class="error" role="alert">', response.text, re.S)
    assert db.session.get(Cohort, programme.cohort.id).rules == {}


def test_the_life_cycle_open_matched_reopened_published_closed(client, programme):
    login(client, programme.manager)
    base = f"/programme/cohorts/{programme.cohort.id}"

    def status() -> str:
        db.session.expire_all()
        return db.session.get(Cohort, programme.cohort.id).status

    # An open cohort can neither be closed nor reopened
    response = client.post(f"{base}/close", follow_redirects=True)
    assert "Only a published cohort can be closed." in flashes(response.text) and status() == "open"
    client.post(f"{base}/run")
    assert status() == "matched"
    # Reopening a matched cohort keeps its runs
    client.post(f"{base}/reopen")
    assert status() == "open" and "Run 1" in client.get(f"{base}/review").text
    client.post(f"{base}/run")
    client.post(f"{base}/publish")
    assert status() == "published"
    response = client.post(f"{base}/reopen", follow_redirects=True)
    assert status() == "published" and any("cannot" in m or "Only" in m for m in flashes(response.text))
    client.post(f"{base}/close")
    assert status() == "closed" and audited("cohort.closed") == 1 and audited("cohort.reopened") == 1
    # A closed cohort is not run again
    response = client.post(f"{base}/run", follow_redirects=True)
    assert any("closed" in m for m in flashes(response.text))


def test_participants_show_who_is_missing_what_and_filter(client, programme, make_person, make_leader):
    # Given a leader without goals, language or department and a mentor without a profile
    from mentoring.models import Goal, LeaderRequest, MentorEnrolment

    bare = make_leader(programme.cohort, name="Bare Leader", languages=[], department=None)
    db.session.execute(
        Goal.__table__.delete().where(
            Goal.request_id.in_(select(LeaderRequest.id).where(LeaderRequest.person_id == bare.id))
        )
    )
    newcomer = make_person(name="New Mentor", is_mentor=True, department="Sales")
    db.session.add(MentorEnrolment(cohort_id=programme.cohort.id, person_id=newcomer.id))
    db.session.commit()
    login(client, programme.manager)
    url = f"/programme/cohorts/{programme.cohort.id}/participants"
    # When the manager opens the participants page
    page = client.get(url).text
    # Then the missing things are listed in plain words, with counts
    assert "No learning goals" in page and "No language given" in page and "No department" in page
    assert "No mentor profile yet: left out of the matching." in page
    assert '<p class="stat">2</p><p class="stat-label">missing something' in page
    # When filtered to people missing something, or to one role or department
    missing = client.get(url, query_string={"missing": "anything"}).text
    assert "Bare Leader" in missing and "New Mentor" in missing and "Ada Brand" not in missing
    no_goals = client.get(url, query_string={"missing": "goals"}).text
    assert "Bare Leader" in no_goals and "New Mentor" not in no_goals
    no_profile = client.get(url, query_string={"missing": "profile", "role": "mentor"}).text
    assert "New Mentor" in no_profile and "Bare Leader" not in no_profile
    assert "Bare Leader" in client.get(url, query_string={"q": "bare"}).text
    mentors = client.get(url, query_string={"role": "mentor"}).text
    assert "New Mentor" in mentors and "Lena Lead" not in mentors
    sales = client.get(url, query_string={"department": "Sales"}).text
    assert "New Mentor" in sales and "Ada Brand" not in sales
    # And an unknown filter value is ignored rather than failing
    assert client.get(url, query_string={"role": "admin", "department": "<script>"}).status_code == 200
