"""The HR import pages: upload a CSV, read its problems or its preview, then import exactly what was previewed."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from mentoring.access import manager_required
from mentoring.errors import render_error
from mentoring.extensions import csrf
from mentoring.programme import bp
from mentoring.programme.forms import ImportCommitForm, ImportDiscardForm, ImportUploadForm
from mentoring.services.infra import jobs
from mentoring.services.translators.people_csv import COLUMNS
from mentoring.services.usecases import people_import


def _megabytes() -> int:
    return current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024)


def _upload_page(form: ImportUploadForm, plan: people_import.ImportPlan | None = None, status: int = 200) -> tuple:
    page = render_template(
        "programme/import.html",
        form=form,
        plan=plan,
        columns=COLUMNS,
        megabytes=_megabytes(),
        max_rows=current_app.config["IMPORT_MAX_ROWS"],
        shown=people_import.SHOWN,
    )
    return page, status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> tuple:
    """A file over the import's size limit gets the upload page with a plain sentence; other forms the 413 page."""
    if request.endpoint != "programme.import_upload":
        return render_error(413)
    form = ImportUploadForm(formdata=None)
    form.file.errors = [f"The file is larger than {_megabytes()} MB, the most one import takes. Split it in two."]
    return _upload_page(form, status=413)


@bp.route("/people/import")
@manager_required
def import_people() -> tuple:
    """The upload form, with the CSV format."""
    return _upload_page(ImportUploadForm(formdata=None))


@bp.route("/people/import", methods=["POST"])
@csrf.exempt  # checked below, once this route's larger size limit is set (the global check reads the body first)
@manager_required
def import_upload() -> tuple | Response:
    """Check an uploaded file: its problems on this page, or keep it and show its preview."""
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return _upload_page(form)
    data = form.file.data.read()
    plan = people_import.plan_import(data, form.leavers_absent.data, current_user)
    if not plan.ok:
        return _upload_page(form, plan)
    upload = people_import.stage_upload(current_user, form.file.data.filename or "", data, form.leavers_absent.data)
    return redirect(url_for("programme.import_preview", upload_id=upload.id))


@bp.route("/people/import/<upload_id>")
@manager_required
def import_preview(upload_id: str) -> tuple:
    """What importing the kept file would do: new, updated (with the fields), unchanged and leavers."""
    upload, plan = people_import.preview_upload(upload_id, current_user)
    if not plan.ok:
        return _upload_page(ImportUploadForm(formdata=None), plan, status=409)
    return render_template(
        "programme/import_preview.html",
        upload=upload,
        plan=plan,
        commit_form=ImportCommitForm(formdata=None, data={"digest": plan.digest}),
        discard_form=ImportDiscardForm(formdata=None),
        shown=people_import.SHOWN,
    ), 200


@bp.route("/people/import/<upload_id>/commit", methods=["POST"])
@manager_required
def import_commit(upload_id: str) -> Response:
    """Import exactly the previewed file, all or nothing."""
    form = ImportCommitForm()
    if not form.validate_on_submit():
        flash("The preview form was incomplete. Look at the preview again.", "error")
        return redirect(url_for("programme.import_preview", upload_id=upload_id))
    if people_import.runs_as_job(upload_id):
        jobs.enqueue(people_import.IMPORT_TASK, upload_id, form.digest.data, current_user.id)
        flash(
            "The file is large, so it is imported in the background: the people appear here as soon as it is done, "
            "and the audit log records the import (or why it could not be made).",
            "success",
        )
        return redirect(url_for("programme.people"))
    result = people_import.commit_upload(current_user, upload_id, form.digest.data)
    flash(
        f"Imported: {result.new} new, {result.updated} updated, {result.unchanged} unchanged, "
        f"{result.leavers} leavers ({result.pairs_ended} pairs ended, {result.emails} emails sent).",
        "success",
    )
    return redirect(url_for("programme.people"))


@bp.route("/people/import/<upload_id>/discard", methods=["POST"])
@manager_required
def import_discard(upload_id: str) -> Response:
    """Forget the kept file."""
    if ImportDiscardForm().validate_on_submit():
        people_import.discard_upload(upload_id)
        flash("The file was discarded; nothing was imported.", "info")
    return redirect(url_for("programme.import_people"))
