"""Programme manager pages for matching: run, review, pin and forbid, publish, attention list and re-pair."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import flash, jsonify, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from mentoring.access import manager_required
from mentoring.errors import refusal_lands_on
from mentoring.forms import choices
from mentoring.programme import bp
from mentoring.programme.forms import PairRuleForm, PublishForm, RepairForm
from mentoring.programme.views import load_cohort
from mentoring.services import Conflict, NotFound, ServiceError
from mentoring.services.readmodels import run_progress, run_review
from mentoring.services.usecases import pair_rules, publishing, run_jobs

if TYPE_CHECKING:
    from mentoring.models import FitCheck, Match, MatchRun


def _review_url(cohort_id: int) -> str:
    return url_for("programme.review", cohort_id=cohort_id)


def _people_choices(form: PairRuleForm, cohort_id: int) -> None:
    form.leader_id.choices = choices((p.id, p.name) for p in pair_rules.cohort_leaders(cohort_id))
    form.mentor_id.choices = choices((p.id, p.name) for p in pair_rules.cohort_mentors(cohort_id))


def _count(number: int, one: str, many: str | None = None) -> str:
    """A counted noun: 1 pair, 2 pairs, 1 person, 3 people."""
    return f"{number} {one if number == 1 else many or one + 's'}"


def _run_flash(run: MatchRun) -> None:
    unmatched = len(run.unmatched or [])
    if run.status == "infeasible":
        flash("The matching found no solution that keeps every rule. See the reason below.", "error")
    else:
        note = f"; {_count(unmatched, 'leader')} without a mentor" if unmatched else ""
        flash(
            f"The matching proposed {_count(run.matched, 'pair')}{note}. Review them below.",
            "success" if not unmatched else "warning",
        )


def _requested_flash(requested: run_jobs.RunRequest) -> None:
    """Tell the manager what became of the run she asked for (it may have finished already)."""
    job = requested.job
    if requested.already:
        flash("A matching run of this cohort is already queued or running: its progress is shown below.", "warning")
    elif job.stage == run_jobs.RunStage.DONE and job.run is not None:
        _run_flash(job.run)
    elif job.stage == run_jobs.RunStage.FAILED:
        flash(job.detail or "The matching could not run.", "error")
    else:
        flash("The matching is queued: its progress is shown below. You can leave this page and come back.", "info")


@bp.route("/cohorts/<id:cohort_id>/run", methods=["POST"])
@manager_required
def run_matching(cohort_id: int) -> Response:
    """Queue the optimiser for the cohort (one run at a time per cohort) and show its progress."""
    found = load_cohort(cohort_id)
    try:
        requested = run_jobs.request_run(current_user, found.id)
    except Conflict as exc:
        flash(str(exc), "warning")
    except ServiceError as exc:
        flash(str(exc), "error")
    else:
        _requested_flash(requested)
    return redirect(_review_url(found.id))


@bp.route("/cohorts/<id:cohort_id>/jobs/<id:job_id>/cancel", methods=["POST"])
@manager_required
def cancel_run(cohort_id: int, job_id: int) -> Response:
    """Cancel a queued or running matching job: the cohort is free again at once."""
    found = load_cohort(cohort_id)
    try:
        run_jobs.cancel(current_user, found.id, job_id)
    except Conflict as exc:
        flash(str(exc), "warning")
    else:
        flash("The matching run is cancelled. Nothing it finds now is kept.", "success")
    return redirect(_review_url(found.id))


@bp.route("/cohorts/<id:cohort_id>/run-progress")
@manager_required
def run_progress_json(cohort_id: int) -> Response:
    """The latest matching job's progress as JSON, polled by site.js on the cohort and review pages."""
    found = load_cohort(cohort_id)
    progress = run_progress.latest_progress(found.id)
    return jsonify(progress.as_json() if progress else {"stage": None, "active": False})


@bp.route("/cohorts/<id:cohort_id>/review")
@manager_required
def review(cohort_id: int) -> str:
    """The latest run: pairs with reasons, unmatched leaders, mentor loads, earlier runs, pins and forbids."""
    found = load_cohort(cohort_id)
    page = run_review.review(found.id)
    form = PairRuleForm()
    _people_choices(form, found.id)
    publish_form = PublishForm(run_id=str(page.run.id) if page.run else "")
    progress = run_progress.latest_progress(found.id)
    return render_template(
        "programme/review.html", cohort=found, page=page, form=form, publish_form=publish_form, progress=progress
    )


def _pair_rule(cohort_id: int, leader_id: int, mentor_id: int, kind: str) -> Response:
    found = load_cohort(cohort_id)
    refusal_lands_on("programme.review", cohort_id=found.id)
    pair_rules.set_pair_rule(current_user, found.id, leader_id, mentor_id, kind)
    flash(
        "The pair is pinned: the next run keeps it."
        if kind == "pin"
        else "The pair is forbidden: the next run will not propose it.",
        "success",
    )
    return redirect(_review_url(found.id))


@bp.route("/cohorts/<id:cohort_id>/pairs/<id:leader_id>/<id:mentor_id>/pin", methods=["POST"])
@manager_required
def pin_pair(cohort_id: int, leader_id: int, mentor_id: int) -> Response:
    """Pin a proposed pair."""
    return _pair_rule(cohort_id, leader_id, mentor_id, "pin")


@bp.route("/cohorts/<id:cohort_id>/pairs/<id:leader_id>/<id:mentor_id>/forbid", methods=["POST"])
@manager_required
def forbid_pair(cohort_id: int, leader_id: int, mentor_id: int) -> Response:
    """Forbid a proposed pair."""
    return _pair_rule(cohort_id, leader_id, mentor_id, "forbid")


@bp.route("/cohorts/<id:cohort_id>/pair-rules", methods=["POST"])
@manager_required
def add_pair_rule(cohort_id: int) -> str | Response:
    """Pin or forbid any leader-mentor pair of the cohort."""
    found = load_cohort(cohort_id)
    form = PairRuleForm()
    _people_choices(form, found.id)
    if not form.validate_on_submit():
        flash("Choose a leader and a mentor of this cohort.", "error")
        return redirect(_review_url(found.id))
    return _pair_rule(found.id, form.leader_id.data, form.mentor_id.data, form.kind.data)


@bp.route("/cohorts/<id:cohort_id>/pair-rules/<id:rule_id>/delete", methods=["POST"])
@manager_required
def remove_pair_rule(cohort_id: int, rule_id: int) -> Response:
    """Remove a pin or forbid."""
    found = load_cohort(cohort_id)
    refusal_lands_on("programme.review", cohort_id=found.id)
    try:
        pair_rules.remove_pair_rule(current_user, found.id, rule_id)
    except NotFound:  # a second click, or another manager was quicker: nothing left to do
        flash("That pin or forbid was already removed.", "warning")
    else:
        flash("Removed. The next run no longer follows it.", "success")
    return redirect(_review_url(found.id))


@bp.route("/cohorts/<id:cohort_id>/publish", methods=["POST"])
@manager_required
def publish(cohort_id: int) -> Response:
    """Publish the reviewed run: all pairs or none, once."""
    found = load_cohort(cohort_id)
    form = PublishForm()
    run_id = int(form.run_id.data) if (form.run_id.data or "").isdigit() and len(form.run_id.data) < 10 else None
    refusal_lands_on("programme.review", cohort_id=found.id)
    result = publishing.publish(current_user, found.id, run_id=run_id)
    if result.already:
        flash("These pairs were already published; nothing was sent twice.", "info")
    elif result.ended:
        flash(
            f"The change is published: {result.ended} pair(s) ended, {result.created} new, "
            f"{result.emails} people told by email.",
            "success",
        )
    else:
        flash(
            f"Published {_count(result.created, 'pair')}; {_count(result.emails, 'person', 'people')} told by email.",
            "success",
        )
    return redirect(url_for("programme.cohort", cohort_id=found.id))


def _repair_form(cohort_id: int) -> tuple[list[tuple[Match, list[FitCheck]]], RepairForm]:
    """The cohort's flagged pairs, and the form to choose some of them to re-pair."""
    flagged = run_review.flagged_matches(cohort_id)
    form = RepairForm()
    form.match_ids.choices = choices((m.id, f"{m.leader.name} with {m.mentor.name}") for m, _ in flagged)
    return flagged, form


@bp.route("/cohorts/<id:cohort_id>/attention")
@manager_required
def attention(cohort_id: int) -> str:
    """Pairs where either side said "not a good fit", to re-pair."""
    found = load_cohort(cohort_id)
    flagged, form = _repair_form(found.id)
    return render_template("programme/attention.html", cohort=found, flagged=flagged, form=form)


@bp.route("/cohorts/<id:cohort_id>/repair", methods=["POST"])
@manager_required
def repair(cohort_id: int) -> str | Response:
    """Re-run the matching for the chosen flagged pairs only; the result is shown for review."""
    found = load_cohort(cohort_id)
    flagged, form = _repair_form(found.id)
    if not form.validate_on_submit():
        return render_template("programme/attention.html", cohort=found, flagged=flagged, form=form)
    try:
        requested = run_jobs.request_run(current_user, found.id, repair=list(form.match_ids.data))
    except Conflict as exc:
        flash(str(exc), "warning")
        return redirect(url_for("programme.attention", cohort_id=found.id))
    except ServiceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("programme.attention", cohort_id=found.id))
    _requested_flash(requested)
    return redirect(_review_url(found.id))
