"""Programme manager pages for leader choice: start it on an open cohort, follow it, refresh, close it."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from mentoring.access import manager_required
from mentoring.database import utcnow
from mentoring.forms import show_field_error
from mentoring.programme import bp
from mentoring.programme.forms import StartChoiceForm
from mentoring.programme.views import load_cohort
from mentoring.services import InvalidField
from mentoring.services.readmodels import choices
from mentoring.services.usecases import leader_choice


def _choice_page(cohort_id: int, form: StartChoiceForm | None = None, status: int = 200) -> tuple[str, int]:
    found = load_cohort(cohort_id)
    summary = choices.round_summary(found.id)
    return render_template(
        "programme/choice.html",
        cohort=found,
        summary=summary,
        form=form or StartChoiceForm(formdata=None),
        startable=summary is None and found.status in leader_choice.STARTABLE,
        passed=summary is not None and choices.deadline_passed(summary, utcnow()),
    ), status


@bp.route("/cohorts/<id:cohort_id>/choice")
@manager_required
def choice(cohort_id: int) -> tuple[str, int]:
    """Leader choice for the cohort: how to start it, or how it goes."""
    return _choice_page(cohort_id)


@bp.route("/cohorts/<id:cohort_id>/choice/start", methods=["POST"])
@manager_required
def start_choice(cohort_id: int) -> Response | tuple[str, int]:
    """Run the cohort as "leaders choose" until the deadline."""
    found = load_cohort(cohort_id)
    form = StartChoiceForm()
    if form.validate_on_submit():
        deadline = datetime.combine(form.deadline.data, time(23, 59), tzinfo=UTC)
        try:
            result = leader_choice.start(current_user, found.id, deadline)
        except InvalidField as exc:
            show_field_error(form, exc)
        else:
            flash(
                f"Leaders choose until {form.deadline.data:%d %B %Y}: {result.choosing} leaders were told by email.",
                "success",
            )
            return redirect(url_for("programme.choice", cohort_id=found.id))
    return _choice_page(found.id, form, status=400)


@bp.route("/cohorts/<id:cohort_id>/choice/refresh", methods=["POST"])
@manager_required
def refresh_choice(cohort_id: int) -> Response:
    """Compute the suggestions again (after capacity changed, for example)."""
    found = load_cohort(cohort_id)
    result = leader_choice.refresh(found.id)
    flash(f"Suggestions refreshed for {result.choosing} leaders still choosing.", "success")
    return redirect(url_for("programme.choice", cohort_id=found.id))


@bp.route("/cohorts/<id:cohort_id>/choice/close", methods=["POST"])
@manager_required
def close_choice(cohort_id: int) -> Response:
    """Close the choosing now: everyone without a pair gets the optimum."""
    found = load_cohort(cohort_id)
    made = leader_choice.fall_back(current_user, found.id)
    flash(f"Choosing is closed: the optimum paired {made} more leaders, who were told by email.", "success")
    return redirect(url_for("programme.choice", cohort_id=found.id))
