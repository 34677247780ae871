"""Password reset: ask for a link (same answer and same work whether or not the address has an account,
rate limited per address and per IP), then set a new password through it, ending every other session."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import LoginAttempt, Person, TokenPurpose
from mentoring.services import InvalidField, unit_of_work
from mentoring.services.infra import audit, mail, tokens
from mentoring.services.infra.passwords import hash_password, password_problem
from mentoring.services.usecases import accounts
from mentoring.services.usecases.meetings import site_link

RESET_KIND = "reset"
IP_FACTOR = 4  # one address (an office behind one IP) may ask this many times as often as one account


def _over_limit(ip: str, key: str, now: datetime) -> bool:
    """Whether requests in the last hour (this one included) for the address, or from the IP, exceed the limit."""
    per_account = current_app.config["PASSWORD_RESETS_PER_HOUR"]
    for same, limit in ((LoginAttempt.account == key, per_account), (LoginAttempt.ip == ip, per_account * IP_FACTOR)):
        count = select(func.count(LoginAttempt.id)).where(
            same, LoginAttempt.kind == RESET_KIND, LoginAttempt.at >= now - timedelta(hours=1)
        )
        if db.session.execute(count).scalar_one() > limit:
            return True
    return False


def request_reset(email: str, ip: str, now: datetime | None = None) -> int | None:
    """Record a request for a reset link; returns the id of the account to send one to, or None.

    The request is stored and committed first, so every worker counts it at once; raises
    accounts.TooManyAttempts when limited (for a known and an unknown address alike).
    """
    now = now or utcnow()
    ip = ip[:64]
    key = accounts.account_key(email)
    db.session.add(LoginAttempt(at=now, ip=ip, account=key, succeeded=False, kind=RESET_KIND))
    db.session.commit()
    person = accounts.find_by_email(email)
    target = (
        {"object_type": "person", "object_id": person.id}
        if person
        else {"object_type": "account", "object_id": "unknown"}
    )
    if _over_limit(ip, key, now):
        audit.record_now("password.reset_limited", ip=ip, **target)
        raise accounts.TooManyAttempts("Too many requests for a reset link. Wait an hour and try again.")
    audit.record("password.reset_requested", ip=ip, **target)
    db.session.commit()
    return person.id if person is not None and person.is_active else None


RESET_TASK = "password.reset-link"


def send_reset_link(person_id: int | None) -> None:
    """The job after "forgot password": make a reset link for the person and email it (None: nobody to tell).

    The page enqueues this job for every request, known address or not, so its answer takes the same time.
    """
    person = db.session.get(Person, person_id) if person_id is not None else None
    if person is None or not person.is_active:
        return
    token = tokens.issue(person, TokenPurpose.RESET)
    db.session.commit()
    site = current_app.config["SITE_NAME"]
    mail.send_link(
        person.email,
        f"{site}: set a new password",
        f"Hello {person.name},\n\n"
        f"Someone (we hope you) asked to set a new password for your {site} account.\n"
        f"Open this link within one hour to choose one:\n\n{site_link('auth.reset_password', token=token)}\n\n"
        "The link works once. If you did not ask, ignore this email: your password stays as it is.\n",
    )


def reset_password(token: str, password: str, ip: str = "") -> Person:
    """Set a new password through a reset link; every login session of the person ends."""
    person = tokens.check(token, TokenPurpose.RESET).person
    problem = password_problem(password, person.email, person.name)
    if problem:
        raise InvalidField("password", problem)
    password_hash = hash_password(password)  # slow on purpose: before the row lock is taken
    with unit_of_work():
        person = tokens.consume(token, TokenPurpose.RESET).person
        person.password_hash = password_hash
        person.email_verified = True  # the link reached the address
        ended = accounts.revoke_sessions(person)
        audit.record(
            "password.reset",
            actor=person,
            object_type="person",
            object_id=person.id,
            ip=ip[:64],
            detail=f"{ended} login session(s) ended",
        )
    return person
