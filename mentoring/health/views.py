"""Health dashboard views: managers only."""

from __future__ import annotations

from flask import Response, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from mentoring import limits
from mentoring.access import manager_required
from mentoring.errors import refusal_lands_on
from mentoring.health import bp
from mentoring.health.forms import SendNudgesForm
from mentoring.services.readmodels import health
from mentoring.services.usecases import nudges


@bp.route("/", methods=["GET"])
@manager_required
def index() -> str:
    """Headline figures of every published or closed cohort, and of all of them together."""
    return render_template("health/index.html", lines=health.programme_overview())


@bp.route("/<id:cohort_id>", methods=["GET"])
@manager_required
def dashboard(cohort_id: int) -> str:
    """One cohort's health: pairs and their metrics, coverage, response times, attention list, graph, nudges."""
    board = health.cohort_dashboard(cohort_id, request.args.get("sort", "leader"), request.args.get("dir", "asc"))
    # matching.graph.render_svg XML-escapes every name and writes presentation attributes only (no script,
    # no style, no links), so its drawing can be inlined under the Content-Security-Policy as it is.
    svg = Markup(board.svg)  # noqa: S704  # nosec B704
    return render_template("health/dashboard.html", board=board, svg=svg, nudge_form=SendNudgesForm())


@bp.route("/<id:cohort_id>/pairs/<id:match_id>", methods=["GET"])
@manager_required
def pair(cohort_id: int, match_id: int) -> str:
    """One pair for the manager: sessions, ratings, feedback text shared with managers, fit check, nudges."""
    managed = health.managed_pair(cohort_id, match_id)
    return render_template("health/pair.html", managed=managed)


@bp.route("/<id:cohort_id>/nudges", methods=["POST"])
@manager_required
def send_nudges(cohort_id: int) -> Response:
    """Send the nudges due now for this cohort."""
    form = SendNudgesForm()
    if form.validate_on_submit():
        refusal_lands_on("health.dashboard", cohort_id=cohort_id, _anchor="nudges")
        report = nudges.send_due_nudges(cohort_id=cohort_id, actor=current_user)
        flash(
            f"{report.queued} nudges sent ({report.stalled} stalled pairs, {report.unanswered} unanswered "
            f"proposals, {report.feedback} feedback reminders).",
            "success",
        )
    return redirect(url_for("health.dashboard", cohort_id=cohort_id) + "#nudges")


def _download(text: str, filename: str, mimetype: str) -> Response:
    response = make_response(text)
    response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/<id:cohort_id>/pairs.csv", methods=["GET"])
@manager_required
@limits.exports
def export_csv(cohort_id: int) -> Response:
    """The cohort's pairs and metrics as CSV (audited)."""
    text = health.export_csv(current_user, cohort_id)
    return _download(text, f"cohort-{cohort_id}-pairs.csv", "text/csv")


@bp.route("/<id:cohort_id>/graph.graphml", methods=["GET"])
@manager_required
@limits.exports
def export_graphml(cohort_id: int) -> Response:
    """The cohort's session graph as GraphML (audited)."""
    text = health.export_graphml(current_user, cohort_id)
    return _download(text, f"cohort-{cohort_id}-sessions.graphml", "application/graphml+xml")
