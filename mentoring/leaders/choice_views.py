"""Leader pages for leader choice: see suggested mentors with the reasons, pick one, or ask for more."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from mentoring.access import leader_required
from mentoring.leaders import bp
from mentoring.leaders.views import _cohort_argument
from mentoring.services.readmodels import choices
from mentoring.services.usecases import leader_choice


@bp.route("/choose")
@leader_required
def choose() -> str:
    """The leader's suggested mentors in a cohort where leaders choose (the latest one without `?cohort=`)."""
    cohort_id = _cohort_argument()
    if cohort_id is None:
        cohorts = choices.choosing_cohorts(current_user)
        if not cohorts:
            return render_template("leaders/choose.html", page=None)
        cohort_id = cohorts[0].id
    page = choices.leader_page(current_user, cohort_id, show_more=request.args.get("more") == "1")
    return render_template("leaders/choose.html", page=page)


@bp.route("/choose/<id:cohort_id>/<id:mentor_id>", methods=["POST"])
@leader_required
def pick_mentor(cohort_id: int, mentor_id: int) -> Response:
    """Pick one of the suggested mentors; they are asked to accept."""
    if not leader_choice.is_choosing(cohort_id):
        abort(404)
    choice = leader_choice.choose(current_user, cohort_id, mentor_id)
    flash(f"You chose {choice.mentor.name}. They have been asked to accept; you will hear by email.", "success")
    return redirect(url_for("leaders.choose", cohort=cohort_id))
