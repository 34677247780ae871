"""Invitations: a manager invites people to a cohort as mentors or leaders; each gets a 7-day one-time
link that sets their password and lands them on the right form.

`send_invitations(ids)` makes and mails the links; it is what a job runs for a bulk invitation, and it
carries only ids, so no link ever sits in a queue.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Invitation, InvitationRole, MentorEnrolment, Person, TokenPurpose
from mentoring.services import Conflict, InvalidField, NotFound, unit_of_work
from mentoring.services.infra import audit, mail, tokens
from mentoring.services.infra.passwords import hash_password, password_problem
from mentoring.services.usecases import accounts
from mentoring.services.usecases.cohorts import get_cohort
from mentoring.services.usecases.meetings import site_link

ID_MAX = 2**31 - 1  # the largest id an INTEGER column holds on every supported database
MAX_AT_ONCE = 1000  # people in one invitation request (a page shows 50; "select all" pages stay well under this)
ROLE_WORDS = {InvitationRole.MENTOR: "a mentor", InvitationRole.LEADER: "a leader"}


SEND_TASK = "invitations.send"


@dataclass(frozen=True)
class InviteReport:
    """What one invitation request did: the invitations to send, and who was left out and why."""

    to_send: list[int]
    already_joined: int
    not_active: int


def invite(manager: Person, cohort_id: int, role: InvitationRole, person_ids: Iterable[int]) -> InviteReport:
    """Invite people to an open cohort (or re-invite those who have not answered); returns what to send."""
    wanted = sorted({number for number in person_ids if 1 <= number <= ID_MAX})  # other numbers are nobody
    if not wanted:
        raise InvalidField("people", "Tick at least one person to invite.")
    if len(wanted) > MAX_AT_ONCE:
        raise InvalidField("people", f"Invite at most {MAX_AT_ONCE} people at once.")
    with unit_of_work():
        cohort = get_cohort(cohort_id, lock=True)
        if cohort.status != "open":
            raise Conflict("Invitations go to open cohorts only: reopen this one first.")
        people = db.session.execute(select(Person).where(Person.id.in_(wanted))).scalars().all()
        existing = {
            row.person_id: row
            for row in db.session.execute(
                select(Invitation).where(Invitation.cohort_id == cohort.id, Invitation.person_id.in_(wanted))
            ).scalars()
        }
        active = [person for person in people if person.is_active]
        joined = [person for person in active if person.id in existing and existing[person.id].accepted_at]
        chosen = []
        for person in active:
            invitation = existing.get(person.id)
            if invitation is None:
                invitation = Invitation(cohort_id=cohort.id, person_id=person.id, invited_by_id=manager.id)
                db.session.add(invitation)
            elif invitation.accepted_at is not None:
                continue
            invitation.role = role.value
            chosen.append(invitation)
        db.session.flush()
        audit.record(
            "invitation.created",
            actor=manager,
            object_type="cohort",
            object_id=cohort.id,
            detail=f"{len(chosen)} invited as {role.value}; {len(joined)} already joined",
        )
    return InviteReport([row.id for row in chosen], len(joined), len(wanted) - len(active))


def resend(manager: Person, cohort_id: int, invitation_id: int) -> int:
    """Check an invitation can be sent again (a new link; the old one stops working); returns its id."""
    with unit_of_work():
        invitation = db.session.get(Invitation, invitation_id)
        if invitation is None or invitation.cohort_id != cohort_id:
            raise NotFound("There is no such invitation.")
        if invitation.accepted_at is not None:
            raise Conflict(f"{invitation.person.name} has already joined.")
        if not invitation.person.is_active:
            raise Conflict(f"{invitation.person.name}'s account is disabled.")
        audit.record("invitation.resent", actor=manager, object_type="invitation", object_id=invitation.id)
    return invitation.id


def send_invitations(invitation_ids: Sequence[int]) -> int:
    """Make a fresh link for each invitation and email it; returns how many were sent (a job for bulk ones)."""
    sent = 0
    for invitation_id in sorted(set(invitation_ids)):
        invitation = db.session.get(Invitation, invitation_id)
        if invitation is None or invitation.accepted_at is not None or not invitation.person.is_active:
            continue
        token = tokens.issue(invitation.person, TokenPurpose.INVITE, invitation_id=invitation.id)
        db.session.commit()  # the link works before the email that carries it leaves
        try:
            mail.send_link(invitation.person.email, *_invitation_email(invitation, token))
        except (OSError, smtplib.SMTPException) as exc:
            invitation.send_error = f"{type(exc).__name__}: {exc}"[:300]
            current_app.logger.warning("Invitation %s not sent: %s", invitation.id, invitation.send_error)
        else:
            invitation.send_error = ""
            invitation.last_sent_at = utcnow()
            invitation.times_sent += 1
            sent += 1
        db.session.commit()
    return sent


def _invitation_email(invitation: Invitation, token: str) -> tuple[str, str]:
    site = current_app.config["SITE_NAME"]
    role = InvitationRole(invitation.role)
    then = (
        "tell us what you can teach"
        if role is InvitationRole.MENTOR
        else "tell us what you would like to learn, so we can find you a mentor"
    )
    first = "set your password" if current_app.config.get("PASSWORD_SIGN_IN", True) else "join"
    return (
        f"{site}: you are invited to {invitation.cohort.name}",
        f"Hello {invitation.person.name},\n\n"
        f"You are invited to join {invitation.cohort.name} of the reverse-mentoring programme as {ROLE_WORDS[role]}.\n"
        f"Open this link within 7 days to {first}, then {then}:\n\n"
        f"{site_link('auth.accept_invitation', token=token)}\n\n"
        "The link works once. If you were not expecting this, you can ignore it.\n",
    )


def invitation_for(token: str) -> Invitation:
    """The invitation a live link belongs to (for its page), or tokens.InvalidToken."""
    invitation = tokens.check(token, TokenPurpose.INVITE).invitation
    if invitation is None:
        raise tokens.InvalidToken()
    return invitation


def accept(token: str, password: str | None, ip: str = "") -> Invitation:
    """Set the password through an invitation link and take the role in the cohort; other sessions end.

    `password` is None when passwords are off (PASSWORD_SIGN_IN=0): the person signs in with the company account.
    """
    invitation = invitation_for(token)
    person = invitation.person
    password_hash = None
    if password is not None:
        problem = password_problem(password, person.email, person.name)
        if problem:
            raise InvalidField("password", problem)
        password_hash = hash_password(password)  # slow on purpose: before the row lock is taken
    with unit_of_work():
        invitation = tokens.consume(token, TokenPurpose.INVITE).invitation
        person = invitation.person
        if password_hash is not None:
            person.password_hash = password_hash
        person.email_verified = True  # the link reached the address
        if invitation.role == InvitationRole.MENTOR:
            person.is_mentor = True
            _enrol(person, invitation.cohort_id, invitation.cohort.status == "open")
        else:
            person.is_leader = True
        invitation.accepted_at = utcnow()
        accounts.revoke_sessions(person)
        audit.record(
            "invitation.accepted",
            actor=person,
            object_type="invitation",
            object_id=invitation.id,
            detail=f"cohort {invitation.cohort_id} as {invitation.role}",
            ip=ip[:64],
        )
    return invitation


def _enrol(person: Person, cohort_id: int, cohort_open: bool) -> None:
    """Enrol a mentor in the cohort they were invited to, if it is still open and they are not yet in it."""
    query = select(MentorEnrolment.id).where(
        MentorEnrolment.cohort_id == cohort_id, MentorEnrolment.person_id == person.id
    )
    if cohort_open and db.session.execute(query).first() is None:
        db.session.add(MentorEnrolment(cohort_id=cohort_id, person_id=person.id))
