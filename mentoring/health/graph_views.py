"""The programme's session graph across cohorts: who mentored whom over time, and departments."""

from __future__ import annotations

from flask import abort, render_template, request
from markupsafe import Markup

from mentoring.access import manager_required
from mentoring.health import bp
from mentoring.leaders.views import _cohort_argument
from mentoring.services.readmodels import programme_graph
from mentoring.services.usecases import cohorts

VIEWS = ("people", "departments")


@bp.route("/graph", methods=["GET"])
@manager_required
def programme_graph_page() -> str:
    """The whole programme as a graph (or one cohort, with `?cohort=`), as people or as departments."""
    view = request.args.get("view", "people")
    if view not in VIEWS:
        abort(404)
    cohort_id = _cohort_argument()
    cohort = cohorts.get_cohort(cohort_id) if cohort_id is not None else None
    graph = programme_graph.mentoring(cohort_id) if view == "people" else programme_graph.departments(cohort_id)
    # The overview drawings XML-escape every name and use presentation attributes only (no script, style or
    # links), so they can be inlined under the Content-Security-Policy.
    svg = Markup(graph.svg)  # noqa: S704  # nosec B704
    shown = [c for c in cohorts.all_cohorts() if c.status in ("published", "closed")]
    return render_template("health/graph.html", view=view, graph=graph, svg=svg, cohort=cohort, cohorts=shown)
