"""Views of a person's own account."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from mentoring.account import bp
from mentoring.account.forms import PasswordChangeForm
from mentoring.services import ServiceError, accounts


@bp.route("/", methods=["GET"])
@login_required
def overview() -> str:
    """The account page: details, password, data download and deletion."""
    return render_template("account/overview.html", form=PasswordChangeForm())


@bp.route("/password", methods=["POST"])
@login_required
def change_password() -> str | Response:
    """Change the password and sign out every other browser."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.new.data)
        except accounts.WrongPassword as exc:
            form.current.errors.append(str(exc))
        except ServiceError as exc:
            form.new.errors.append(str(exc))
        else:
            flash("Your password is changed. Other browsers signed in as you are signed out.", "success")
            return redirect(url_for("account.overview"))
    return render_template("account/overview.html", form=form)
