"""Views of a person's own account: password, data download, deletion."""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from mentoring import limits
from mentoring.account import bp
from mentoring.account.forms import DeleteAccountForm, PasswordChangeForm
from mentoring.services import Conflict, ServiceError
from mentoring.services.usecases import account_data, accounts

EXPORT_FILENAME = "my-reverse-mentoring-data.json"


def _overview(password_form: PasswordChangeForm | None = None, delete_form: DeleteAccountForm | None = None) -> str:
    return render_template(
        "account/overview.html",
        form=password_form or PasswordChangeForm(),
        delete_form=delete_form or DeleteAccountForm(),
    )


@bp.route("/", methods=["GET"])
@login_required
def overview() -> str:
    """The account page: details, password, data download and deletion."""
    return _overview()


@bp.route("/password", methods=["POST"])
@login_required
@limits.current_password
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
    return _overview(password_form=form)


@bp.route("/data.json", methods=["GET"])
@login_required
@limits.exports
def download_data() -> Response:
    """All the person's own data as a JSON file."""
    data = account_data.export_data(current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    return Response(
        body, mimetype="application/json", headers={"Content-Disposition": f'attachment; filename="{EXPORT_FILENAME}"'}
    )


@bp.route("/delete", methods=["POST"])
@login_required
@limits.current_password
def delete() -> str | Response:
    """Delete the account after the password is entered again; the other person of each pair is told."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            account_data.delete_account(current_user, form.password.data)
        except accounts.WrongPassword as exc:
            form.password.errors.append(str(exc))
        except Conflict as exc:
            form.understood.errors.append(str(exc))
        else:
            logout_user()
            session.clear()
            flash("Your account and your data are deleted. Thank you for taking part.", "info")
            return redirect(url_for("main.home"))
    return _overview(delete_form=form)
