"""Views to register, sign in and sign out."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from mentoring import limits
from mentoring.auth import bp
from mentoring.auth.forms import LoginForm, RegisterForm
from mentoring.security import client_ip, safe_next
from mentoring.services import ServiceError
from mentoring.services.usecases import accounts

REGISTERED = "Thank you. If this email was not registered already, your account is ready: sign in below."


@bp.route("/register", methods=["GET", "POST"])
@limits.sign_up
def register() -> str | Response:
    """Create an account as a mentor, a leader or both."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            accounts.register(
                accounts.NewAccount(
                    name=form.name.data,
                    email=form.email.data,
                    password=form.password.data,
                    is_mentor=form.as_mentor.data,
                    is_leader=form.as_leader.data,
                )
            )
        except ServiceError as exc:
            form.password.errors.append(str(exc))
        else:
            flash(REGISTERED, "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Sign in; too many failures in a minute answer 429."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            person = accounts.authenticate(form.email.data, form.password.data, client_ip())
        except accounts.TooManyAttempts as exc:
            raise TooManyRequests(description=str(exc), retry_after=60) from exc
        if person is not None:
            session.clear()  # a fresh session at every login
            accounts.start_login_session(person, client_ip(), request.user_agent.string)
            login_user(person)
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        form.password.errors.append("That email and password do not match an account.")
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
