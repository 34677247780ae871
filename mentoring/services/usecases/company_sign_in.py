"""Sign-in with the company account (OpenID Connect): find the person the verified ID token names.

Only existing accounts get in (imported from HR or registered). The first sign-in links the account to
the provider's subject (`sub`), so later sign-ins follow the link even if the email changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from mentoring.database import locked, utcnow
from mentoring.extensions import db
from mentoring.models import ExternalIdentity, Person, normalise_email
from mentoring.models.identity import SUBJECT_MAX
from mentoring.models.people import EMAIL_MAX, EXTERNAL_ID_MAX
from mentoring.services import ServiceError, unit_of_work
from mentoring.services.infra import audit

NOT_KNOWN = (
    "Your company account does not match anyone in this programme yet. "
    "Ask your programme manager to add you; they can see the HR records."
)


class SignInRefused(ServiceError):
    """The company account may not sign in here; `reason` is a short code for the audit log."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _text(value: object, limit: int) -> str | None:
    return value.strip() if isinstance(value, str) and 0 < len(value.strip()) <= limit else None


def _matching_person(claims: Mapping[str, object], match_claim: str) -> Person | None:
    """The account the claims name: by verified email, or by employee id (Person.external_id)."""
    if match_claim == "email":
        email = _text(claims.get("email"), EMAIL_MAX)
        if email is None or claims.get("email_verified") is False:
            return None
        query = select(Person).where(Person.email == normalise_email(email))
    else:
        value = claims.get(match_claim)
        employee_id = _text(str(value) if isinstance(value, int) else value, EXTERNAL_ID_MAX)
        if employee_id is None:
            return None
        query = select(Person).where(Person.external_id == employee_id)
    return db.session.execute(query).scalar_one_or_none()


def sign_in_with_claims(issuer: str, claims: Mapping[str, object], match_claim: str, ip: str = "") -> Person:
    """The active person a verified ID token names, linking the account on first use; SignInRefused otherwise."""
    try:
        return _sign_in(issuer, claims, match_claim, ip[:64])
    except SignInRefused as refused:
        audit.record_now(
            "login.oidc_refused", object_type="account", object_id="unknown", ip=ip[:64], detail=refused.reason
        )
        raise


def _sign_in(issuer: str, claims: Mapping[str, object], match_claim: str, ip: str) -> Person:
    subject = _text(claims.get("sub"), SUBJECT_MAX)
    if subject is None:
        raise SignInRefused(NOT_KNOWN, "no subject")
    with unit_of_work():
        query = select(ExternalIdentity).where(ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject)
        identity = db.session.execute(locked(query)).scalar_one_or_none()
        linked_now = identity is None
        if identity is None:
            person = _matching_person(claims, match_claim)
            if person is None:
                raise SignInRefused(NOT_KNOWN, f"no account matches the {match_claim} claim")
            other = select(ExternalIdentity.id).where(
                ExternalIdentity.person_id == person.id, ExternalIdentity.issuer == issuer
            )
            if db.session.execute(other).first() is not None:
                raise SignInRefused(
                    "This account is already linked to another company account. Ask your programme manager.",
                    "account linked to another subject",
                )
            identity = ExternalIdentity(person_id=person.id, issuer=issuer, subject=subject)
            db.session.add(identity)
        person = db.session.get(Person, identity.person_id)
        if person is None or not person.is_active:
            raise SignInRefused("This account is disabled. Ask your programme manager.", "account disabled")
        identity.last_used_at = utcnow()
        person.email_verified = True  # the company vouches for the person
        audit.record(
            "login.oidc",
            actor=person,
            object_type="person",
            object_id=person.id,
            ip=ip,
            detail="first sign-in: company account linked" if linked_now else "",
        )
    return person
