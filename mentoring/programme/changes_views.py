"""Changes to a published cohort: end a pair, replace a mentor, place late joiners, offer the waitlist.

Each change is proposed as a run the manager reviews on the review page, then publishes.
"""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from mentoring.access import manager_required
from mentoring.errors import refusal_lands_on
from mentoring.programme import bp
from mentoring.programme.changes_forms import EndPairForm, PairSearchForm, ReplaceForm
from mentoring.programme.views import load_cohort
from mentoring.services.readmodels import pair_changes as changes_page
from mentoring.services.readmodels.run_review import reason_lines
from mentoring.services.usecases import pair_changes, waitlist


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if re.fullmatch(r"[0-9]{1,6}", raw) else 1


def _to_review(cohort_id: int, done: str) -> Response:
    flash(done + " Review it, then publish it: nothing changes before that.", "success")
    return redirect(url_for("programme.review", cohort_id=cohort_id))


@bp.route("/cohorts/<id:cohort_id>/changes")
@manager_required
def changes(cohort_id: int) -> str:
    """The published cohort's pairs to end or change, its late joiners and its waitlist."""
    found = load_cohort(cohort_id)
    form = PairSearchForm(request.args)
    query = form.q.data or "" if form.validate() else ""
    page = changes_page.changes_page(found.id, _page_number(), query)
    return render_template("programme/changes.html", cohort=found, page=page, form=form)


@bp.route("/cohorts/<id:cohort_id>/changes/pairs/<id:match_id>", methods=["GET", "POST"])
@manager_required
def change_pair(cohort_id: int, match_id: int) -> str | Response:
    """One pair: end it (with a reason), or replace the mentor with one of the optimiser's best three."""
    found = load_cohort(cohort_id)
    match = pair_changes.active_match(found.id, match_id)
    form = EndPairForm()
    if form.validate_on_submit():
        refusal_lands_on("programme.change_pair", cohort_id=found.id, match_id=match.id)
        pair_changes.propose_end(current_user, found.id, match.id, form.reason.data, form.to_waitlist.data)
        return _to_review(found.id, "Ending the pair is proposed.")
    candidates = pair_changes.replacement_candidates(found.id, match.id)
    lines = {c.mentor.id: reason_lines(c.reasons) for c in candidates}
    return render_template(
        "programme/change_pair.html",
        cohort=found,
        match=match,
        form=form,
        candidates=candidates,
        lines=lines,
    )


@bp.route("/cohorts/<id:cohort_id>/changes/pairs/<id:match_id>/replace", methods=["POST"])
@manager_required
def replace_mentor(cohort_id: int, match_id: int) -> Response:
    """Propose the chosen new mentor for the pair's leader."""
    found = load_cohort(cohort_id)
    match = pair_changes.active_match(found.id, match_id)
    form = ReplaceForm()
    raw = form.mentor_id.data or ""
    back = redirect(url_for("programme.change_pair", cohort_id=found.id, match_id=match.id))
    if not form.validate_on_submit() or not re.fullmatch(r"[0-9]{1,9}", raw):
        flash("Choose one of the proposed mentors.", "error")
        return back
    refusal_lands_on("programme.change_pair", cohort_id=found.id, match_id=match.id)
    pair_changes.propose_replacement(current_user, found.id, match.id, int(raw))
    return _to_review(found.id, "The new mentor is proposed.")


def _propose(cohort_id: int, action: object, done: str) -> Response:
    found = load_cohort(cohort_id)
    refusal_lands_on("programme.changes", cohort_id=found.id)
    run = action(current_user, found.id)  # type: ignore[operator]
    placed = f" {run.matched} leader place(s) filled; {len(run.unmatched or [])} leader(s) still without a mentor."
    return _to_review(found.id, done + placed)


@bp.route("/cohorts/<id:cohort_id>/changes/late-joiners", methods=["POST"])
@manager_required
def place_late_joiners(cohort_id: int) -> Response:
    """Match the late joiners against the mentors' spare capacity."""
    return _propose(cohort_id, pair_changes.propose_late_joiners, "Pairs for the late joiners are proposed.")


@bp.route("/cohorts/<id:cohort_id>/changes/waitlist/offer", methods=["POST"])
@manager_required
def offer_waitlist(cohort_id: int) -> Response:
    """Offer mentors with room to the waitlist."""
    return _propose(cohort_id, pair_changes.propose_waitlist_offers, "Mentors for the waitlist are proposed.")


@bp.route("/cohorts/<id:cohort_id>/changes/waitlist/<id:person_id>/remove", methods=["POST"])
@manager_required
def remove_from_waitlist(cohort_id: int, person_id: int) -> Response:
    """Take a leader off the waitlist."""
    found = load_cohort(cohort_id)
    waitlist.remove(current_user, found.id, person_id)
    flash("The leader is off the waitlist.", "success")
    return redirect(url_for("programme.changes", cohort_id=found.id))
