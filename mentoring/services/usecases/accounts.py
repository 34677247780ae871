"""Accounts: registration, sign-in with server-side login sessions, rate limits, passwords."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from mentoring.database import locked, utcnow, writing
from mentoring.extensions import db
from mentoring.models import LoginAttempt, LoginSession, Person, normalise_email
from mentoring.services import Conflict, Forbidden, ServiceError
from mentoring.services.infra import audit, tokens
from mentoring.services.infra.passwords import hash_password, needs_rehash, password_problem, verify_password

TOUCH_EVERY = timedelta(seconds=60)


class WrongPassword(ServiceError):
    """The current password given does not match."""


class RegistrationClosed(ServiceError):
    """Self-registration is off and the email is not one from the HR import."""


REGISTRATION_CLOSED = (
    "Accounts here are for the people in the organisation's HR records. Register with your work email exactly as "
    "HR has it, or ask the programme team to add you."
)


class TooManyAttempts(ServiceError):
    """Too many failed sign-ins from this address or for this account in the last minute."""


class EmailNotConfirmed(ServiceError):
    """The password is right but the account waits for its email link (SELF_REGISTRATION=verified)."""


@dataclass(frozen=True)
class NewAccount:
    """What someone gives to register."""

    name: str
    email: str
    password: str
    is_mentor: bool = False
    is_leader: bool = False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_by_email(email: str) -> Person | None:
    """The person with this email, ignoring case and surrounding spaces."""
    return db.session.execute(select(Person).where(Person.email == normalise_email(email))).scalar_one_or_none()


def _claim(person: Person, account: NewAccount) -> None:
    """An imported person without a password who registers is sent a link to set one, to their HR email:
    typing someone's address never takes over their account. The answer is the same as for a taken email.
    The roles they ask for (mentor, leader: no privilege) are noted so the link lands them on their pages."""
    if person.is_active and person.password_hash is None:
        from mentoring.services.usecases import password_reset

        person.is_mentor = person.is_mentor or account.is_mentor
        person.is_leader = person.is_leader or account.is_leader
        audit.record("account.claim_link", object_type="person", object_id=person.id)
        db.session.commit()
        password_reset.send_reset_link(person.id)
        return
    audit.record("account.register_taken", object_type="person", object_id=person.id)
    db.session.commit()


def register(account: NewAccount, needs_verification: bool = False) -> Person | None:
    """Create an account; returns None (not an error) when the email is taken, to avoid enumeration.

    With `needs_verification` the account cannot sign in until its email link is followed. A person from the
    HR import without a password is emailed a link to set one (`_claim`). With SELF_REGISTRATION=off nobody
    else can register (RegistrationClosed).
    """
    problem = password_problem(account.password, account.email, account.name)
    if problem:
        raise ServiceError(problem)
    email = normalise_email(account.email)
    # The same work whether or not the email is taken (one argon2 hash, one audited write and a commit),
    # so the answer's timing does not tell who has an account.
    password_hash = hash_password(account.password)
    existing = find_by_email(email)
    if existing is not None and existing.external_id is not None:
        _claim(existing, account)
        return None
    if current_app.config.get("SELF_REGISTRATION") == "off":
        db.session.rollback()
        raise RegistrationClosed(REGISTRATION_CLOSED)
    if existing is not None:
        audit.record("account.register_taken", object_type="person", object_id=existing.id)
        db.session.commit()
        return None
    person = Person(
        name=account.name.strip(),
        email=email,
        password_hash=password_hash,
        is_mentor=account.is_mentor,
        is_leader=account.is_leader,
        email_verified=not needs_verification,
        languages=[],
        formats=[],
    )
    db.session.add(person)
    try:
        db.session.flush()
        audit.record("account.registered", actor=person, object_type="person", object_id=person.id)
        db.session.commit()
    except IntegrityError:
        # A simultaneous sign-up with the same email won the race.
        db.session.rollback()
        return None
    return person


def create_manager(name: str, email: str, password: str) -> Person:
    """Create a programme manager, or make an existing account one (CLI only)."""
    person = find_by_email(email)
    if person is None:
        problem = password_problem(password, email, name)
        if problem:
            raise ServiceError(problem)
        person = Person(
            name=name.strip(),
            email=normalise_email(email),
            password_hash=hash_password(password),
            languages=[],
            formats=[],
        )
        db.session.add(person)
    person.is_manager = True
    db.session.flush()
    audit.record("role.granted", object_type="person", object_id=person.id, detail="manager (command line)")
    db.session.commit()
    return person


def account_key(email: str) -> str:
    """A keyed hash of a typed email, for rate limiting: whatever was typed (even a password) is not kept."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, normalise_email(email).encode(), hashlib.sha256).hexdigest()


def _over_limit(ip: str, key: str, now: datetime) -> bool:
    """Whether failures (this attempt included) from the address, or for the account, exceed the limit."""
    limit = current_app.config["LOGIN_FAILURES_PER_MINUTE"]
    for same in (LoginAttempt.ip == ip, LoginAttempt.account == key):
        failures = select(func.count(LoginAttempt.id)).where(
            same,
            LoginAttempt.kind == "login",
            LoginAttempt.at >= now - timedelta(minutes=1),
            LoginAttempt.succeeded.is_(False),
        )
        if db.session.execute(failures).scalar_one() > limit:
            return True
    return False


def _audit_object(person: Person | None) -> dict[str, object]:
    # Name the account by id when it exists; an unknown one stays "unknown" so that a password
    # typed into the email field never reaches the audit log.
    return (
        {"object_type": "person", "object_id": person.id}
        if person
        else {"object_type": "account", "object_id": "unknown"}
    )


def authenticate(email: str, password: str, ip: str, now: datetime | None = None) -> Person | None:
    """The person if email and password match; records the attempt; raises TooManyAttempts when limited.

    The attempt is stored (as a failure) and committed before the password is checked, so every worker
    process counts it at once: parallel guesses cannot slip past the limit while others are verified.
    """
    now = now or utcnow()
    ip = ip[:64]
    key = account_key(email)
    attempt = LoginAttempt(at=now, ip=ip, account=key, succeeded=False)
    db.session.add(attempt)
    db.session.commit()
    person = find_by_email(email)
    if _over_limit(ip, key, now):
        audit.record("login.rate_limited", ip=ip, **_audit_object(person))
        db.session.commit()
        raise TooManyAttempts("Too many failed sign-ins. Wait a minute and try again.")
    # One argon2 verification whether or not the account exists (a dummy hash stands in): same timing.
    ok = verify_password(person.password_hash if person else None, password)
    ok = ok and person is not None and person.is_active
    if ok and not person.email_verified:
        audit.record("login.unconfirmed", ip=ip, **_audit_object(person))
        db.session.commit()
        raise EmailNotConfirmed(
            "Confirm your email address first: open the link we sent you. Registering again sends a new link."
        )
    attempt.succeeded = ok
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(days=1)))
    if ok and person.password_hash and needs_rehash(person.password_hash):
        person.password_hash = hash_password(password)
    audit.record(
        "login.success" if ok else "login.failure", actor=person if ok else None, ip=ip, **_audit_object(person)
    )
    db.session.commit()
    return person if ok else None


def start_login_session(person: Person, ip: str = "", user_agent: str = "") -> str:
    """Open a server-side login session and return its new token (a fresh identifier at every login)."""
    token = secrets.token_urlsafe(32)
    with writing():
        db.session.add(
            LoginSession(token_hash=_token_hash(token), person_id=person.id, ip=ip[:64], user_agent=user_agent[:200])
        )
        db.session.commit()
    person.login_token = token
    return token


def _idle_limit(person: Person) -> timedelta:
    config = current_app.config
    return config["IDLE_TIMEOUT_MANAGER"] if person.is_manager else config["IDLE_TIMEOUT_OTHERS"]


def load_login_session(token: str) -> Person | None:
    """The person behind a live login session token; expired or revoked sessions give None."""
    if not token or len(token) > 100:
        return None
    # The session and its person in one query: this runs on every request.
    row = db.session.execute(
        select(LoginSession)
        .where(LoginSession.token_hash == _token_hash(token))
        .options(joinedload(LoginSession.person))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    person = row.person
    now = utcnow()
    expired = (
        not person.is_active
        or now - row.last_seen_at > _idle_limit(person)
        or now - row.created_at > current_app.config["ABSOLUTE_TIMEOUT"]
    )
    if expired:
        _touch(row.id, revoked_at=now)
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        _touch(row.id, last_seen_at=now)
    person.login_token = token
    return person


def _touch(session_id: int, **values: object) -> None:
    """Write to a login session in a short transaction of its own (a read-only request only reads around it)."""
    with writing():
        db.session.execute(update(LoginSession).where(LoginSession.id == session_id).values(**values))
        db.session.commit()


def end_login_session(token: str | None) -> None:
    """Revoke one login session (logout): a copy of its cookie no longer works."""
    if token:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == _token_hash(token), LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    db.session.commit()


def revoke_sessions(person: Person, keep_token: str | None = None) -> int:
    """Revoke every live login session of a person except `keep_token`; returns how many (no commit)."""
    query = update(LoginSession).where(LoginSession.person_id == person.id, LoginSession.revoked_at.is_(None))
    if keep_token:
        query = query.where(LoginSession.token_hash != _token_hash(keep_token))
    return db.session.execute(query.values(revoked_at=utcnow())).rowcount or 0


def change_password(person: Person, current: str, new: str) -> None:
    """Change a password after checking the current one; ends the person's other sessions."""
    if not verify_password(person.password_hash, current):
        raise WrongPassword("Your current password is not right.")
    problem = password_problem(new, person.email, person.name)
    if problem:
        raise ServiceError(problem)
    person.password_hash = hash_password(new)
    revoke_sessions(person, keep_token=person.login_token)
    audit.record("account.password_changed", actor=person, object_type="person", object_id=person.id)
    db.session.commit()


def lock_managers(manager: Person, *others: Person) -> list[Person]:
    """Lock the active managers' rows (and `others`), re-read them, and check `manager` still is one.

    Two managers taking each other's role (or disabling each other) at the same moment would
    otherwise both pass their checks and leave the programme with no manager.
    """
    ids = {manager.id, *(other.id for other in others)}
    query = locked(
        select(Person)
        .where((Person.is_manager.is_(True) & Person.is_active.is_(True)) | Person.id.in_(ids))
        .order_by(Person.id)
    )
    rows = list(db.session.execute(query.execution_options(populate_existing=True)).scalars())
    if not (manager.is_manager and manager.is_active):
        raise Forbidden("You are no longer a programme manager.")
    return [row for row in rows if row.is_manager and row.is_active]


def set_active(manager: Person, person: Person, active: bool) -> None:
    """Disable or re-enable an account; disabling ends all its sessions."""
    if person.id == manager.id and not active:
        raise Conflict("You cannot disable your own account.")
    lock_managers(manager, person)
    person.is_active = active
    if not active:
        revoke_sessions(person)
        tokens.revoke_all(person)  # an invitation or reset link must not open a disabled account
    audit.record(
        "account.enabled" if active else "account.disabled", actor=manager, object_type="person", object_id=person.id
    )
    db.session.commit()


def set_roles(manager: Person, person: Person, mentor: bool, leader: bool, is_manager: bool) -> None:
    """Change a person's roles (managers only); a manager cannot remove their own manager role."""
    if person.id == manager.id and not is_manager:
        raise Conflict("You cannot remove your own manager role.")
    lock_managers(manager, person)
    before = ",".join(person.roles) or "none"
    person.is_mentor, person.is_leader, person.is_manager = mentor, leader, is_manager
    after = ",".join(person.roles) or "none"
    if before != after:
        if not is_manager:
            revoke_sessions(person)
        audit.record(
            "role.changed", actor=manager, object_type="person", object_id=person.id, detail=f"{before} -> {after}"
        )
    db.session.commit()


def sso_person(email: str) -> Person | None:
    """The active person a trusted proxy's identity header names, or None."""
    person = find_by_email(email)
    return person if person is not None and person.is_active else None
