"""Leader pages: the request for a mentor with goals, and the mentor matched to the leader."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from mentoring.access import ID_MAX, leader_required
from mentoring.errors import refusal_lands_on
from mentoring.forms import show_field_error
from mentoring.leaders import bp
from mentoring.leaders.forms import LeaderRequestForm
from mentoring.services import InvalidField
from mentoring.services.readmodels import choices, my_pairs
from mentoring.services.usecases import people, profiles


def _cohort_argument() -> int | None:
    """The `?cohort=` id, None when absent; anything but a valid id is a 404, like an id in a path."""
    raw = request.args.get("cohort")
    if raw is None:
        return None
    if not re.fullmatch(r"[0-9]{1,10}", raw) or not 1 <= int(raw) <= ID_MAX:
        abort(404)
    return int(raw)


def _default_choice(options: list[profiles.RequestCohort]) -> profiles.RequestCohort | None:
    """Without `?cohort=`: the only cohort taking requests (or the one already asked in), else the latest request."""
    editable = [option for option in options if option.editable]
    asked = [option for option in editable if option.request is not None]
    if len(editable) == 1:
        return editable[0]
    if len(asked) == 1:
        return asked[0]
    if not editable:
        return next((option for option in options if option.request is not None), None)
    return None


def _saved_message(chosen: profiles.RequestCohort) -> str:
    """What the leader reads once their request is stored, true to the cohort's status."""
    done = "Your request is saved." if chosen.request else "Your request is sent."
    if chosen.running:
        return (
            f"{done} {chosen.cohort.name} is already running: once the programme manager approves, you are matched "
            "with a mentor who has room and hear by email. You can change or withdraw it until a mentor is proposed."
        )
    return f"{done} You can change it until sign-up closes."


@bp.route("/request", methods=["GET", "POST"])
@leader_required
def request_mentor() -> str | Response:
    """Request a mentor in an open or running cohort, or change the request; otherwise it is read-only."""
    cohort_id = _cohort_argument()
    options = profiles.leader_cohorts(current_user)
    chosen = _default_choice(options) if cohort_id is None else profiles.leader_request(current_user, cohort_id)
    if chosen is None or not chosen.editable:
        if request.method == "POST":
            if chosen is not None:
                flash(chosen.refusal, "error")
            return redirect(url_for("leaders.request_mentor", cohort=chosen.cohort.id if chosen else None))
        return render_template("leaders/request.html", options=options, chosen=chosen, form=None)

    form = LeaderRequestForm()
    if chosen.request is not None:
        form.submit.label.text = "Update my request"
    form.set_skills(profiles.goal_skills(chosen.request))
    form.lock_fields(people.hr_locked_fields(current_user))
    if request.method == "GET":
        form.fill_details(people.details_of(current_user))
        if chosen.request is not None:
            form.fill_request(chosen.request)
    elif form.validate_on_submit():
        rows = form.goal_rows()
        ask = profiles.LeaderAsk(
            achieve=form.achieve.data or "",
            about_me=form.about_me.data or "",
            mentors_wanted=form.mentors_wanted.data,
            goals=[goal for _, goal in rows],
        )
        refusal_lands_on("leaders.request_mentor", cohort=chosen.cohort.id)
        try:
            profiles.save_leader_request(current_user, chosen.cohort.id, form.details(), ask)
        except InvalidField as exc:
            if exc.field.startswith("goals.") and rows:
                # The service numbers the goals it was given; point at the row they came from.
                parts = exc.field.split(".")
                position = min(int(parts[1]), len(rows) - 1)
                exc.field = ".".join(["goals", str(rows[position][0]), *parts[2:]])
            show_field_error(form, exc)
        else:
            flash(_saved_message(chosen), "success")
            return redirect(url_for("leaders.request_mentor", cohort=chosen.cohort.id))
    return render_template("leaders/request.html", options=options, chosen=chosen, form=form)


@bp.route("/request/<id:cohort_id>/withdraw", methods=["POST"])
@leader_required
def withdraw_request(cohort_id: int) -> Response:
    """Withdraw the leader's own request while it can still change."""
    refusal_lands_on("leaders.request_mentor", cohort=cohort_id)
    cohort = profiles.withdraw_leader_request(current_user, cohort_id)
    until = "while the programme is running" if cohort.status == "published" else "while sign-up is open"
    flash(f"Your request for {cohort.name} is withdrawn. You can send a new one {until}.", "success")
    return redirect(url_for("leaders.request_mentor", cohort=cohort_id))


@bp.route("/mentor")
@leader_required
def my_mentor() -> str:
    """The mentor(s) matched to this leader in published cohorts: who, why this pair, how to get in touch."""
    return render_template(
        "leaders/mentor.html", page=my_pairs.leader_pairs(current_user), choosing=choices.choosing_cohorts(current_user)
    )
