"""A leader joins a running demo cohort late through the request page: no axe violation at either width."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.test_accessibility import WIDTHS, _axe_script, _violations
from tests.e2e.test_journeys import Someone, fill_about_you, nav

NIA = Someone("Nia Newcomer", "nia@example.com", "Finance", 11)


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_a_late_joiner_sends_a_request_to_a_running_cohort(
    demo_app: Flask, live_server: str, new_page: Callable[..., Page], width: str
) -> None:
    # Given a running demo cohort and a leader with no request in it
    from sqlalchemy import select

    from mentoring.extensions import db
    from mentoring.models import Cohort
    from mentoring.services.usecases import accounts

    with demo_app.app_context():
        cohort = db.session.execute(
            select(Cohort).where(Cohort.status == "published").order_by(Cohort.id.desc()).limit(1)
        ).scalar_one()
        name, cohort_id = cohort.name, cohort.id
        accounts.register(accounts.NewAccount("Nia Newcomer", "nia@example.com", DEFAULT_PASSWORD, is_leader=True))
        db.session.commit()
    axe = _axe_script()
    page = new_page(viewport=WIDTHS[width])
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(nav(page).get_by_role("button", name="Sign out")).to_be_visible()

    # When she opens the running cohort's request page, it says how joining late works, with no violation
    page.goto(f"{live_server}/leader/request?cohort={cohort_id}")
    expect(page.get_by_text(f"{name} is already running")).to_be_visible()
    assert _violations(page, axe) == []

    # And she sends her details and a goal
    fill_about_you(page, NIA)
    page.get_by_label("Skill of goal 1").select_option(label="LinkedIn: Personal branding")
    page.get_by_label("Priority of goal 1").select_option(label="must")
    page.get_by_role("button", name="Send my request").click()

    # Then the page confirms what happens next, still with no violation
    expect(page.locator(".flash").first).to_contain_text("once the programme manager approves")
    assert _violations(page, axe) == []
