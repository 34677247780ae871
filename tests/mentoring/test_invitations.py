"""Invitations: pick people by department and grade, invite them to a cohort, and follow the one-time link
to "set your password" and on to the cohort's form; resend, expiry, disabling, and the counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import AuditEvent, Invitation, MentorEnrolment, OneTimeToken, Person
from mentoring.services.usecases import accounts
from tests.mentoring.mail_links import finished, links_to
from tests.mentoring.test_query_counts import queries_for

PASSWORD = "a brand new pass phrase for me"


def imported(make_person, **overrides) -> Person:
    """A person brought in by the HR import: an employee id, no password yet."""
    overrides.setdefault("external_id", f"E{overrides.get('email', 'x')}")
    return make_person(password_hash=None, **overrides)


def invite(client, cohort, people, role: str = "mentor", **args):
    """Post the invite form for these people, and let the emails go."""
    data = {"role": role, "people": [str(person.id) for person in people]}
    return finished(client.post(f"/programme/cohorts/{cohort.id}/invite", data=data, query_string=args))


def test_the_manager_filters_people_by_department_grade_and_cohort(login_as, make_manager, make_person, make_cohort):
    cohort = make_cohort()
    client = login_as(make_manager(department="People", grade=9))
    make_person(name="Ann Sales", department="Sales", grade=2)
    make_person(name="Bob Sales", department="Sales", grade=7)
    make_person(name="Cy Sales", department="Sales", grade=3, is_active=False)
    make_person(name="Dee Finance", department="Finance", grade=3)
    page = client.get(f"/programme/cohorts/{cohort.id}/invite?department=Sales&grade_min=1&grade_max=4").text
    assert "Ann Sales" in page and "Bob Sales" not in page and "Cy Sales" not in page and "Dee Finance" not in page
    assert '<label for="grade_min">Grade from</label>' in page
    # An upside-down range says so and shows everyone rather than failing
    page = client.get(f"/programme/cohorts/{cohort.id}/invite?grade_min=9&grade_max=2").text
    assert "The upper grade must be at least the lower one." in page and "Dee Finance" in page


def test_not_yet_in_a_cohort_leaves_out_enrolled_mentors_and_asking_leaders(
    login_as, make_manager, make_mentor, make_leader, make_person, make_cohort
):
    cohort = make_cohort()
    client = login_as(make_manager(name="Mia Manager"))
    make_mentor(name="Enrolled Mentor", cohort=cohort)
    make_leader(cohort, name="Asking Leader")
    make_person(name="Free Person")
    page = client.get(f"/programme/cohorts/{cohort.id}/invite?not_in_cohort=y").text
    assert "Free Person" in page and "Enrolled Mentor" not in page and "Asking Leader" not in page


def test_the_list_is_paged_and_its_queries_do_not_grow_with_it(login_as, make_manager, make_person, make_cohort):
    cohort = make_cohort()
    client = login_as(make_manager(name="Aaa Manager"))
    path = f"/programme/cohorts/{cohort.id}/invite"
    for n in range(5):
        make_person(name=f"Person {n:03d}")
    client.get(path)
    few = queries_for(client, path)
    for n in range(5, 60):
        person = make_person(name=f"Person {n:03d}")
        db.session.add(Invitation(cohort_id=cohort.id, person_id=person.id, role="mentor"))
    db.session.commit()
    many = queries_for(client, path)
    assert many == few
    first, second = client.get(path).text, client.get(path + "?page=2").text
    assert "Page 1 of 2" in first and "Person 048" in first and "Person 049" not in first
    assert "Person 049" in second and "Person 059" in second
    assert client.get(path + "?page=999999").status_code == 200
    assert client.get(path + "?page=-1&grade_min=x&cohort_id=3").status_code == 200


def test_an_imported_person_is_invited_sets_a_password_and_lands_enrolled_on_the_profile(
    app, login_as, make_manager, make_person, make_cohort
):
    # Given an open cohort and an imported person with no password
    cohort = make_cohort(name="Spring 2027")
    manager = make_manager()
    ada = imported(make_person, name="Ada Imported", email="ada@example.com")
    client = login_as(manager)
    # When the manager invites her as a mentor
    response = invite(client, cohort, [ada])
    assert response.headers["Location"] == f"/programme/cohorts/{cohort.id}/invitations"
    page = client.get(response.headers["Location"]).text
    assert "1 invitation(s) are on their way." in page and "not yet answered" in page
    # Then she gets one link, which lands on "set your password"
    [link] = links_to(app, "ada@example.com", "invitation")
    browser = app.test_client()
    page = browser.get(link).text
    assert "Set your password" in page and "Spring 2027 as a mentor" in page and 'autocomplete="new-password"' in page
    # And setting it signs her in, as a mentor enrolled in the cohort, on her mentor profile
    response = browser.post(link, data={"password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/mentor/profile"
    assert browser.get("/mentor/profile").status_code == 200
    enrolled = select(MentorEnrolment).where(
        MentorEnrolment.person_id == ada.id, MentorEnrolment.cohort_id == cohort.id
    )
    assert db.session.execute(enrolled).scalar_one()
    # The link works once; she can now sign in with the password
    assert browser.post(link, data={"password": PASSWORD}).status_code == 410
    assert app.test_client().post("/auth/login", data={"email": ada.email, "password": PASSWORD}).status_code == 302
    # And the cohort page counts her as joined
    page = client.get(f"/programme/cohorts/{cohort.id}").text
    assert "1 invited · 1 joined · 0 not yet answered" in page


def test_a_leader_lands_on_the_request_form_of_the_cohort(app, login_as, make_manager, make_person, make_cohort):
    make_cohort(name="Another open one")
    cohort = make_cohort(name="Autumn 2027")
    grace = imported(make_person, name="Grace Leader", email="grace@example.com", grade=9)
    invite(login_as(make_manager()), cohort, [grace], role="leader")
    browser = app.test_client()
    response = browser.post(links_to(app, grace.email, "invitation")[0], data={"password": PASSWORD})
    assert response.headers["Location"] == f"/leader/request?cohort={cohort.id}"
    page = browser.get(response.headers["Location"]).text
    assert "Autumn 2027" in page and 'name="goals-0-skill"' in page
    assert db.session.get(Person, grace.id).is_leader


def test_resending_sends_a_new_link_and_ends_the_old_one(app, login_as, make_manager, make_person, make_cohort):
    cohort = make_cohort()
    person = imported(make_person, email="bo@example.com")
    client = login_as(make_manager())
    invite(client, cohort, [person])
    invitation = db.session.execute(select(Invitation)).scalar_one()
    resend = f"/programme/cohorts/{cohort.id}/invitations/{invitation.id}/resend"
    assert finished(client.post(resend)).status_code == 302
    old, new = links_to(app, person.email, "invitation")
    assert app.test_client().get(old).status_code == 410
    assert app.test_client().get(new).status_code == 200
    assert db.session.get(Invitation, invitation.id).times_sent == 2
    # Another cohort's invitation id in the URL is no invitation of this cohort
    assert client.post(f"/programme/cohorts/{make_cohort().id}/invitations/{invitation.id}/resend").status_code == 404


def test_a_link_runs_out_after_7_days_and_when_the_person_is_disabled(
    app, login_as, make_manager, make_person, make_cohort
):
    cohort = make_cohort()
    manager = make_manager()
    late, leaver = imported(make_person, email="late@example.com"), imported(make_person, email="gone@example.com")
    client = login_as(manager)
    invite(client, cohort, [late, leaver])
    db.session.execute(
        OneTimeToken.__table__.update()
        .where(OneTimeToken.person_id == late.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.execute(
        Invitation.__table__.update()
        .where(Invitation.person_id == late.id)
        .values(last_sent_at=utcnow() - timedelta(days=7, seconds=1))
    )
    db.session.commit()
    accounts.set_active(manager, leaver, False)
    for email in (late.email, leaver.email):
        assert app.test_client().get(links_to(app, email, "invitation")[0]).status_code == 410
    page = client.get(f"/programme/cohorts/{cohort.id}/invitations").text
    assert "link run out" in page and "account disabled" in page


def test_a_closed_cohort_takes_no_invitations(login_as, make_manager, make_person, make_cohort) -> None:
    cohort = make_cohort(status="closed")
    client = login_as(make_manager())
    response = invite(client, cohort, [make_person()])
    assert response.status_code == 200 and "Invitations go to open cohorts only" in response.text
    assert db.session.execute(select(Invitation)).first() is None


@pytest.mark.parametrize("people", [[], ["abc"], ["99999"]])
def test_nothing_ticked_or_unknown_ids_write_nothing(login_as, make_manager, make_cohort, people) -> None:
    cohort = make_cohort()
    client = login_as(make_manager())
    response = client.post(f"/programme/cohorts/{cohort.id}/invite", data={"role": "mentor", "people": people})
    assert response.status_code in (200, 302)
    assert db.session.execute(select(Invitation)).first() is None


def test_invitations_are_audited_without_links(app, login_as, make_manager, make_person, make_cohort) -> None:
    cohort = make_cohort()
    person = imported(make_person, email="audit@example.com")
    client = login_as(make_manager())
    invite(client, cohort, [person])
    link = links_to(app, person.email, "invitation")[0]
    app.test_client().post(link, data={"password": PASSWORD})
    events = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    actions = [event.action for event in events]
    assert "invitation.created" in actions and "invitation.accepted" in actions
    token = link.rsplit("/", 1)[1]
    assert all(token not in f"{e.detail} {e.object_id} {e.actor_label}" for e in events)
    assert all(PASSWORD not in f"{e.detail} {e.object_id}" for e in events)


def test_with_passwords_off_the_link_joins_without_a_password(app, login_as, make_manager, make_person, make_cohort):
    cohort = make_cohort()
    person = imported(make_person, email="sso@example.com")
    invite(login_as(make_manager()), cohort, [person])
    app.config.update(PASSWORD_SIGN_IN=False, OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="x")
    browser = app.test_client()
    link = links_to(app, person.email, "invitation")[0]
    page = browser.get(link).text
    assert "company account" in page and 'name="password"' not in page
    assert browser.post(link).headers["Location"] == "/mentor/profile"
    assert db.session.get(Person, person.id).password_hash is None


def test_an_invitation_still_being_sent_is_waiting_not_run_out(login_as, make_manager, make_person, make_cohort):
    cohort = make_cohort()
    person = make_person()
    db.session.add(Invitation(cohort_id=cohort.id, person_id=person.id, role="mentor"))
    db.session.commit()
    page = login_as(make_manager()).get(f"/programme/cohorts/{cohort.id}").text
    assert "1 invited · 0 joined · 1 not yet answered." in page
