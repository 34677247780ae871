"""The manager's health dashboard: the SESSIONS document from the database, the library's numbers on the page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

import networkx as nx
import pytest
from sqlalchemy import select

from matching.graph import metrics_from_json
from mentoring.extensions import db
from mentoring.models import AuditEvent, Meeting
from mentoring.services.readmodels import health
from mentoring.services.translators import sessions_document

AS_OF = date(2030, 2, 15)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), UTC)


@pytest.fixture
def small_cohort(make_cohort, make_pair, add_meeting, add_fit, skills):
    """Two pairs, hand-made: Ana (Sales) & Cy (IT) met twice; Ben (Finance) & Di (Sales) never met."""

    def build(as_of: date = AS_OF) -> dict:
        cohort = make_cohort(status="published", stall_days=30)
        published = _at(as_of - timedelta(days=45), 9)
        ana_cy = make_pair(
            cohort=cohort,
            published_at=published,
            goals=[("linkedin/personal-branding", 3, 3), ("tiktok/short-video", 2, 2)],
            leader={"name": "Ana", "department": "Sales"},
            mentor={"name": "Cy", "department": "IT"},
        )
        ben_di = make_pair(
            cohort=cohort,
            published_at=published,
            goals=[("linkedin/personal-branding", 3, 2)],
            leader={"name": "Ben", "department": "Finance"},
            mentor={"name": "Di", "department": "Sales"},
        )
        day = lambda n: as_of - timedelta(days=n)  # noqa: E731
        first = add_meeting(ana_cy, _at(day(36)), answer_hours=2, ratings={"leader": 4, "mentor": 5})
        second = add_meeting(ana_cy, _at(day(22)), minutes=45, answer_hours=6, ratings={"leader": 2})
        cancelled = add_meeting(
            ana_cy,
            _at(day(14)),
            status="cancelled",
            cancelled_by="leader",
            answer_hours=10,
            skill_keys=("tiktok/short-video",),
        )
        # Not sessions for the graph: a withdrawn proposal, a declined one, and one still to come.
        add_meeting(ana_cy, _at(day(10)), status="cancelled", cancelled_by="mentor", answer_hours=None)
        add_meeting(ana_cy, _at(day(8)), status="declined", answer_hours=1)
        add_meeting(ana_cy, _at(as_of + timedelta(days=5)), status="proposed", answer_hours=None)
        add_fit(ben_di, "leader", False)
        return {"cohort": cohort, "ana_cy": ana_cy, "ben_di": ben_di, "meetings": (first, second, cancelled)}

    return build


def test_the_sessions_document_is_built_in_the_librarys_format(small_cohort):
    # Given the hand-made cohort
    world = small_cohort()
    ana_cy, ben_di = world["ana_cy"], world["ben_di"]
    first, second, cancelled = world["meetings"]
    la, mc, lb, md = (f"L{ana_cy.leader_id}", f"M{ana_cy.mentor_id}", f"L{ben_di.leader_id}", f"M{ben_di.mentor_id}")
    iso = lambda moment: moment.isoformat().replace("+00:00", "Z")  # noqa: E731
    # When the document is built
    document = sessions_document.build_sessions([world["cohort"].id])
    # Then it is exactly the SESSIONS.json the library expects
    assert document.wire() == {
        "people": [
            {"id": la, "role": "leader", "department": "Sales"},
            {"id": lb, "role": "leader", "department": "Finance"},
            {"id": mc, "role": "mentor", "department": "IT"},
            {"id": md, "role": "mentor", "department": "Sales"},
        ],
        "pairs": [
            {
                "leader": la,
                "mentor": mc,
                "started": "2030-01-01",
                "goals": ["linkedin/personal-branding", "tiktok/short-video"],
            },
            {"leader": lb, "mentor": md, "started": "2030-01-01", "goals": ["linkedin/personal-branding"]},
        ],
        "sessions": [
            {
                "leader": la,
                "mentor": mc,
                "date": "2030-01-10",
                "status": "held",
                "minutes": 60,
                "skills": ["linkedin/personal-branding"],
                "ratings": {"leader": 4, "mentor": 5},
                "proposed_at": iso(first.proposed_at),
                "answered_at": iso(first.answered_at),
            },
            {
                "leader": la,
                "mentor": mc,
                "date": "2030-01-24",
                "status": "held",
                "minutes": 45,
                "skills": ["linkedin/personal-branding"],
                "ratings": {"leader": 2, "mentor": None},
                "proposed_at": iso(second.proposed_at),
                "answered_at": iso(second.answered_at),
            },
            {
                "leader": la,
                "mentor": mc,
                "date": "2030-02-01",
                "status": "cancelled-by-leader",
                "minutes": 60,
                "skills": ["tiktok/short-video"],
                "ratings": {"leader": None, "mentor": None},
                "proposed_at": iso(cancelled.proposed_at),
                "answered_at": iso(cancelled.answered_at),
            },
        ],
    }
    assert document.labels == {la: "Ana", mc: "Cy", lb: "Ben", md: "Di"}


def test_the_dashboard_shows_the_librarys_metrics(small_cohort):
    # Given the hand-made cohort on 15 February 2030
    world = small_cohort()
    # When the dashboard is built
    board = health.cohort_dashboard(world["cohort"].id, now=_at(AS_OF))
    # Then its numbers are the library's for the same document
    expected = metrics_from_json(sessions_document.build_sessions([world["cohort"].id]).wire(), AS_OF, 30, 3)
    assert board.metrics == {"programme": expected["programme"], "departments": expected["departments"]}
    library_fields = {key: [row[key] for row in expected["pairs"]] for key in expected["pairs"][0]}
    assert {key: [row[key] for row in board.pairs] for key in library_fields} == library_fields
    # And they are what we computed by hand
    programme = board.metrics["programme"]
    assert (programme["pairs"], programme["active"], programme["at_risk"], programme["stalled"]) == (2, 0, 1, 1)
    assert (programme["goal_coverage"], programme["leaders_met_min_sessions"], programme["bridges"]) == (0.333, 0.0, 1)
    ana = next(row for row in board.pairs if row["leader_name"] == "Ana")
    assert (ana["held"], ana["days_since"], ana["cancelled_by_leader"], ana["median_response_hours"]) == (2, 22, 1, 6.0)
    assert (ana["mean_rating_by_leader"], ana["mean_rating_by_mentor"]) == (3.0, 5.0)
    assert (ana["goals_covered"], ana["covered_names"]) == (
        ["linkedin/personal-branding"],
        ["LinkedIn: Personal branding"],
    )
    # And the attention list holds both pairs, the "not a good fit" first
    assert [item.row["leader_name"] for item in board.attention] == ["Ben", "Ana"]


def test_the_dashboard_page_shows_those_numbers(small_cohort, make_manager, login_as, client):
    # Given the same cohort, dated so that today is its "as of"
    world = small_cohort(date.today())
    login_as(make_manager())
    # When the manager opens the dashboard
    response = client.get(f"/programme/health/{world['cohort'].id}")
    # Then the headline figures are the library's
    page = response.get_data(as_text=True)
    for stat, value in [
        ("pairs", "2"),
        ("active", "0"),
        ("at-risk", "1"),
        ("stalled", "1"),
        ("coverage", "33%"),
        ("min-sessions", "0%"),
        ("bridges", "1"),
        ("held", "2"),
        ("response", "6.0 h"),
        ("fit-no", "1"),
    ]:
        assert f'id="stat-{stat}">{value}</div>' in page, stat
    assert "<svg" in page and "Ana" in page and "LinkedIn" in page


def test_a_name_with_markup_is_escaped_on_the_dashboard(make_pair, add_meeting, make_manager, login_as, client):
    match = make_pair(leader={"name": "<script>alert(1)</script>"}, mentor={"name": 'Eve " onload="x'})
    add_meeting(match, datetime.now(UTC) - timedelta(days=2))
    login_as(make_manager())
    page = client.get(f"/programme/health/{match.cohort_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "&lt;script&gt;" in svg and "<script" not in svg and 'onload="x' not in svg


def test_response_times_count_only_the_leaders_answers(make_pair, add_meeting):
    match = make_pair(published_at=_at(AS_OF - timedelta(days=20)))
    add_meeting(match, _at(AS_OF - timedelta(days=10)), proposed_by="leader", answer_hours=30)
    [session] = sessions_document.build_sessions([match.cohort_id]).wire()["sessions"]
    assert (session["proposed_at"], session["answered_at"]) == (None, None)


def test_the_all_cohorts_document_merges_a_pair_met_twice(make_cohort, make_pair, add_meeting):
    first = make_pair(published_at=_at(date(2030, 1, 1)))
    again = make_pair(
        cohort=make_cohort(status="published"),
        published_at=_at(date(2030, 6, 1)),
        leader_person=first.leader,
        mentor_person=first.mentor,
    )
    add_meeting(first, _at(date(2030, 1, 10)))
    add_meeting(again, _at(date(2030, 6, 10)))
    document = sessions_document.build_sessions(None)
    assert len(document.wire()["pairs"]) == 1 and document.wire()["pairs"][0]["started"] == "2030-01-01"
    assert len(document.wire()["sessions"]) == 2
    assert document.matches[(f"L{first.leader_id}", f"M{first.mentor_id}")] == [first.id, again.id]


def test_the_overview_lists_cohorts_and_all_of_them_together(make_pair, make_manager, login_as, client):
    first, second = make_pair(), make_pair()
    login_as(make_manager())
    page = client.get("/programme/health/").get_data(as_text=True)
    assert first.cohort.name in page and second.cohort.name in page and "All cohorts together" in page


# ---------------------------------------------------------------- sorting


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("?sort=held&dir=desc", ["Bo", "Cat", "Al"]),
        ("?sort=held&dir=asc", ["Al", "Cat", "Bo"]),
        ("?sort=leader&dir=desc", ["Cat", "Bo", "Al"]),
        ("?sort=mean_rating_by_leader&dir=asc", ["Cat", "Bo", "Al"]),  # no rating sorts last
        ("?sort=nonsense&dir=sideways", ["Al", "Bo", "Cat"]),
        ("", ["Al", "Bo", "Cat"]),
    ],
)
def test_pairs_sort_on_the_server(make_cohort, make_pair, add_meeting, make_manager, login_as, client, query, order):
    cohort = make_cohort(status="published")
    pairs = {name: make_pair(cohort=cohort, leader={"name": name}) for name in ("Al", "Bo", "Cat")}
    for name, held, rating in (("Bo", 2, 5), ("Cat", 1, 3)):
        for n in range(held):
            add_meeting(pairs[name], datetime.now(UTC) - timedelta(days=n + 1), ratings={"leader": rating})
    login_as(make_manager())
    page = client.get(f"/programme/health/{cohort.id}{query}").get_data(as_text=True)
    table = page.split('id="pairs"')[1].split("</table>")[0]
    assert sorted(order, key=table.index) == order
    assert "data-sortable" in table and "sort=held" in table


# ---------------------------------------------------------------- exports


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+SUM(1,2)", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturn"])
def test_the_csv_escapes_formula_cells(make_pair, add_meeting, make_manager, login_as, client, name):
    # Given a pair whose leader's name looks like a spreadsheet formula
    match = make_pair(leader={"name": name})
    add_meeting(match, datetime.now(UTC) - timedelta(days=1))
    login_as(make_manager())
    # When the manager asks for the CSV (the job runs inline) and downloads it
    response = _exported(client, match.cohort_id, "pairs-csv")
    # Then it is a CSV attachment whose cell starts with a quote, and the export is audited
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert rows[0]["leader_name"] == "'" + name
    assert not any(cell[:1] in "=+-@\t\r" for row in rows for cell in row.values() if cell and not _number(cell))
    assert db.session.execute(select(AuditEvent.action).where(AuditEvent.action == "export")).scalar_one()


def _exported(client, cohort_id: int, kind: str):
    from mentoring.models import ExportFile

    client.post(f"/programme/health/{cohort_id}/exports/{kind}")
    export_id = db.session.execute(select(ExportFile.id).where(ExportFile.cohort_id == cohort_id)).scalar_one()
    return client.get(f"/programme/health/exports/{export_id}")


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_the_graphml_export_names_people_and_is_audited(small_cohort, make_manager, login_as, client):
    world = small_cohort(date.today())
    login_as(make_manager())
    response = _exported(client, world["cohort"].id, "graphml")
    assert response.mimetype == "application/graphml+xml"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    graph = nx.parse_graphml(response.get_data(as_text=True))
    assert sorted(data["label"] for _, data in graph.nodes(data=True)) == ["Ana", "Ben", "Cy", "Di"]
    assert sorted(data["held"] for _, _, data in graph.edges(data=True)) == [0, 2]
    details = db.session.execute(select(AuditEvent.detail).where(AuditEvent.action == "export")).scalars().all()
    assert details == ["session graph (GraphML)"]


# ---------------------------------------------------------------- access

HEALTH_URLS = [
    "/programme/health/",
    "/programme/health/{cohort}",
    "/programme/health/{cohort}/pairs/{match}",
    "/programme/health/{cohort}/pairs.csv",
    "/programme/health/{cohort}/graph.graphml",
]


@pytest.mark.parametrize("who", ["leader", "mentor"])
@pytest.mark.parametrize("url", HEALTH_URLS)
def test_only_managers_see_the_dashboard(make_pair, login_as, client, who, url):
    match = make_pair()
    login_as(getattr(match, who))
    assert client.get(url.format(cohort=match.cohort_id, match=match.id)).status_code == 403


@pytest.mark.parametrize("url", HEALTH_URLS)
def test_anonymous_people_are_sent_to_sign_in(make_pair, client, url):
    match = make_pair()
    response = client.get(url.format(cohort=match.cohort_id, match=match.id))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_unknown_cohorts_and_pairs_of_other_cohorts_are_404(make_pair, make_manager, login_as, client):
    match, other = make_pair(), make_pair()
    login_as(make_manager())
    assert client.get("/programme/health/999999").status_code == 404
    assert client.post("/programme/health/999999/exports/pairs-csv").status_code == 404
    assert client.post("/programme/health/999999/nudges").status_code == 404
    assert client.get(f"/programme/health/{match.cohort_id}/pairs/{other.id}").status_code == 404
    assert db.session.execute(select(Meeting)).first() is None


@pytest.mark.parametrize("status", ["open", "matched", "published"])
def test_a_cohort_without_pairs_has_an_empty_dashboard(make_cohort, make_manager, login_as, client, status):
    cohort = make_cohort(status=status)
    login_as(make_manager())
    page = client.get(f"/programme/health/{cohort.id}").get_data(as_text=True)
    assert 'id="stat-pairs">0</div>' in page and "No active pairs in this cohort yet" in page
    assert _exported(client, cohort.id, "pairs-csv").status_code == 200


def test_the_remembered_figures_follow_every_change(small_cohort, add_meeting, add_fit, make_manager, login_as, client):
    from mentoring.models import Person

    # Given the manager has looked at the dashboard once (its figures are now remembered)
    world = small_cohort(date.today())
    login_as(make_manager())
    url = f"/programme/health/{world['cohort'].id}"
    assert 'id="stat-held">2<' in client.get(url).text
    # When a session is held, a leader renamed and a mentor says "not a good fit"
    add_meeting(world["ben_di"], _at(date.today() - timedelta(days=1)))
    db.session.get(Person, world["ana_cy"].leader_id).name = "Anastasia"
    db.session.commit()
    add_fit(world["ana_cy"], "mentor", False)
    # Then the next look shows all three
    page = client.get(url).text
    assert 'id="stat-held">3<' in page and "Anastasia" in page and 'id="stat-fit-no">2<' in page
