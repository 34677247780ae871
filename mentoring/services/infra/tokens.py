"""One-time links: a random token goes to the person, only its SHA-256 is stored.

A token has a purpose (invite, reset, verify), an expiry, and is good once: using it, issuing a newer
one for the same purpose (and invitation), or disabling the person ends it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from mentoring.database import locked, utcnow
from mentoring.extensions import db
from mentoring.models import OneTimeToken, Person, TokenPurpose
from mentoring.services import ServiceError

LIFETIMES = {
    TokenPurpose.INVITE: timedelta(days=7),
    TokenPurpose.RESET: timedelta(hours=1),
    TokenPurpose.VERIFY: timedelta(hours=48),
}
TOKEN_BYTES = 32
TOKEN_TEXT_MAX = 100  # a token_urlsafe(32) is 43 characters; anything much longer is not ours


class InvalidToken(ServiceError):
    """The link is unknown, used, replaced by a newer one, expired, or its person is disabled."""

    def __init__(self) -> None:
        super().__init__("This link has expired or has already been used. Ask for a new one.")


def token_hash(token: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(person: Person, purpose: TokenPurpose, invitation_id: int | None = None, now: datetime | None = None) -> str:
    """A new token for the person, ending their earlier live ones of the same purpose; added to the session."""
    now = now or utcnow()
    earlier = update(OneTimeToken).where(
        OneTimeToken.person_id == person.id,
        OneTimeToken.purpose == purpose.value,
        OneTimeToken.used_at.is_(None),
        OneTimeToken.revoked_at.is_(None),
    )
    if invitation_id is not None:
        earlier = earlier.where(OneTimeToken.invitation_id == invitation_id)
    db.session.execute(earlier.values(revoked_at=now))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(
        OneTimeToken(
            token_hash=token_hash(token),
            purpose=purpose.value,
            person_id=person.id,
            invitation_id=invitation_id,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    db.session.flush()
    return token


def _find(token: str, purpose: TokenPurpose, lock: bool) -> OneTimeToken | None:
    if not token or len(token) > TOKEN_TEXT_MAX:
        return None
    wanted = token_hash(token)
    query = select(OneTimeToken).where(OneTimeToken.token_hash == wanted)
    row = db.session.execute(locked(query) if lock else query).scalar_one_or_none()
    # The index lookup finds the row; the comparison that decides is constant-time.
    if row is None or not hmac.compare_digest(row.token_hash, wanted) or row.purpose != purpose.value:
        return None
    return row


def _usable(row: OneTimeToken | None, now: datetime) -> bool:
    return (
        row is not None
        and row.used_at is None
        and row.revoked_at is None
        and row.expires_at > now
        and row.person.is_active
    )


def check(token: str, purpose: TokenPurpose, now: datetime | None = None) -> OneTimeToken:
    """The live token row (without using it up), to show the page the link leads to; else InvalidToken."""
    row = _find(token, purpose, lock=False)
    if not _usable(row, now or utcnow()):
        raise InvalidToken()
    return row  # type: ignore[return-value]


def consume(token: str, purpose: TokenPurpose, now: datetime | None = None) -> OneTimeToken:
    """Use the token up (row locked, so two clicks cannot both pass); the caller's transaction commits it."""
    now = now or utcnow()
    row = _find(token, purpose, lock=True)
    if not _usable(row, now):
        raise InvalidToken()
    row.used_at = now  # type: ignore[union-attr]
    return row  # type: ignore[return-value]


def revoke_all(person: Person, now: datetime | None = None) -> int:
    """End every live token of a person (they were disabled); returns how many (no commit)."""
    query = update(OneTimeToken).where(
        OneTimeToken.person_id == person.id, OneTimeToken.used_at.is_(None), OneTimeToken.revoked_at.is_(None)
    )
    return db.session.execute(query.values(revoked_at=now or utcnow())).rowcount or 0
