"""Mail delivery by the job consumer: claimed, batched over one connection, retried, each email exactly once."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, update

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Cohort, MatchRun, MentorProfile, Notification, Person, RunPair
from mentoring.services.infra import mail
from mentoring.services.usecases import publishing
from tests.mentoring.queue_helpers import queue_settings, running_consumer, wait_until
from tests.mentoring.smtp_helpers import EphemeralController, Mailbox, mailbox

__all__ = ["mailbox"]


def queue_emails(person: Person, count: int, kind: str = "published") -> list[int]:
    """`count` queued emails to `person`, written in one statement; returns their ids."""
    rows = [
        {
            "occasion": f"test:{kind}:{number}",
            "kind": kind,
            "person_id": person.id,
            "to_address": person.email,
            "subject": f"Email {number}",
            "body": f"Hello,\n\nEmail {number}: see https://mentoring.example/pairs?x=1&y=2\n",
            "created_at": utcnow(),
            "attempts": 0,
            "last_error": "",
        }
        for number in range(count)
    ]
    db.session.execute(insert(Notification), rows)
    db.session.commit()
    ids = list(
        db.session.execute(select(Notification.id).where(Notification.kind == kind).order_by(Notification.id)).scalars()
    )
    db.session.rollback()  # SQLite has one writer: the test holds no transaction while the workers run
    return ids


def unsent() -> int:
    found = db.session.execute(select(func.count()).where(Notification.sent_at.is_(None))).scalar_one()
    db.session.rollback()
    return found


@pytest.fixture
def smtp_site(make_app, mailbox):
    """An app that sends through the local SMTP server in small batches; returns (app, mailbox)."""
    box, port = mailbox
    return make_app(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_BATCH_SIZE=25, SITE_URL="https://mentoring.example"
    ), box


def test_an_email_is_text_and_html_with_a_stable_message_id_on_the_site_domain(app, smtp_site, make_person):
    site, box = smtp_site
    person = make_person(name="Ann <Admin>")
    (notification_id,) = queue_emails(person, 1)
    with site.app_context():
        assert mail.deliver_pending() == 1
    (message,) = box.messages
    assert message["Message-ID"] == f"<notification-{notification_id}@mentoring.example>"
    assert message.get_content_type() == "multipart/alternative"
    text, markup = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
    assert "https://mentoring.example/pairs?x=1&y=2" in text
    assert '<a href="https://mentoring.example/pairs?x=1&amp;y=2">' in markup


def test_several_workers_delivering_at_once_send_each_email_exactly_once(app, smtp_site, make_person):
    # Given 300 queued emails and four workers (threads, each with its own app context and connection)
    site, box = smtp_site
    ids = queue_emails(make_person(), 300)
    db.session.rollback()
    start = threading.Barrier(4)
    sent: list[int] = []

    def worker() -> None:
        with site.app_context():
            start.wait()
            sent.append(mail.deliver_pending())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then the SMTP server received each Message-ID exactly once, and every email is marked sent once
    received = box.message_ids()
    assert sum(sent) == 300 and len(received) == 300 and set(received.values()) == {1}
    assert set(received) == {f"<notification-{i}@mentoring.example>" for i in ids}
    attempts = db.session.execute(select(Notification.attempts, func.count()).group_by(Notification.attempts)).all()
    assert attempts == [(1, 300)] and unsent() == 0


def test_a_claim_left_by_a_dead_worker_expires_and_the_email_goes_with_the_same_message_id(app, smtp_site, make_person):
    site, box = smtp_site
    dead, live = queue_emails(make_person(), 2)
    now = utcnow()
    # Given one email claimed by a worker that died 10 minutes ago, and one claimed by a live worker
    db.session.execute(
        update(Notification)
        .where(Notification.id == dead)
        .values(claim_token="dead", claimed_until=now - timedelta(minutes=5))
    )
    db.session.execute(
        update(Notification)
        .where(Notification.id == live)
        .values(claim_token="live", claimed_until=now + timedelta(minutes=4))
    )
    db.session.commit()
    db.session.rollback()
    # When a delivery runs, only the expired claim is taken over
    with site.app_context():
        assert mail.deliver_pending() == 1
    assert list(box.message_ids()) == [f"<notification-{dead}@mentoring.example>"]


def test_a_refused_email_is_retried_later_with_backoff_and_the_rest_of_the_batch_goes(app, smtp_site, make_person):
    site, box = smtp_site
    refused = make_person(email="nobody@example.com")
    ok = make_person()
    queue_emails(refused, 1, kind="a")
    queue_emails(ok, 1, kind="b")
    box.refuse.add("nobody@example.com")
    with site.app_context():
        assert mail.deliver_pending() == 1
        # And running again at once does not hammer the refused address: it waits for its backoff
        assert mail.deliver_pending() == 0
    failed = db.session.execute(
        select(Notification).where(Notification.to_address == "nobody@example.com")
    ).scalar_one()
    assert failed.sent_at is None and failed.attempts == 1 and "550" in failed.last_error
    assert failed.claim_token is None and failed.claimed_until > utcnow() + timedelta(seconds=30)


def test_a_server_that_cannot_be_reached_leaves_every_email_queued_for_a_retry(app, make_app, make_person):
    site = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    queue_emails(make_person(), 3)
    with site.app_context():
        assert mail.deliver_pending() == 0
    assert unsent() == 3
    errors = db.session.execute(select(Notification.last_error, Notification.attempts)).all()
    assert all("Error" in error and attempts == 1 for error, attempts in errors)


def _matched_cohort(pairs: int, password_hash: str) -> tuple[int, int]:
    """A matched cohort whose latest run proposes `pairs` pairs of new people; returns (cohort id, manager id)."""
    now = utcnow()
    people = [
        {
            "name": f"Bulk {number}",
            "email": f"bulk{number}@example.com",
            "password_hash": password_hash,
            "is_mentor": number % 2 == 1,
            "is_leader": number % 2 == 0,
            "is_manager": number == 0,
            "is_active": True,
            "languages": ["en"],
            "formats": ["remote"],
            "created_at": now,
        }
        for number in range(2 * pairs + 1)
    ]
    db.session.execute(insert(Person), people)
    ids = list(db.session.execute(select(Person.id).where(Person.email.like("bulk%")).order_by(Person.id)).scalars())
    manager_id, leaders, mentors = ids[0], ids[1::2], ids[2::2]
    db.session.execute(insert(MentorProfile), [{"person_id": mentor, "capacity": 1} for mentor in mentors])
    cohort = Cohort(name="Bulk 2027", status="matched", rules={})
    db.session.add(cohort)
    db.session.flush()
    run = MatchRun(cohort_id=cohort.id, status="optimal", matched=pairs, started_at=now, finished_at=now, rules={})
    db.session.add(run)
    db.session.flush()
    db.session.execute(
        insert(RunPair),
        [
            {"run_id": run.id, "leader_id": leader, "mentor_id": mentor, "score": 1.0, "pinned": False, "reasons": []}
            for leader, mentor in zip(leaders, mentors, strict=True)
        ],
    )
    db.session.commit()
    cohort_id = cohort.id
    db.session.rollback()
    return cohort_id, manager_id


def test_publishing_3000_people_sends_3000_emails_through_a_real_smtp_server(
    make_app, app, mailbox, password_hash, tmp_path
):
    # Given a matched cohort of 1,500 pairs and a site whose jobs go through a real queue and consumer
    box, port = mailbox
    site = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, **queue_settings("sqlite", tmp_path, "test-mail-3000"))
    cohort_id, manager_id = _matched_cohort(1500, password_hash)
    # When the manager publishes (the request only queues the emails and a delivery job)
    with site.app_context():
        result = publishing.publish(db.session.get(Person, manager_id), cohort_id)
        db.session.remove()
    assert result.emails == 3000 and box.count() == 0 and unsent() == 3000
    # Then two consumer workers deliver them: 3,000 arrive, each once
    with running_consumer(site, workers=2):
        # (the SMTP server is watched, not the database: on SQLite a poll would take the write lock)
        wait_until(lambda: box.count() >= 3000, timeout=600)
        wait_until(lambda: unsent() == 0, timeout=300)
    received = box.message_ids()
    assert len(received) == 3000 and set(received.values()) == {1}


@pytest.fixture
def certificate(tmp_path) -> tuple[str, str]:
    """A throwaway self-signed certificate for 127.0.0.1 (and its key), made with the openssl tool."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl tool is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
def test_mail_goes_over_starttls_and_over_implicit_tls(mode, app, make_app, make_person, certificate, monkeypatch):
    # Given an SMTP server that speaks TLS with a certificate this process trusts (SSL_CERT_FILE)
    cert, key = certificate
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    box = Mailbox()
    if mode == "implicit":
        controller = EphemeralController(box, hostname="127.0.0.1", port=0, ssl_context=server_tls)
        settings = {"MAIL_USE_SSL": True}
    else:
        controller = EphemeralController(
            box, hostname="127.0.0.1", port=0, tls_context=server_tls, require_starttls=True
        )
        settings = {"MAIL_USE_TLS": True}
    queue_emails(make_person(), 3)
    controller.start()
    try:
        site = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, **settings)
        # When the emails are delivered
        with site.app_context():
            sent = mail.deliver_pending()
    finally:
        controller.stop()
    # Then all three arrived over the encrypted connection
    assert sent == 3 and len(box.messages) == 3 and unsent() == 0
