"""Every page, for every role, at desktop and phone widths: zero axe-core violations of any impact.

The demo organisation is loaded into the live app; each demo role signs in and opens every HTML page of the
site's URL map that it may see (ids taken from the demo), at 1280 px and at 390 px. axe-core comes from the
axe-playwright-python package (its bundled `axe.min.js`), injected through the browser's devtools channel,
so the site's content security policy stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.e2e.test_journeys import nav

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
NOT_HTML = (".json", ".ics", ".csv", ".graphml")
DEMO_PASSWORD = "reverse mentoring demo"


def _axe_script() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


@dataclass(frozen=True)
class DemoIds:
    """Ids of demo rows that fill the URL rules' parameters."""

    values: dict[str, list[int]]


def _demo_ids(app: Flask) -> DemoIds:
    from sqlalchemy import select

    from mentoring.extensions import db
    from mentoring.models import Cohort, Match, Meeting, Person, Skill

    with app.app_context():
        person = db.session.execute(select(Person).where(Person.email == "leader@demo.example")).scalar_one()
        matches = list(
            db.session.execute(
                select(Match.id).where((Match.leader_id == person.id) | (Match.mentor_id == person.id))
            ).scalars()
        )
        mentor = db.session.execute(select(Person).where(Person.email == "mentor@demo.example")).scalar_one()
        matches += list(db.session.execute(select(Match.id).where(Match.mentor_id == mentor.id)).scalars())
        meetings = list(
            db.session.execute(
                select(Meeting.id).where(Meeting.match_id.in_(matches), Meeting.status == "held").order_by(Meeting.id)
            ).scalars()
        )[:1]
        cohorts = list(db.session.execute(select(Cohort.id).order_by(Cohort.id)).scalars())
        people = [person.id, mentor.id]
        skill = db.session.execute(select(Skill.id).order_by(Skill.id).limit(1)).scalar_one()
    return DemoIds(
        {
            "cohort_id": cohorts,
            "match_id": sorted(set(matches))[:2],
            "meeting_id": meetings,
            "skill_id": [skill],
            "person_id": people,
        }
    )


def _add_exports(app: Flask) -> None:
    """A ready, a failed and a queued export of every cohort, so the dashboards list each state."""
    from sqlalchemy import select

    from mentoring.extensions import db
    from mentoring.models import Cohort, ExportFile, ExportKind, ExportStatus

    with app.app_context():
        for cohort_id in db.session.execute(select(Cohort.id)).scalars().all():
            db.session.add_all(
                [
                    ExportFile(
                        cohort_id=cohort_id, kind=ExportKind.PAIRS_CSV, status=ExportStatus.READY, content="a\n"
                    ),
                    ExportFile(
                        cohort_id=cohort_id, kind=ExportKind.GRAPHML, status=ExportStatus.FAILED, error="Broken."
                    ),
                    ExportFile(cohort_id=cohort_id, kind=ExportKind.GRAPHML, status=ExportStatus.QUEUED),
                ]
            )
        db.session.commit()


def _pages(app: Flask, ids: DemoIds) -> list[str]:
    """Every GET page of the URL map with its parameters filled from the demo (every combination, bounded)."""
    from itertools import product

    pages: list[str] = []
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.endswith(NOT_HTML):
                continue
            arguments = sorted(rule.arguments)
            if any(name not in ids.values for name in arguments):
                continue
            for combination in product(*(ids.values[name] for name in arguments)):
                pages.append(url_for(rule.endpoint, **dict(zip(arguments, combination, strict=True))))
    return sorted(set(pages))


def _violations(page: Page, axe: str) -> list[str]:
    page.evaluate(axe)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


ROLES = {
    "anonymous": None,
    "manager": "manager@demo.example",
    "leader": "leader@demo.example",
    "mentor": "mentor@demo.example",
}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_page_has_no_accessibility_violation_at_desktop_and_phone_width(
    demo_app: Flask, live_server: str, new_page: Callable[..., Page], role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a demo role signed in, when it opens every page it may see at both widths, axe finds nothing."""
    axe = _axe_script()
    if role == "manager":
        _add_exports(demo_app)
    pages = _pages(demo_app, _demo_ids(demo_app))
    problems: list[str] = []
    seen = 0
    for width, viewport in WIDTHS.items():
        page = new_page(viewport=viewport)
        person = ROLES[role]
        if person is not None:
            page.goto(f"{live_server}/auth/login")
            page.get_by_label("Email").fill(person)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(nav(page).get_by_role("button", name="Sign out")).to_be_visible()
        for path in pages:
            if path.startswith("/auth/") and person is not None:
                continue  # signed-in people are sent on from the sign-in pages
            response = page.goto(live_server + path)
            if response is None or response.status != 200 or ("/auth/login" in page.url and path != "/auth/login"):
                continue  # not this role's page
            if not response.headers.get("content-type", "").startswith("text/html"):
                continue  # a probe's JSON or a download: no page to check
            seen += 1
            problems += [f"{width} {path}: {v}" for v in _violations(page, axe)]
    assert seen >= 4, f"{role} saw only {seen} pages"
    assert problems == [], "\n".join(problems)
