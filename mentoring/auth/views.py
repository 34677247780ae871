"""Views to register, sign in and sign out."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from mentoring import limits
from mentoring.auth import bp
from mentoring.auth.forms import LoginForm, RegisterForm
from mentoring.models import Person
from mentoring.security import client_ip, safe_next
from mentoring.services import ServiceError
from mentoring.services.infra import jobs
from mentoring.services.usecases import accounts, email_verification

REGISTERED = "Thank you. If this email was not registered already, your account is ready: sign in below."
WELCOME = "Welcome! Your account is ready."


def password_sign_in() -> bool:
    """Whether passwords are a way in at all (PASSWORD_SIGN_IN); off, the company account is the only one."""
    return bool(current_app.config.get("PASSWORD_SIGN_IN", True))


def sign_in(person: Person) -> None:
    """Start a fresh login session for `person`, ending whoever was signed in on this browser."""
    if current_user.is_authenticated:
        accounts.end_login_session(current_user.login_token)
        logout_user()
    session.clear()  # a fresh session at every login
    accounts.start_login_session(person, client_ip(), request.user_agent.string)
    login_user(person)


def landing(person: Person) -> str:
    """Where a newly signed-in person starts: their mentor profile, their request, or the home page."""
    if person.is_mentor:
        return url_for("mentors.profile")
    if person.is_leader:
        return url_for("leaders.request_mentor")
    return url_for("main.home")


@bp.route("/register", methods=["GET", "POST"])
@limits.sign_up
def register() -> str | Response:
    """Create an account as a mentor, a leader or both."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    mode = current_app.config.get("SELF_REGISTRATION", "open")
    if mode == "off" or not password_sign_in():
        return render_template("auth/register_closed.html")
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            person = accounts.register(
                accounts.NewAccount(
                    name=form.name.data,
                    email=form.email.data,
                    password=form.password.data,
                    is_mentor=form.as_mentor.data,
                    is_leader=form.as_leader.data,
                ),
                needs_verification=mode == "verified",
            )
        except accounts.RegistrationClosed as exc:
            form.email.errors.append(str(exc))
        except ServiceError as exc:
            form.password.errors.append(str(exc))
        else:
            if mode == "verified":
                # The same answer whether or not the address had an account: only its owner learns which.
                jobs.enqueue(email_verification.CONFIRM_TASK, form.email.data)
                flash(email_verification.CHECK_EMAIL, "success")
                return redirect(url_for("auth.login"))
            if person is None:
                flash(REGISTERED, "success")
                return redirect(url_for("auth.login"))
            sign_in(person)
            flash(WELCOME, "success")
            return redirect(landing(person))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Sign in; too many failures in a minute answer 429."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm() if password_sign_in() else None
    if form is not None and form.validate_on_submit():
        try:
            person = accounts.authenticate(form.email.data, form.password.data, client_ip())
        except accounts.TooManyAttempts as exc:
            raise TooManyRequests(description=str(exc), retry_after=60) from exc
        except accounts.EmailNotConfirmed as exc:
            form.password.errors.append(str(exc))
            return render_template("auth/login.html", form=form)
        if person is not None:
            sign_in(person)
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        form.password.errors.append("That email and password do not match an account.")
    elif form is None and request.method == "POST":
        abort(404)  # password sign-in is off: only the company account button is offered
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign out and end the login session on the server."""
    accounts.end_login_session(current_user.login_token)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("main.home"))
