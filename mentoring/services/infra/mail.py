"""Email: queued once per occasion inside a use case, delivered after it commits.

Delivery goes through SMTP when MAIL_SERVER is set, otherwise into MAIL_OUTBOX as .eml files
(development), so a message never goes nowhere.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import insert, select

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Notification, Person
from mentoring.models.meetings import BODY_MAX, OCCASION_MAX, SUBJECT_MAX

MAX_ATTEMPTS = 5


def queue(
    occasion: str,
    kind: str,
    person: Person,
    subject: str,
    body: str,
    match_id: int | None = None,
    cohort_id: int | None = None,
) -> Notification | None:
    """Queue an email for this occasion in the current transaction; None if it was queued before."""
    occasion = occasion[:OCCASION_MAX]
    existing = db.session.execute(select(Notification.id).where(Notification.occasion == occasion)).first()
    if existing is not None:
        return None
    notification = Notification(
        occasion=occasion,
        kind=kind,
        person_id=person.id,
        to_address=person.email,
        subject=subject[:SUBJECT_MAX],
        body=body[:BODY_MAX],
        match_id=match_id,
        cohort_id=cohort_id,
    )
    db.session.add(notification)
    return notification


@dataclass(frozen=True)
class Queued:
    """One email to queue with `queue_many`: its once-only occasion, kind, recipient and text."""

    occasion: str
    kind: str
    person_id: int
    to_address: str
    subject: str
    body: str
    cohort_id: int | None = None
    match_id: int | None = None


def queue_many(messages: list[Queued]) -> int:
    """Queue many emails in the current transaction with bulk INSERTs, skipping occasions queued before."""
    wanted = {m.occasion[:OCCASION_MAX]: m for m in messages}
    keys = sorted(wanted)
    if keys:
        # One range scan of the unique occasion index (a batch shares its prefix), not a list of every key.
        between = Notification.occasion.between(keys[0], keys[-1])
        for (occasion,) in db.session.execute(select(Notification.occasion).where(between)):
            wanted.pop(occasion, None)
    rows = [
        {
            "occasion": occasion,
            "kind": m.kind,
            "person_id": m.person_id,
            "to_address": m.to_address,
            "subject": m.subject[:SUBJECT_MAX],
            "body": m.body[:BODY_MAX],
            "cohort_id": m.cohort_id,
            "match_id": m.match_id,
            "created_at": utcnow(),
            "attempts": 0,
            "last_error": "",
        }
        for occasion, m in wanted.items()
    ]
    if rows:
        db.session.execute(insert(Notification), rows)
    return len(rows)


def deliver_pending(limit: int = 500) -> int:
    """Send queued emails not sent yet; returns how many were sent. Each is marked sent as it goes."""
    query = (
        select(Notification)
        .where(Notification.sent_at.is_(None), Notification.attempts < MAX_ATTEMPTS)
        .order_by(Notification.id)
        .limit(limit)
    )
    pending = list(db.session.execute(query).scalars())
    sent = 0
    for notification in pending:
        try:
            send(notification.to_address, notification.subject, notification.body)
        except (OSError, smtplib.SMTPException) as exc:
            notification.attempts += 1
            notification.last_error = f"{type(exc).__name__}: {exc}"[:300]
            current_app.logger.warning("Email %s not sent: %s", notification.id, notification.last_error)
        else:
            notification.attempts += 1
            notification.sent_at = utcnow()
            sent += 1
        db.session.commit()
    return sent


def build_message(to_address: str, subject: str, body: str) -> EmailMessage:
    """A plain-text email from the configured sender."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to_address
    # A header is one line: a name typed with a line break must neither add a header nor stop the email.
    message["Subject"] = " ".join(subject.split())
    message["Message-ID"] = make_msgid(domain="mentoring.local")
    message.set_content(body)
    return message


def send(to_address: str, subject: str, body: str) -> None:
    """Send one email now, through SMTP or into the outbox folder."""
    message = build_message(to_address, subject, body)
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
        return
    outbox = Path(config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    (outbox / f"{stamp}-{abs(hash(message['Message-ID'])) % 10**8:08d}.eml").write_bytes(bytes(message))
