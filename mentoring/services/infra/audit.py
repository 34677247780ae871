"""The audit log of manager actions and security events."""

from __future__ import annotations

import re

from sqlalchemy import select

from mentoring.database import writing
from mentoring.extensions import db
from mentoring.models import AuditEvent, Person
from mentoring.models.security import AUDIT_DETAIL_MAX

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # C0, DEL, C1 (NEL) and Unicode line breaks


def one_line(text: str, limit: int) -> str:
    """Text made safe for a one-line log entry: control characters and newlines become spaces."""
    return _CONTROL.sub(" ", text)[:limit]


def record(
    action: str,
    actor: Person | None = None,
    object_type: str = "",
    object_id: object = "",
    detail: str = "",
    ip: str = "",
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller's use case commits it)."""
    label = "" if actor is None else f"{actor.name} <{actor.email}>"
    event = AuditEvent(
        actor_id=None if actor is None else actor.id,
        actor_label=one_line(label, 160),
        action=one_line(action, 64),
        object_type=one_line(object_type, 32),
        object_id=one_line(str(object_id), 64),
        detail=one_line(detail, AUDIT_DETAIL_MAX),
        ip=one_line(ip, 64),
    )
    db.session.add(event)
    return event


def record_now(action: str, **fields: object) -> None:
    """Record an event in its own transaction, for events outside any use case (a 403, a failed login)."""
    db.session.rollback()
    with writing():
        record(action, **fields)  # type: ignore[arg-type]
        db.session.commit()


def recent_events(limit: int = 200, action: str | None = None) -> list[AuditEvent]:
    """The latest audit events, newest first, optionally of one action."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.execute(query).scalars())


def as_log_line(event: AuditEvent) -> str:
    """One event as a single tab-separated log line."""
    fields = [
        event.at.isoformat(),
        event.action,
        event.actor_label,
        f"{event.object_type}:{event.object_id}" if event.object_type else "",
        event.ip,
        event.detail,
    ]
    return "\t".join(one_line(field, 500) for field in fields)
