"""Cohort exports run as jobs: the manager asks on the dashboard, a job builds the file, the list offers it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from matching import graph as session_graph
from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import AuditEvent, Cohort, ExportFile, ExportStatus
from mentoring.services.demo import loader as demo
from mentoring.services.readmodels.health_figures import cohort_figures
from mentoring.services.translators.sessions_document import build_sessions
from mentoring.services.usecases import exports

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
KINDS = {"pairs-csv": ("text/csv", "pairs.csv"), "graphml": ("application/graphml+xml", "sessions.graphml")}


def ask(client, cohort_id: int, kind: str):
    """Press the dashboard's export button; returns the newest export row of the cohort."""
    response = client.post(f"/programme/health/{cohort_id}/exports/{kind}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{cohort_id}#exports")
    query = select(ExportFile).where(ExportFile.cohort_id == cohort_id).order_by(ExportFile.id.desc()).limit(1)
    return db.session.execute(query).scalar_one()


def previous_export(cohort_id: int, kind: str) -> str:
    """The text the export built inside the request before it became a job (the same library calls)."""
    cohort = db.session.get(Cohort, cohort_id)
    if kind == "pairs-csv":
        figures = cohort_figures(cohort, utcnow().date())
        return session_graph.metrics_csv(figures.metrics, labels=figures.document.labels)
    document = build_sessions([cohort_id])
    graph = session_graph.build_graph(document.records)
    return session_graph.to_graphml(graph, labels=document.labels, as_of=utcnow().date())


@pytest.mark.parametrize("kind", KINDS)
def test_an_export_is_built_by_the_job_and_downloads_as_before(app, make_manager, login_as, client, kind):
    # Given the demo organisation and its spring cohort with months of sessions
    demo.seed_demo(now=NOW)
    cohort_id = db.session.execute(select(Cohort.id).where(Cohort.name.startswith("Spring"))).scalar_one()
    manager = make_manager()
    client = login_as(manager)
    # When the manager asks for an export (the job runs inline under the test config)
    export = ask(client, cohort_id, kind)
    # Then it is ready, listed on the dashboard with a download link, and audited once, as the manager
    assert export.status == ExportStatus.READY and export.finished_at is not None
    page = client.get(f"/programme/health/{cohort_id}").get_data(as_text=True)
    assert f"/programme/health/exports/{export.id}" in page
    events = db.session.execute(select(AuditEvent).where(AuditEvent.action == "export")).scalars().all()
    assert [(e.actor_id, e.object_id) for e in events] == [(manager.id, str(cohort_id))]
    # And the download is the same file, named and typed as before
    response = client.get(f"/programme/health/exports/{export.id}")
    mimetype, suffix = KINDS[kind]
    assert response.status_code == 200 and response.mimetype == mimetype
    assert response.headers["Content-Disposition"] == f'attachment; filename="cohort-{cohort_id}-{suffix}"'
    assert response.get_data(as_text=True) == previous_export(cohort_id, kind)


def test_unknown_and_unready_exports_are_404(make_pair, make_manager, login_as, client, monkeypatch):
    match = make_pair()
    client = login_as(make_manager())
    # A failed export has no file: downloading it is 404 like an id that never existed
    monkeypatch.setattr(session_graph, "metrics_csv", _broken)
    failed = ask(client, match.cohort_id, "pairs-csv")
    assert client.get(f"/programme/health/exports/{failed.id}").status_code == 404
    assert client.get("/programme/health/exports/999999").status_code == 404
    assert client.get("/programme/health/exports/0").status_code == 404
    assert client.post("/programme/health/999999/exports/graphml").status_code == 404
    assert db.session.execute(select(func.count(ExportFile.id))).scalar_one() == 1


def _broken(*args, **kwargs):
    raise RuntimeError("disk full")


def test_a_failed_export_shows_failed_with_its_reason(make_pair, make_manager, login_as, client, monkeypatch):
    # Given building the CSV breaks (a library error inside the job)
    match = make_pair()
    client = login_as(make_manager())
    monkeypatch.setattr(session_graph, "metrics_csv", _broken)
    # When the manager asks for it
    export = ask(client, match.cohort_id, "pairs-csv")
    # Then the export is failed, with a reason the page shows, and nothing is audited
    assert export.status == ExportStatus.FAILED and "RuntimeError" in export.error
    page = client.get(f"/programme/health/{match.cohort_id}").get_data(as_text=True)
    section = page.split('id="exports"')[1].split("</section>")[0]
    assert "failed" in section and "could not be built (RuntimeError)" in section
    assert "/programme/health/exports/" not in section
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "export")).first() is None


@pytest.mark.parametrize("who", ["leader", "mentor"])
def test_leaders_and_mentors_can_neither_ask_for_nor_download_exports(make_pair, make_manager, login_as, client, who):
    match = make_pair()
    export = ask(login_as(make_manager()), match.cohort_id, "graphml")
    client.post("/auth/logout")
    client = login_as(getattr(match, who))
    assert client.post(f"/programme/health/{match.cohort_id}/exports/graphml").status_code == 403
    assert client.get(f"/programme/health/exports/{export.id}").status_code == 403
    assert db.session.execute(select(func.count(ExportFile.id))).scalar_one() == 1


def test_the_old_urls_lead_to_the_exports_list(make_pair, make_manager, login_as, client):
    match = make_pair()
    client = login_as(make_manager())
    for old in ("pairs.csv", "graph.graphml"):
        response = client.get(f"/programme/health/{match.cohort_id}/{old}", follow_redirects=True)
        assert response.status_code == 200 and "prepared in the background" in response.get_data(as_text=True)
    assert db.session.execute(select(ExportFile)).first() is None


def test_exports_are_deleted_after_a_week_and_the_list_is_bounded(make_pair, make_manager, login_as, client):
    # Given twelve exports, the first two asked for eight days ago
    match = make_pair()
    client = login_as(make_manager())
    made = [ask(client, match.cohort_id, "graphml").id for _ in range(12)]
    for export_id in made[:2]:
        db.session.get(ExportFile, export_id).created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    # Then the dashboard lists the newest ten only
    section = client.get(f"/programme/health/{match.cohort_id}").get_data(as_text=True).split('id="exports"')[1]
    assert section.count("/programme/health/exports/") == 10 and f'/exports/{made[-1]}"' in section
    # And the hourly sweep deletes the old two
    assert exports.expire() == 2
    assert db.session.execute(select(func.count(ExportFile.id))).scalar_one() == 10
