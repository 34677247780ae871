"""Email verification of self-registered accounts (SELF_REGISTRATION=verified)."""

from __future__ import annotations

from flask import current_app

from mentoring.extensions import db
from mentoring.models import Person, TokenPurpose
from mentoring.services import unit_of_work
from mentoring.services.infra import audit, mail, tokens
from mentoring.services.usecases import accounts
from mentoring.services.usecases.meetings import site_link

CHECK_EMAIL = (
    "Thank you. We have sent a link to that address: open it within 48 hours to confirm it and sign in. "
    "If it does not arrive, check the address and register again."
)


CONFIRM_TASK = "email.confirm-link"


def send_registration_mail(email: str) -> None:
    """After a registration under `verified`: a confirmation link, or a note that the account exists.

    Either way the person who typed the address sees the same page; only its owner learns more.
    """
    person = accounts.find_by_email(email)
    if person is None or not person.is_active:
        return
    site = current_app.config["SITE_NAME"]
    if person.email_verified:
        mail.send_link(
            person.email,
            f"{site}: you already have an account",
            f"Hello {person.name},\n\nSomeone (we hope you) tried to register with this address, "
            f"which already has an account. Sign in at {site_link('auth.login')}\n"
            f"Forgot your password? Ask for a new one at {site_link('auth.forgot_password')}\n",
        )
        return
    token = tokens.issue(person, TokenPurpose.VERIFY)
    db.session.commit()
    mail.send_link(
        person.email,
        f"{site}: confirm your email address",
        f"Hello {person.name},\n\nOpen this link within 48 hours to confirm your email address and sign in:\n\n"
        f"{site_link('auth.confirm_email', token=token)}\n\nIf you did not register, ignore this email.\n",
    )


def confirm_email(token: str, ip: str = "") -> Person:
    """Confirm the address through its link; the account can sign in from now on."""
    with unit_of_work():
        person = tokens.consume(token, TokenPurpose.VERIFY).person
        person.email_verified = True
        audit.record("account.email_confirmed", actor=person, object_type="person", object_id=person.id, ip=ip[:64])
    return person
