"""Pages behind one-time links: forgot password, new password, confirm an email address, accept an invitation.

Opening a link (GET) only shows a page; the token is used by the form's POST, because mail
scanners open links and must not use them up.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from mentoring.auth import bp
from mentoring.auth.forms import ConfirmForm, ForgotPasswordForm, NewPasswordForm
from mentoring.auth.views import landing, password_sign_in, sign_in
from mentoring.forms import show_field_error
from mentoring.models import InvitationRole, TokenPurpose
from mentoring.security import client_ip
from mentoring.services import InvalidField
from mentoring.services.infra import jobs, tokens
from mentoring.services.usecases import accounts, email_verification, invitations, password_reset

RESET_ANSWER = (
    "If an account uses this address, we have sent it a link to set a new password. The link works for one hour."
)


def expired_link() -> tuple[str, int]:
    """The page for a link that is unknown, used, replaced or expired (410 Gone)."""
    return render_template("auth/link_expired.html"), 410


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password() -> str | Response:
    """Ask for a link to set a new password; the same answer whether or not the address has an account."""
    if not password_sign_in():
        abort(404)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            person_id = password_reset.request_reset(form.email.data, client_ip())
        except accounts.TooManyAttempts as exc:
            raise TooManyRequests(description=str(exc), retry_after=3600) from exc
        # A job for every request, known address or not: the answer takes the same time either way.
        jobs.enqueue(password_reset.RESET_TASK, person_id)
        flash(RESET_ANSWER, "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    """Set a new password through a reset link; every other login session ends."""
    if not password_sign_in():
        abort(404)
    try:
        person = tokens.check(token, TokenPurpose.RESET).person
    except tokens.InvalidToken:
        return expired_link()
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            person = password_reset.reset_password(token, form.password.data, client_ip())
        except tokens.InvalidToken:
            return expired_link()
        except InvalidField as exc:
            show_field_error(form, exc)
        else:
            sign_in(person)
            flash("Your new password is set. Every other browser signed in as you has been signed out.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/new_password.html", form=form, person=person, title="Set a new password", intro=None)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> str | Response | tuple[str, int]:
    """Confirm a registered email address through its link, then sign in."""
    try:
        person = tokens.check(token, TokenPurpose.VERIFY).person
    except tokens.InvalidToken:
        return expired_link()
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            person = email_verification.confirm_email(token, client_ip())
        except tokens.InvalidToken:
            return expired_link()
        sign_in(person)
        flash("Thank you: your email address is confirmed and your account is ready.", "success")
        return redirect(landing(person))
    return render_template("auth/confirm_email.html", form=form, person=person)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> str | Response | tuple[str, int]:
    """Set a password through an invitation link, then go to the cohort's profile or request form."""
    try:
        invitation = invitations.invitation_for(token)
    except tokens.InvalidToken:
        return expired_link()
    with_password = password_sign_in()
    form = NewPasswordForm() if with_password else ConfirmForm()
    form.submit.label.text = "Set my password and continue" if with_password else "Join and continue"
    if form.validate_on_submit():
        try:
            invitation = invitations.accept(token, form.password.data if with_password else None, client_ip())
        except tokens.InvalidToken:
            return expired_link()
        except InvalidField as exc:
            show_field_error(form, exc)
        else:
            sign_in(invitation.person)
            if invitation.role == InvitationRole.MENTOR:
                flash(f"Welcome! You are a mentor in {invitation.cohort.name}: tell us what you can teach.", "success")
                return redirect(url_for("mentors.profile"))
            flash(f"Welcome! Tell us what you would like to learn in {invitation.cohort.name}.", "success")
            return redirect(url_for("leaders.request_mentor", cohort=invitation.cohort_id))
    role = "a mentor" if invitation.role == InvitationRole.MENTOR else "a leader"
    invited = f"You are invited to {invitation.cohort.name} as {role}."
    if not with_password:
        return render_template(
            "auth/new_password.html",
            form=form,
            person=invitation.person,
            title="Join the programme",
            intro=f"{invited} From now on you sign in with your company account; next you will fill in your profile.",
        )
    return render_template(
        "auth/new_password.html",
        form=form,
        person=invitation.person,
        title="Set your password",
        intro=f"{invited} Choose a password for {invitation.person.email}; next you will fill in your profile.",
    )
