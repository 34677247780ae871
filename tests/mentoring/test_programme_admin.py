"""Skill catalogue, people and roles, and the audit log, as a manager uses them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from mentoring.extensions import db
from mentoring.models import AuditEvent, LoginSession, Person, Skill
from mentoring.services.infra import audit
from tests.conftest import DEFAULT_PASSWORD, login
from tests.mentoring.programme_fixtures import flashes


def skill(key: str) -> Skill | None:
    return db.session.execute(select(Skill).where(Skill.key == key)).scalar_one_or_none()


def audited(action: str) -> int:
    return db.session.execute(select(func.count(AuditEvent.id)).where(AuditEvent.action == action)).scalar_one()


@pytest.fixture
def manager(client, make_manager):
    person = make_manager(name="Mia Manager")
    login(client, person)
    return person


def test_the_catalogue_is_listed_by_platform(client, manager):
    page = client.get("/programme/skills").text
    assert page.index("<h2>Blogs</h2>") < page.index("<h2>LinkedIn</h2>") < page.index("<h2>YouTube</h2>")
    assert "LinkedIn: Personal branding" in page and "linkedin/personal-branding" in page


@pytest.mark.parametrize(
    "form, key, name",
    [
        ({"platform": "Threads", "competency": "Writing posts"}, "threads/writing-posts", "Threads: Writing posts"),
        (
            {"platform": "LinkedIn", "name": "LinkedIn Live events"},
            "linkedin/linkedin-live-events",
            "LinkedIn Live events",
        ),
        (
            {"platform": " Bluesky ", "competency": "Community  building", "name": "Bluesky communities"},
            "bluesky/community-building",
            "Bluesky communities",
        ),
    ],
)
def test_adding_a_skill_derives_its_key(client, manager, form, key, name):
    response = client.post("/programme/skills/new", data=form, follow_redirects=True)
    assert f"Added {name}." in flashes(response.text)
    added = skill(key)
    assert added is not None and added.name == name and not added.retired
    assert audited("skill.added") == 1


@pytest.mark.parametrize(
    "form, field, message",
    [
        ({"platform": "LinkedIn", "competency": "Analytics", "name": "X: Analytics"}, "name", "exists already"),
        ({"platform": "LinkedIn", "competency": "analytics!"}, "competency", "exists already as 'LinkedIn: Analytics'"),
        ({"platform": "", "competency": "Analytics"}, "platform", "Name the platform"),
        ({"platform": "Threads"}, "competency", "Give a competency, or a name"),
        ({"platform": "Threads", "competency": "!!!"}, "competency", "at least one letter or digit"),
        ({"platform": "T" * 61, "competency": "Writing"}, "platform", "60"),
    ],
)
def test_a_refused_skill_is_a_field_error(client, manager, form, field, message):
    before = db.session.execute(select(func.count(Skill.id))).scalar_one()
    response = client.post("/programme/skills/new", data=form)
    assert response.status_code == 200
    errors = re.findall(rf'id="{field}".*?<p class="error" role="alert">(.*?)</p>', response.text, re.S)
    assert errors and message in errors[0].replace("&#39;", "'")
    assert db.session.execute(select(func.count(Skill.id))).scalar_one() == before


def test_renaming_keeps_the_key_and_refuses_a_taken_name(client, manager):
    target = skill("x/analytics")
    url = f"/programme/skills/{target.id}"
    client.post(url, data={"name": "X (Twitter): Analytics"})
    db.session.expire_all()
    assert skill("x/analytics").name == "X (Twitter): Analytics" and audited("skill.renamed") == 1
    response = client.post(url, data={"name": "linkedin: analytics"})
    assert "A skill named &#39;linkedin: analytics&#39; exists already." in response.text
    assert skill("x/analytics").name == "X (Twitter): Analytics"


def test_retire_and_offer_again(client, manager):
    target = skill("facebook/short-video")
    client.post(f"/programme/skills/{target.id}/retire")
    db.session.expire_all()
    assert skill("facebook/short-video").retired and "retired" in client.get("/programme/skills").text
    client.post(f"/programme/skills/{target.id}/unretire")
    db.session.expire_all()
    assert not skill("facebook/short-video").retired
    assert audited("skill.retired") == 1 and audited("skill.unretired") == 1


def test_unknown_skill_ids_are_not_found(client, manager):
    for path in ("/programme/skills/99999", "/programme/skills/0"):
        assert client.get(path).status_code == 404
    assert client.post("/programme/skills/99999/retire").status_code == 404


def test_people_search_finds_by_name_email_or_department(client, manager, make_person):
    make_person(name="Zoe Zimmer", email="zoe@example.com", department="Legal")
    make_person(name="Yan 100% Sure", department="Sales")
    assert "Zoe Zimmer" in client.get("/programme/people", query_string={"q": "zimm"}).text
    assert "Zoe Zimmer" in client.get("/programme/people", query_string={"q": "ZOE@EXAMPLE"}).text
    legal = client.get("/programme/people", query_string={"q": "legal"}).text
    assert "Zoe Zimmer" in legal and "Yan 100% Sure" not in legal
    # A % in the search is a character, not a wildcard
    percent = client.get("/programme/people", query_string={"q": "0%"}).text
    assert "Yan 100% Sure" in percent and "Zoe Zimmer" not in percent


def test_a_manager_changes_roles_and_the_change_is_audited(client, manager, make_person):
    person = make_person(name="Role Change", is_mentor=True)
    client.post(
        f"/programme/people/{person.id}/roles", data={f"p{person.id}-leader": "y", f"p{person.id}-manager": "y"}
    )
    db.session.expire_all()
    changed = db.session.get(Person, person.id)
    assert changed.roles == ["leader", "manager"] and audited("role.changed") == 1


def test_a_manager_cannot_remove_their_own_manager_role(client, manager):
    response = client.post(
        f"/programme/people/{manager.id}/roles", data={f"p{manager.id}-mentor": "y"}, follow_redirects=True
    )
    assert "You cannot remove your own manager role." in flashes(response.text)
    assert db.session.get(Person, manager.id).is_manager


def test_disabling_ends_the_persons_sessions_and_enabling_lets_them_back(app, client, manager, make_person):
    # Given a mentor signed in on another browser
    person = make_person(name="Dis Abled", is_mentor=True)
    other = app.test_client()
    login(other, person)
    # When the manager disables the account
    client.post(f"/programme/people/{person.id}/disable")
    # Then their session has ended and they cannot sign in
    db.session.expire_all()
    assert not db.session.get(Person, person.id).is_active
    live = select(func.count(LoginSession.id)).where(
        LoginSession.person_id == person.id, LoginSession.revoked_at.is_(None)
    )
    assert db.session.execute(live).scalar_one() == 0
    assert other.get("/account/").status_code == 302
    # When enabled again
    client.post(f"/programme/people/{person.id}/enable")
    db.session.expire_all()
    assert db.session.get(Person, person.id).is_active
    assert audited("account.disabled") == 1 and audited("account.enabled") == 1


def test_a_manager_cannot_disable_themself(client, manager):
    response = client.post(f"/programme/people/{manager.id}/disable", follow_redirects=True)
    assert "You cannot disable your own account." in flashes(response.text)


def test_unknown_people_are_not_found(client, manager):
    assert client.post("/programme/people/99999/disable").status_code == 404
    assert client.post("/programme/people/99999/roles", data={}).status_code == 404


def test_the_audit_log_is_newest_first_filterable_and_plain_text(client, manager, make_person):
    # Given events, one naming a person whose name holds a newline and markup
    odd = make_person(name="Eve\n<script>alert(1)</script>")
    audit.record("skill.added", actor=manager, object_type="skill", object_id=1, detail="first-event")
    audit.record("role.changed", actor=odd, object_type="person", object_id=odd.id, detail="second-event")
    db.session.commit()
    # When the manager opens the log
    page = client.get("/programme/audit").text
    # Then the newest event comes first, and the name is shown as text on one line
    assert page.index("second-event") < page.index("first-event")
    assert "<script>alert(1)</script>" not in page and "Eve &lt;script&gt;" in page
    # And filtering by action shows only that action
    filtered = client.get("/programme/audit", query_string={"action": "skill.added"}).text
    assert "first-event" in filtered and "second-event" not in filtered
    assert client.get("/programme/audit", query_string={"action": "no-such"}).status_code == 200


def test_forms_carry_their_csrf_token_when_csrf_is_on(make_app, make_manager, make_person):
    # Given the app with CSRF protection on, as in production
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        manager = make_manager()
        person = make_person(name="Token Holder", is_mentor=True)
        manager_email, person_id = manager.email, person.id
    page = client.get("/auth/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/auth/login", data={"email": manager_email, "password": DEFAULT_PASSWORD, "csrf_token": token})
    # When the manager saves roles from the people page, using the row's own form
    page = client.get("/programme/people").text
    row_token = re.search(rf'name="p{person_id}-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    refused = client.post(f"/programme/people/{person_id}/roles", data={f"p{person_id}-leader": "y"})
    client.post(
        f"/programme/people/{person_id}/roles",
        data={f"p{person_id}-leader": "y", f"p{person_id}-csrf_token": row_token},
    )
    # Then a post without the token is refused, and the one with it is applied
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.get(Person, person_id).roles == ["leader"]
