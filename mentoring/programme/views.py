"""Programme manager pages for cohorts: list, create, edit, rules, life cycle and participants."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from mentoring.access import manager_required
from mentoring.errors import refusal_lands_on
from mentoring.forms import choices, show_field_error
from mentoring.programme import bp
from mentoring.programme.forms import CohortForm, ParticipantFilterForm, rules_form
from mentoring.services import InvalidField
from mentoring.services.readmodels import participants, run_progress, run_review
from mentoring.services.translators import matching_problem
from mentoring.services.usecases import cohorts, matching_runs


def load_cohort(cohort_id: int) -> cohorts.Cohort:
    """The cohort of the URL, or a 404."""
    return cohorts.get_cohort(cohort_id)


def _details(form: CohortForm) -> cohorts.CohortDetails:
    return cohorts.CohortDetails(
        name=form.name.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        stall_days=form.stall_days.data or 0,
    )


@bp.route("/cohorts", endpoint="cohorts")
@manager_required
def cohorts_page() -> str:
    """Every cohort with its counts and status."""
    return render_template("programme/cohorts.html", summaries=cohorts.cohort_summaries())


@bp.route("/cohorts/new", methods=["GET", "POST"])
@manager_required
def new_cohort() -> str | Response:
    """Create a cohort."""
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = cohorts.create_cohort(current_user, _details(form))
        except InvalidField as exc:
            show_field_error(form, exc)
        else:
            flash(f"Cohort {cohort.name} is open. Mentors and leaders can now sign up to it.", "success")
            return redirect(url_for("programme.cohort", cohort_id=cohort.id))
    return render_template("programme/cohort_form.html", form=form, cohort=None)


@bp.route("/cohorts/<id:cohort_id>")
@manager_required
def cohort(cohort_id: int) -> str:
    """One cohort: status, numbers, what to do next."""
    found = load_cohort(cohort_id)
    summary = cohorts.cohort_summaries(only=found.id)[0]
    return render_template(
        "programme/cohort.html",
        cohort=found,
        summary=summary,
        latest=run_review.latest_run(found.id),
        flagged=len(run_review.flagged_matches(found.id)),
        running=matching_runs.run_in_progress(found),
        progress=run_progress.latest_progress(found.id),
    )


@bp.route("/cohorts/<id:cohort_id>/edit", methods=["GET", "POST"])
@manager_required
def edit_cohort(cohort_id: int) -> str | Response:
    """Change a cohort's name, dates and stall limit."""
    found = load_cohort(cohort_id)
    form = CohortForm(obj=found)
    if form.validate_on_submit():
        try:
            cohorts.update_cohort(current_user, found.id, _details(form))
        except InvalidField as exc:
            show_field_error(form, exc)
        else:
            flash("The cohort is saved.", "success")
            return redirect(url_for("programme.cohort", cohort_id=found.id))
    return render_template("programme/cohort_form.html", form=form, cohort=found)


@bp.route("/cohorts/<id:cohort_id>/rules", methods=["GET", "POST"])
@manager_required
def rules(cohort_id: int) -> str | Response:
    """The cohort's matching rules."""
    found = load_cohort(cohort_id)
    criteria = matching_problem.criteria()
    form = rules_form(criteria, None if request.method == "POST" else matching_problem.cohort_rules(found))
    if form.validate_on_submit():
        refusal_lands_on("programme.cohort", cohort_id=found.id)
        try:
            cohorts.save_rules(current_user, found.id, form.rules_data())
        except InvalidField as exc:
            show_field_error(form, exc)
        else:
            flash("The matching rules are saved. They apply from the next run.", "success")
            return redirect(url_for("programme.cohort", cohort_id=found.id))
    return render_template("programme/rules.html", form=form, cohort=found)


@bp.route("/cohorts/<id:cohort_id>/close", methods=["POST"])
@manager_required
def close_cohort(cohort_id: int) -> Response:
    """Close a published cohort."""
    return _life_cycle(cohort_id, cohorts.close_cohort, "The cohort is closed. Its pairs stay as they are.")


@bp.route("/cohorts/<id:cohort_id>/reopen", methods=["POST"])
@manager_required
def reopen_cohort(cohort_id: int) -> Response:
    """Put a matched cohort back to open."""
    return _life_cycle(
        cohort_id,
        cohorts.reopen_cohort,
        "The cohort is open again. Runs, pins and forbids are kept; run the matching when ready.",
    )


def _life_cycle(cohort_id: int, action: object, done: str) -> Response:
    found = load_cohort(cohort_id)
    refusal_lands_on("programme.cohort", cohort_id=found.id)
    action(current_user, found.id)  # type: ignore[operator]
    flash(done, "success")
    return redirect(url_for("programme.cohort", cohort_id=found.id))


@bp.route("/cohorts/<id:cohort_id>/participants", endpoint="participants")
@manager_required
def participants_page(cohort_id: int) -> str:
    """The cohort's mentors and leaders, filtered, with who is missing what."""
    found = load_cohort(cohort_id)
    form = ParticipantFilterForm(request.args)
    table = participants.participants(found.id)
    form.department.choices = choices([("", "Every department")] + [(d, d) for d in table.departments])
    if form.validate():
        table = table.filtered(
            role=form.role.data or None, department=form.department.data or None, missing_only=form.missing.data
        )
    return render_template("programme/participants.html", cohort=found, form=form, table=table)
