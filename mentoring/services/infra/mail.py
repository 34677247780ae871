"""Email: queued once per occasion inside a use case, delivered by the job consumer, each exactly once.

A use case writes Notification rows in its transaction and, after it commits, asks for a delivery job
(`deliver_soon`). The consumer is the only sender: it claims a batch with one conditional UPDATE (on
PostgreSQL through FOR UPDATE SKIP LOCKED, so two workers never claim the same row), sends the batch over
one SMTP connection (STARTTLS or implicit TLS), and marks the accepted emails sent under its claim, a few
at a time. A claim expires (a worker killed mid-batch) and its unmarked emails are sent again with the
same Message-ID, derived from the notification's id, so a resend is recognisable. A failure is retried
with backoff, up to MAX_ATTEMPTS. Without MAIL_SERVER, emails are written to MAIL_OUTBOX as .eml files.
"""

from __future__ import annotations

import html
import re
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import encoders
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, parseaddr
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import and_, or_, select, update

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Notification, Person
from mentoring.models.meetings import BODY_MAX, OCCASION_MAX, SUBJECT_MAX
from mentoring.services.infra import bulk

MAX_ATTEMPTS = 5
CLAIM_HOLD = timedelta(minutes=5)  # a claim not finished by then was a worker that died: the email is free again
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
DELIVER_TASK = "mail.deliver"
MARK_EVERY = 20  # accepted emails marked sent per commit
_URL = re.compile(r"https?://[^\s<>\"']+")


def queue(
    occasion: str,
    kind: str,
    person: Person,
    subject: str,
    body: str,
    match_id: int | None = None,
    cohort_id: int | None = None,
    calendar: bytes | None = None,
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
        calendar=calendar.decode() if calendar else None,
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
    now = utcnow()
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
            "created_at": now,
            "attempts": 0,
            "last_error": "",
        }
        for occasion, m in wanted.items()
    ]
    if rows:
        # Plain rows, not ORM objects: the ORM's per-row bookkeeping was most of a 20,000-email publish.
        bulk.insert_rows(Notification.__table__, rows)
    return len(rows)


def deliver_soon() -> int | None:
    """After the use case committed: ask the consumer to deliver what is queued; returns how many were
    sent when the job ran inline (HUEY_IMMEDIATE), None when it waits for a consumer."""
    from huey.exceptions import TaskException

    from mentoring.services.infra import jobs

    job_id = jobs.enqueue(DELIVER_TASK)
    huey = jobs.queue_of().huey
    if not huey.immediate:
        return None
    try:
        return huey.result(job_id)
    except TaskException:  # logged by huey; the emails stay queued for the next delivery
        return None


# ---------------------------------------------------------------- claiming


def _due(now: datetime) -> object:
    return and_(
        Notification.sent_at.is_(None),
        Notification.attempts < MAX_ATTEMPTS,
        or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now),
    )


@dataclass(frozen=True)
class Outgoing:
    """One claimed email, read out of its row so no transaction stays open while SMTP talks."""

    id: int
    to_address: str
    subject: str
    body: str
    calendar: str | None


def claim_batch(size: int, now: datetime | None = None) -> tuple[str, list[Outgoing]]:
    """Claim up to `size` due emails for this sender with one conditional UPDATE, commit, and return them."""
    now = now or utcnow()
    token = secrets.token_hex(16)
    # SKIP LOCKED: rows another sender is claiming are passed over, not waited for (PostgreSQL; SQLite
    # ignores it and serialises writers anyway). The outer condition is checked again on each row.
    chosen = select(Notification.id).where(_due(now)).order_by(Notification.id).limit(size)
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_(chosen.with_for_update(skip_locked=True)), _due(now))
        .values(claim_token=token, claimed_until=now + CLAIM_HOLD)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    query = select(
        Notification.id, Notification.to_address, Notification.subject, Notification.body, Notification.calendar
    ).where(Notification.claim_token == token)
    batch = [Outgoing(*row) for row in db.session.execute(query.order_by(Notification.id))]
    db.session.rollback()
    return token, batch


def _mark_sent(notification_ids: list[int], token: str) -> None:
    """Mark emails the server accepted as sent, under this sender's claim, in one UPDATE; commit."""
    if not notification_ids:
        return
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_(notification_ids), Notification.claim_token == token)
        .values(sent_at=utcnow(), attempts=Notification.attempts + 1, claim_token=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _mark_failed(notification_ids: list[int], token: str, error: Exception) -> None:
    """Give the claims back with the error; each is retried after a backoff that grows with its attempts."""
    text = f"{type(error).__name__}: {error}"[:300]
    now = utcnow()
    rows = db.session.execute(
        select(Notification.id, Notification.attempts).where(
            Notification.id.in_(notification_ids), Notification.claim_token == token
        )
    ).all()
    for notification_id, attempts in rows:
        wait = BACKOFF[min(attempts, len(BACKOFF) - 1)]
        db.session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.claim_token == token)
            .values(attempts=attempts + 1, last_error=text, claim_token=None, claimed_until=now + wait)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    current_app.logger.warning("%d email(s) not sent, retried later: %s", len(rows), text)


# ---------------------------------------------------------------- delivering


def deliver_pending(limit: int | None = None) -> int:
    """Send every due email in claimed batches (the consumer's job); returns how many were sent."""
    size = int(current_app.config.get("MAIL_BATCH_SIZE") or 200)
    sent = 0
    while limit is None or sent < limit:
        token, batch = claim_batch(size if limit is None else min(size, limit - sent))
        if not batch:
            break
        sent += _send_batch(token, batch)
    return sent


def _send_batch(token: str, batch: list[Outgoing]) -> int:
    """Send a claimed batch over one connection; a broken connection is reopened once for the rest.

    Accepted emails are marked sent every MARK_EVERY emails (one commit each time, not one per email:
    a commit costs more than sending). A crash in between re-sends at most that many, each with its
    same Message-ID.
    """
    sent, left, accepted = 0, list(batch), []
    error: Exception | None = None
    for _attempt in range(2):
        try:
            with Postbox() as postbox:
                while left:
                    item = left[0]
                    try:
                        postbox.send(build_message(item))
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                        _mark_failed([item.id], token, exc)  # this email only; the connection is fine
                    else:
                        accepted.append(item.id)
                        sent += 1
                    left.pop(0)
                    if len(accepted) >= MARK_EVERY:
                        _mark_sent(accepted, token)
                        accepted = []
            break
        except (OSError, smtplib.SMTPException) as exc:
            error = exc
    _mark_sent(accepted, token)
    if left and error is not None:
        _mark_failed([item.id for item in left], token, error)
    return sent


def message_domain() -> str:
    """The domain of Message-IDs: CALENDAR_UID_DOMAIN (by default the SITE_URL host), else the sender's."""
    config = current_app.config
    domain = config.get("CALENDAR_UID_DOMAIN") or urlsplit(config.get("SITE_URL") or "").hostname
    if not domain:
        domain = parseaddr(config.get("MAIL_SENDER") or "")[1].rpartition("@")[2]
    return domain or "reverse-mentoring.invalid"


def message_id(notification_id: int) -> str:
    """The stable Message-ID of a notification: a resend after a crash carries the same one."""
    return f"<notification-{notification_id}@{message_domain()}>"


def html_body(text: str) -> str:
    """The text body as simple HTML: escaped, paragraphs kept, addresses as links."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(paragraph)
        linked = _URL.sub(lambda found: f'<a href="{found.group(0)}">{found.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8"></head>\n'
        '<body style="font-family: sans-serif; line-height: 1.5">\n' + "\n".join(paragraphs) + "\n</body></html>\n"
    )


def _text_part(text: str, subtype: str) -> MIMEText:
    utf8 = Charset("utf-8")
    utf8.body_encoding = QP  # readable in any mail source view, unlike base64
    return MIMEText(text, subtype, utf8)


def build_message(item: Outgoing) -> Message:
    """A multipart/alternative email (text and HTML) from the configured sender, with its .ics if any.

    Built with the compat32 MIME classes: about nine times faster than EmailMessage's header registry,
    which matters at thousands of emails per publish. Headers are one line each: a name typed with a line
    break can neither add a header nor stop the email.
    """
    body = MIMEMultipart("alternative")
    body.attach(_text_part(item.body, "plain"))
    body.attach(_text_part(html_body(item.body), "html"))
    message: Message = body
    if item.calendar:
        method = "CANCEL" if "METHOD:CANCEL" in item.calendar else "PUBLISH"
        invite = MIMEBase("text", "calendar", method=method, charset="utf-8")
        invite.set_payload(item.calendar.encode())
        encoders.encode_base64(invite)
        invite.add_header(
            "Content-Disposition", "attachment", filename="cancelled.ics" if method == "CANCEL" else "invite.ics"
        )
        message = MIMEMultipart("mixed")
        message.attach(body)
        message.attach(invite)
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = "".join(item.to_address.split())
    subject = " ".join(item.subject.split())
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    message["Message-ID"] = message_id(item.id)
    message["Date"] = formatdate(usegmt=True)
    return message


def send_link(to_address: str, subject: str, body: str) -> None:
    """Send one email now, never stored: it carries a one-time link, whose token must not be kept in clear.

    Used for invitations, password resets and address confirmations (small numbers, one per request or job).
    """
    message = build_message(Outgoing(0, to_address, subject, body, None))
    del message["Message-ID"]
    # Time first, so links sort in the order they were sent (the outbox names files after the Message-ID).
    message["Message-ID"] = f"<link-{utcnow():%Y%m%dT%H%M%S%f}-{secrets.token_hex(6)}@{message_domain()}>"
    with Postbox() as postbox:
        postbox.send(message)


class Postbox:
    """One SMTP connection (implicit TLS, STARTTLS or plain) for a batch, or the outbox folder without a server."""

    def __init__(self) -> None:
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Postbox:
        config = self.config
        if config.get("MAIL_SERVER"):
            host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
            if config.get("MAIL_USE_SSL"):
                self.smtp = smtplib.SMTP_SSL(host, port, timeout=30, context=ssl.create_default_context())
            else:
                self.smtp = smtplib.SMTP(host, port, timeout=30)
                if config.get("MAIL_USE_TLS"):
                    self.smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                self.smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        return self

    def send(self, message: Message) -> None:
        """Send one message over the open connection, or write it to the outbox folder."""
        if self.smtp is not None:
            self.smtp.send_message(message)
            return
        outbox = Path(self.config["MAIL_OUTBOX"])
        outbox.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"]).strip("<>").split("@")[0]
        (outbox / f"{name}.eml").write_bytes(bytes(message))

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
