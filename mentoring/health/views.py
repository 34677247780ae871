"""Health dashboard views: managers only."""

from __future__ import annotations

from flask import Response, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from mentoring import limits
from mentoring.access import manager_required
from mentoring.errors import refusal_lands_on
from mentoring.health import bp
from mentoring.health.forms import RequestExportForm, SendNudgesForm
from mentoring.models import ExportKind
from mentoring.services.readmodels import exports as exports_read
from mentoring.services.readmodels import health, health_pair
from mentoring.services.readmodels.exports import FORMATS
from mentoring.services.readmodels.paging import page_number
from mentoring.services.usecases import cohorts, exports, nudges


@bp.route("/", methods=["GET"])
@manager_required
def index() -> str:
    """Headline figures of every published or closed cohort, and of all of them together."""
    return render_template("health/index.html", lines=health.programme_overview())


@bp.route("/<id:cohort_id>", methods=["GET"])
@manager_required
def dashboard(cohort_id: int) -> str:
    """One cohort's health: pairs and their metrics, coverage, response times, attention list, graph, nudges."""
    board = health.cohort_dashboard(
        cohort_id,
        request.args.get("sort", "leader"),
        request.args.get("dir", "asc"),
        status=request.args.get("status", "")[:20],
        text=request.args.get("q", "")[:120],
        page=page_number(request.args.get("page")),
    )
    # matching.graph.render_svg XML-escapes every name and writes presentation attributes only (no script,
    # no style, no links), so its drawing can be inlined under the Content-Security-Policy as it is.
    svg = Markup(board.svg)  # noqa: S704  # nosec B704
    return render_template(
        "health/dashboard.html",
        board=board,
        svg=svg,
        nudge_form=SendNudgesForm(),
        exports=exports_read.recent(cohort_id),
        formats=FORMATS,
        keep_days=exports.KEEP_DAYS,
    )


@bp.route("/<id:cohort_id>/pairs/<id:match_id>", methods=["GET"])
@manager_required
def pair(cohort_id: int, match_id: int) -> str:
    """One pair for the manager: sessions, ratings, feedback text shared with managers, fit check, nudges."""
    managed = health_pair.managed_pair(cohort_id, match_id)
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


def _to_exports(cohort_id: int) -> Response:
    cohorts.get_cohort(cohort_id)  # an unknown cohort is a 404, as on every other page of it
    return redirect(url_for("health.dashboard", cohort_id=cohort_id) + "#exports")


@bp.route("/<id:cohort_id>/exports/pairs-csv", methods=["POST"], defaults={"kind": ExportKind.PAIRS_CSV})
@bp.route("/<id:cohort_id>/exports/graphml", methods=["POST"], defaults={"kind": ExportKind.GRAPHML})
@manager_required
@limits.exports
def request_export(cohort_id: int, kind: ExportKind) -> Response:
    """Queue an export of the cohort; the dashboard lists it, with a download link once it is ready."""
    form = RequestExportForm()
    if form.validate_on_submit():
        refusal_lands_on("health.dashboard", cohort_id=cohort_id, _anchor="exports")
        exports.request_export(current_user, cohort_id, ExportKind(kind))
        flash(f"{FORMATS[ExportKind(kind)].label} is being prepared: refresh this page to download it.", "success")
    return _to_exports(cohort_id)


@bp.route("/exports/<id:export_id>", methods=["GET"])
@manager_required
def download_export(export_id: int) -> Response:
    """A ready export as the file it holds (unknown, expired, queued or failed exports are 404)."""
    text, filename, mimetype = exports_read.ready_file(export_id)
    response = make_response(text)
    response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# The first URLs of the exports built the file inside the request; bookmarks of them land on the exports list.
MOVED = "Exports are now prepared in the background: ask for one here, then download it from the list."


@bp.route("/<id:cohort_id>/pairs.csv", methods=["GET"])
@manager_required
def export_csv(cohort_id: int) -> Response:
    """Old URL of the CSV export: the dashboard's exports, where it is asked for."""
    response = _to_exports(cohort_id)
    flash(MOVED, "warning")
    return response


@bp.route("/<id:cohort_id>/graph.graphml", methods=["GET"])
@manager_required
def export_graphml(cohort_id: int) -> Response:
    """Old URL of the GraphML export: the dashboard's exports, where it is asked for."""
    response = _to_exports(cohort_id)
    flash(MOVED, "warning")
    return response
