"""Pair pages: my sessions, one pair's page, and the actions on its sessions (each a POST)."""

from __future__ import annotations

from datetime import datetime

from flask import Response, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required

from mentoring import limits
from mentoring.errors import refusal_lands_on
from mentoring.forms import choices, show_field_error
from mentoring.services import InvalidField
from mentoring.services.infra import calendar as invites
from mentoring.services.readmodels import pair_view
from mentoring.services.usecases import meetings
from mentoring.sessions import bp
from mentoring.sessions.forms import FeedbackForm, FitCheckForm, LogForm, ProposeForm


@bp.app_template_filter("in_zone")
def in_zone(moment: datetime | None, tz_name: str | None, with_zone: bool = True) -> str:
    """A UTC moment in the reader's time zone."""
    return "" if moment is None else meetings.format_local(moment, tz_name, with_zone)


def _propose_form(view: pair_view.PairView, form: ProposeForm | None = None) -> ProposeForm:
    form = form or ProposeForm(prefix="propose")
    form.skills.choices = choices((goal.skill_id, goal.name) for goal in view.goals)
    form.time.description = f"In your time zone: {meetings.zone_of(current_user.timezone).key}."
    return form


def _render_pair(
    match_id: int,
    propose: ProposeForm | None = None,
    fit: FitCheckForm | None = None,
    log_forms: dict[int, LogForm] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    view = pair_view.pair_view(current_user, match_id)
    log_forms = log_forms or {}
    for item in view.to_log:
        log_forms.setdefault(item.meeting.id, LogForm(formdata=None, prefix=f"log-{item.meeting.id}"))
    if fit is None:
        fit = FitCheckForm(prefix="fit")
        if view.my_fit is not None:
            fit.good_fit.data = "yes" if view.my_fit else "no"
    return render_template(
        "sessions/pair.html", view=view, propose_form=_propose_form(view, propose), fit_form=fit, log_forms=log_forms
    ), status


def _pair_id_of_meeting(meeting_id: int) -> int:
    """The pair of a session of mine; 404 for anyone else's."""
    return meetings.meeting_of(current_user.id, meeting_id).match_id


@bp.route("/", methods=["GET"])
@login_required
def overview() -> str:
    """My sessions: every active pair of mine with its sessions, proposals to answer, feedback and goals."""
    return render_template("sessions/overview.html", pairs=pair_view.my_pairs(current_user))


@bp.route("/pair/<id:match_id>", methods=["GET"])
@login_required
def pair(match_id: int) -> tuple[str, int]:
    """One pair's page, for its two people only."""
    return _render_pair(match_id)


@bp.route("/pair/<id:match_id>/propose", methods=["POST"])
@login_required
@limits.session_proposals
def propose(match_id: int) -> Response | tuple[str, int]:
    """Propose a session to the partner."""
    view = pair_view.pair_view(current_user, match_id)
    form = _propose_form(view, ProposeForm(prefix="propose"))
    if form.validate_on_submit():
        starts_local = datetime.combine(form.date.data, form.time.data)
        refusal_lands_on("sessions.pair", match_id=match_id)
        try:
            meetings.propose(
                current_user, match_id, starts_local, form.duration.data, form.format.data, form.skills.data or []
            )
        except InvalidField as exc:
            show_field_error(form, exc)
        else:
            flash(f"Session proposed. {view.partner.name} will get an email to accept or decline it.", "success")
            return redirect(url_for("sessions.pair", match_id=match_id))
    return _render_pair(match_id, propose=form, status=400)


def _meeting_action(meeting_id: int, action: str) -> Response:
    match_id = _pair_id_of_meeting(meeting_id)
    messages = {
        "accept": "Session accepted. Download the calendar invite below.",
        "decline": "Proposal declined. Propose another time that suits you.",
        "cancel": "Session cancelled. Your partner has been told.",
    }
    refusal_lands_on("sessions.pair", match_id=match_id)
    if action == "cancel":
        meetings.cancel(current_user, meeting_id)
    else:
        meetings.answer(current_user, meeting_id, accept=action == "accept")
    flash(messages[action], "success")
    return redirect(url_for("sessions.pair", match_id=match_id))


@bp.route("/meeting/<id:meeting_id>/accept", methods=["POST"])
@login_required
def accept(meeting_id: int) -> Response:
    """Accept the partner's proposal."""
    return _meeting_action(meeting_id, "accept")


@bp.route("/meeting/<id:meeting_id>/decline", methods=["POST"])
@login_required
def decline(meeting_id: int) -> Response:
    """Decline the partner's proposal."""
    return _meeting_action(meeting_id, "decline")


@bp.route("/meeting/<id:meeting_id>/cancel", methods=["POST"])
@login_required
def cancel(meeting_id: int) -> Response:
    """Withdraw one's proposal, or cancel a planned session before it starts."""
    return _meeting_action(meeting_id, "cancel")


@bp.route("/meeting/<id:meeting_id>/log", methods=["POST"])
@login_required
def log(meeting_id: int) -> Response | tuple[str, int]:
    """Log a planned session as held, cancelled (by whom) or missed."""
    match_id = _pair_id_of_meeting(meeting_id)
    form = LogForm(prefix=f"log-{meeting_id}")
    if form.validate_on_submit():
        refusal_lands_on("sessions.pair", match_id=match_id)
        meeting = meetings.log_outcome(current_user, meeting_id, form.outcome.data)
        if meeting.status == "held":
            flash("Logged as held. Leave your feedback while it is fresh.", "success")
            return redirect(url_for("sessions.feedback", meeting_id=meeting_id))
        flash(f"Logged as {meeting.status}.", "success")
        return redirect(url_for("sessions.pair", match_id=match_id))
    return _render_pair(match_id, log_forms={meeting_id: form}, status=400)


@bp.route("/meeting/<id:meeting_id>/feedback", methods=["GET", "POST"])
@login_required
def feedback(meeting_id: int) -> Response | tuple[str, int]:
    """Give or edit one's feedback on a held session."""
    item, match = pair_view.feedback_form_context(current_user, meeting_id)
    if "feedback" not in item.actions:
        flash("Feedback can be given on a held session of an active pair.", "error")
        return redirect(url_for("sessions.pair", match_id=match.id))
    form = FeedbackForm()
    mine = item.my_feedback  # the author's own view: every field, the private note included
    if mine is not None and not form.is_submitted():
        form.rating.data = str(mine.rating)
        form.what_worked.data, form.try_next.data = mine.what_worked, mine.try_next
        form.visibility.data, form.private_note.data = mine.visibility, mine.private_note
    if form.validate_on_submit():
        refusal_lands_on("sessions.pair", match_id=match.id)
        try:
            meetings.leave_feedback(
                current_user,
                meeting_id,
                int(form.rating.data),
                form.what_worked.data or "",
                form.try_next.data or "",
                form.visibility.data,
                form.private_note.data or "",
            )
        except InvalidField as exc:
            show_field_error(form, exc)
        else:
            flash("Thank you: your feedback is saved.", "success")
            return redirect(url_for("sessions.pair", match_id=match.id))
    status = 400 if form.is_submitted() else 200
    return render_template("sessions/feedback.html", item=item, match=match, form=form), status


@bp.route("/pair/<id:match_id>/fit", methods=["POST"])
@login_required
def fit_check(match_id: int) -> Response | tuple[str, int]:
    """Answer "is this a good fit?" (or change the answer)."""
    meetings.pair_of(current_user.id, match_id)
    form = FitCheckForm(prefix="fit")
    if form.validate_on_submit():
        refusal_lands_on("sessions.pair", match_id=match_id)
        meetings.answer_fit_check(current_user, match_id, form.good_fit.data == "yes")
        flash(
            "Thank you. The programme team will get in touch about a new pairing."
            if form.good_fit.data == "no"
            else "Thank you: glad it works.",
            "success",
        )
        return redirect(url_for("sessions.pair", match_id=match_id))
    return _render_pair(match_id, fit=form, status=400)


@bp.route("/meeting/<id:meeting_id>/invite.ics", methods=["GET"])
@login_required
def invite(meeting_id: int) -> Response:
    """The calendar invite of a planned session."""
    refusal_lands_on("sessions.pair", match_id=_pair_id_of_meeting(meeting_id))
    filename, body = invites.invite_for(current_user.id, meeting_id)
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
