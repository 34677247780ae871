"""Programme manager pages for invitations: pick people, invite them to a cohort, follow and resend."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from mentoring.access import manager_required
from mentoring.forms import choices, show_field_error
from mentoring.models import InvitationRole
from mentoring.programme import bp
from mentoring.programme.invitation_forms import InviteFilterForm, InviteForm
from mentoring.services import Conflict, InvalidField, ServiceError
from mentoring.services.infra import jobs
from mentoring.services.readmodels import invitations as invitation_pages
from mentoring.services.usecases import invitations
from mentoring.services.usecases.cohorts import get_cohort

FILTER_ARGUMENTS = ("department", "grade_min", "grade_max", "not_in_cohort")


def page_number() -> int:
    """The `?page=` number; anything that is not a small positive number is page 1."""
    raw = request.args.get("page", "")
    return int(raw) if re.fullmatch(r"[0-9]{1,6}", raw) and int(raw) > 0 else 1


def _filter(form: InviteFilterForm) -> invitation_pages.PeopleFilter:
    if not form.validate():
        return invitation_pages.PeopleFilter()
    return invitation_pages.PeopleFilter(
        department=form.department.data or None,
        grade_min=form.grade_min.data,
        grade_max=form.grade_max.data,
        not_in_cohort=bool(form.not_in_cohort.data),
    )


@bp.route("/cohorts/<id:cohort_id>/invite", methods=["GET", "POST"])
@manager_required
def invite(cohort_id: int) -> str | Response:
    """Pick people (by department, grade, not yet in a cohort) and invite them as mentors or leaders."""
    cohort = get_cohort(cohort_id)
    filters = InviteFilterForm(request.args)
    filters.department.choices = choices(
        [("", "Every department")] + [(name, name) for name in invitation_pages.departments()]
    )
    form = InviteForm()
    if form.validate_on_submit():
        try:
            report = invitations.invite(current_user, cohort.id, InvitationRole(form.role.data), form.people.data or [])
        except InvalidField as exc:
            show_field_error(form, exc)
        except ServiceError as exc:
            flash(str(exc), "error")
        else:
            # Bulk sending is a job: the page answers at once.
            jobs.enqueue(invitations.SEND_TASK, list(report.to_send))
            notes = []
            if report.already_joined:
                notes.append(f"{report.already_joined} had already joined")
            if report.not_active:
                notes.append(f"{report.not_active} are disabled or gone")
            flash(
                f"{len(report.to_send)} invitation(s) are on their way."
                + (f" Left out: {', '.join(notes)}." if notes else ""),
                "success",
            )
            return redirect(url_for("programme.invitations", cohort_id=cohort.id))
    page = invitation_pages.candidates(cohort.id, _filter(filters), page_number())
    arguments = {name: request.args[name] for name in FILTER_ARGUMENTS if name in request.args}
    return render_template(
        "programme/invite.html", cohort=cohort, filters=filters, form=form, page=page, arguments=arguments
    )


@bp.route("/cohorts/<id:cohort_id>/invitations", endpoint="invitations")
@manager_required
def invitations_page(cohort_id: int) -> str:
    """Who was invited to the cohort: joined, not yet answered, links run out; resend from here."""
    cohort = get_cohort(cohort_id)
    return render_template(
        "programme/invitations.html",
        cohort=cohort,
        counts=invitation_pages.counts(cohort.id),
        page=invitation_pages.cohort_invitations(cohort.id, page_number()),
    )


@bp.route("/cohorts/<id:cohort_id>/invitations/<id:invitation_id>/resend", methods=["POST"])
@manager_required
def resend_invitation(cohort_id: int, invitation_id: int) -> Response:
    """Send an invitation again with a new link; the old link stops working."""
    try:
        sent = invitations.resend(current_user, cohort_id, invitation_id)
    except Conflict as exc:
        flash(str(exc), "error")
    else:
        jobs.enqueue(invitations.SEND_TASK, [sent])
        flash("The invitation is sent again with a new link; the earlier link no longer works.", "success")
    return redirect(url_for("programme.invitations", cohort_id=cohort_id))
