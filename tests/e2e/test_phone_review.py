"""Review on a phone: each proposed pair is a card with every column in view, not a table scrolled sideways."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.test_accessibility import DEMO_PASSWORD
from tests.e2e.test_journeys import nav

PHONE = {"width": 390, "height": 844}


def test_on_a_phone_every_part_of_a_proposed_pair_is_in_view(
    demo_app: Flask, live_server: str, new_page: Callable[..., Page]
) -> None:
    with demo_app.app_context():
        from mentoring.extensions import db
        from mentoring.models import Cohort

        published = db.session.execute(select(Cohort.id).where(Cohort.status == "published")).scalar_one()
        db.session.remove()
    # Given a manager on a phone
    page = new_page(viewport=PHONE)
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Email").fill("manager@demo.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(nav(page).get_by_role("button", name="Sign out")).to_be_visible()
    # When they open the review of a published cohort
    page.goto(f"{live_server}/programme/cohorts/{published}/review")
    first = page.locator("table.pair-cards tbody tr").first
    expect(first).to_be_visible()
    # Then the first pair is one card no wider than the screen, and its score and reasons are inside it
    box = first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    for label in ("Score", "Why", "Goals"):
        cell = first.locator(f'td[data-label="{label}"]')
        cell_box = cell.bounding_box()
        assert cell_box is not None and cell_box["x"] + cell_box["width"] <= PHONE["width"], label
