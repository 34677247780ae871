"""Password reset: one answer for every address, rate limited, one-hour single-use links ending other sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import AuditEvent, LoginAttempt, OneTimeToken
from tests.conftest import DEFAULT_PASSWORD, login
from tests.mentoring.mail_links import finished, links_to, sent_mail

NEW = "a brand new walk along the canal"


def ask(client, email: str, ip: str = "10.0.0.1"):
    """Post the forgot-password form and let the after-response work run."""
    return finished(client.post("/auth/forgot", data={"email": email}, environ_base={"REMOTE_ADDR": ip}))


def test_the_login_page_offers_forgot_password(client) -> None:
    assert 'href="/auth/forgot"' in client.get("/auth/login").text
    page = client.get("/auth/forgot").text
    assert 'autocomplete="email"' in page and '<label for="email">Email</label>' in page


def test_known_and_unknown_addresses_get_the_same_answer_and_the_same_work(app, client, make_person) -> None:
    person = make_person()
    answers = [ask(client, email) for email in ["nobody@example.com", person.email, f" {person.email.upper()} "]]
    # The same redirect and message for all three
    assert {(r.status_code, r.headers["Location"]) for r in answers} == {(302, "/auth/login")}
    assert "If an account uses this address" in client.get("/auth/login").text
    # The same rows written in the request: one counted request and one audit event each
    assert db.session.execute(select(LoginAttempt.kind)).scalars().all() == ["reset"] * 3
    actions = db.session.execute(select(AuditEvent.action, AuditEvent.object_id).order_by(AuditEvent.id)).all()
    assert actions == [("password.reset_requested", "unknown")] + [("password.reset_requested", str(person.id))] * 2
    # Only the real owner got mail (after the response), and no token is stored in clear anywhere
    assert [to for to, _, _ in sent_mail(app)] == [person.email, person.email]
    token = links_to(app, person.email, "reset")[-1].rsplit("/", 1)[1]
    assert all(token not in row.token_hash for row in db.session.execute(select(OneTimeToken)).scalars())
    assert all(
        token not in (event.detail + event.object_id) for event in db.session.execute(select(AuditEvent)).scalars()
    )


def test_the_link_sets_a_new_password_once_and_ends_every_other_session(app, client, make_person) -> None:
    # Given a person signed in on another browser
    person = make_person()
    other = app.test_client()
    login(other, person)
    assert other.get("/account/").status_code == 200
    # When they follow the emailed link and choose a new password
    ask(client, person.email)
    link = links_to(app, person.email, "reset")[-1]
    page = client.get(link)
    assert page.status_code == 200 and 'autocomplete="new-password"' in page.text
    response = client.post(link, data={"password": NEW})
    # Then they are signed in here with the new password, and the other browser is signed out
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    assert other.get("/account/").status_code == 302
    # And the link does not work twice, and the old password no longer signs in
    assert client.post(link, data={"password": "yet another long pass phrase"}).status_code == 410
    fresh = app.test_client()
    assert fresh.post("/auth/login", data={"email": person.email, "password": DEFAULT_PASSWORD}).status_code == 200
    login(fresh, person, NEW)
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "password.reset")).scalar_one()


def test_a_weak_new_password_is_refused_and_the_link_still_works(app, client, make_person) -> None:
    person = make_person()
    ask(client, person.email)
    link = links_to(app, person.email, "reset")[-1]
    response = client.post(link, data={"password": person.email})
    assert response.status_code == 200 and "Do not use your email address" in response.text
    assert client.post(link, data={"password": NEW}).status_code == 302


def test_a_link_expires_after_an_hour(app, client, make_person) -> None:
    person = make_person()
    ask(client, person.email)
    link = links_to(app, person.email, "reset")[-1]
    db.session.execute(OneTimeToken.__table__.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    page = client.get(link)
    assert page.status_code == 410 and "ask for a new link" in page.text


def test_asking_again_replaces_the_earlier_link(app, client, make_person) -> None:
    person = make_person()
    ask(client, person.email)
    ask(client, person.email)
    first, second = links_to(app, person.email, "reset")
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_a_disabled_person_gets_no_link_and_an_old_link_stops_working(app, client, make_person, make_manager) -> None:
    from mentoring.services.usecases import accounts

    person, manager = make_person(), make_manager()
    ask(client, person.email)
    link = links_to(app, person.email, "reset")[-1]
    accounts.set_active(manager, person, False)
    assert client.get(link).status_code == 410
    ask(client, person.email)
    assert len(links_to(app, person.email, "reset")) == 1


@pytest.mark.parametrize("same", ["address", "ip"])
def test_requests_are_limited_per_address_and_per_ip(app, client, make_person, same: str) -> None:
    person = make_person()
    limit = app.config["PASSWORD_RESETS_PER_HOUR"] * (1 if same == "address" else 4)
    emails = [person.email if same == "address" else f"n{n}@example.com" for n in range(limit + 1)]
    ips = ["10.0.0.9" if same == "ip" else f"10.0.3.{n}" for n in range(limit + 1)]
    codes = [ask(client, email, ip).status_code for email, ip in zip(emails, ips, strict=True)]
    assert codes == [302] * limit + [429]
    # An unknown address is limited exactly like a known one: the limit tells nothing either
    if same == "address":
        codes = [ask(client, "ghost@example.com", f"10.0.4.{n}").status_code for n in range(limit + 1)]
        assert codes == [302] * limit + [429]
    # And failed reset requests never count as failed sign-ins
    login(client, person)


def test_garbage_tokens_answer_410_not_500(client) -> None:
    for token in ["x", "a" * 300, "%00", "..%2f"]:
        assert client.get(f"/auth/reset/{token}").status_code in (404, 410)


def test_two_simultaneous_uses_of_one_link_set_one_password(make_app, make_person) -> None:
    import threading

    from mentoring.models import TokenPurpose
    from mentoring.services.infra import tokens

    # Given one reset link, sent by two workers at the same moment with different passwords
    person = make_person()
    link = f"/auth/reset/{tokens.issue(person, TokenPurpose.RESET)}"
    db.session.commit()
    db.session.rollback()
    apps = [make_app(), make_app()]
    start, answers = threading.Barrier(2), []

    def use(n: int) -> None:
        start.wait()
        answers.append(apps[n].test_client().post(link, data={"password": f"{NEW} {n}"}).status_code)

    threads = [threading.Thread(target=use, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then exactly one of them set a password; the other was told the link is used
    assert sorted(answers) == [302, 410]
    assert db.session.execute(select(OneTimeToken.used_at)).scalar_one() is not None
