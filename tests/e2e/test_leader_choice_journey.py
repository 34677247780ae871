"""Leader choice in the browser: a manager starts it, a leader picks a suggested mentor, the mentor accepts.

Every page on the way is checked with axe-core at desktop and phone widths (zero violations).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.test_accessibility import DEMO_PASSWORD, WIDTHS, _axe_script, _violations
from tests.e2e.test_journeys import nav


def sign_in(page: Page, base_url: str, email: str) -> None:
    """Sign in with the demo password."""
    page.goto(f"{base_url}/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(nav(page).get_by_role("button", name="Sign out")).to_be_visible()


def axe_at_both_widths(page: Page, axe: str) -> list[str]:
    """Violations of the current page at each width."""
    found = []
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        found += [f"{width} {page.url}: {v}" for v in _violations(page, axe)]
    return found


def test_a_leader_chooses_a_mentor_who_accepts(
    demo_app: Flask,
    live_server: str,
    new_page: Callable[..., Page],
) -> None:
    axe, problems = _axe_script(), []
    with demo_app.app_context():
        from mentoring.extensions import db
        from mentoring.models import Cohort

        round_id = db.session.execute(select(Cohort.id).where(Cohort.status == "open")).scalar_one()
        db.session.remove()

    # Given a manager who starts leader choice on the open cohort
    manager = new_page()
    sign_in(manager, live_server, "manager@demo.example")
    manager.goto(f"{live_server}/programme/cohorts/{round_id}/choice")
    problems += axe_at_both_widths(manager, axe)
    deadline = (datetime.now(UTC) + timedelta(days=14)).date().isoformat()
    manager.get_by_label("Leaders choose until").fill(deadline)
    manager.get_by_role("button", name="Start leader choice").click()
    expect(manager.get_by_role("status")).to_contain_text("leaders are told by email")
    problems += axe_at_both_widths(manager, axe)

    # When the demo leader opens their suggestions and picks the first
    leader = new_page()
    sign_in(leader, live_server, "leader@demo.example")
    leader.goto(f"{live_server}/leader/choose?cohort={round_id}")
    expect(leader.get_by_role("heading", name="Why we suggest them").first).to_be_visible()
    problems += axe_at_both_widths(leader, axe)
    first = leader.get_by_role("button", name="Choose ").first
    chosen_name = first.inner_text().removeprefix("Choose ").strip()
    first.click()
    expect(leader.get_by_role("status")).to_contain_text("They have been asked to accept")
    problems += axe_at_both_widths(leader, axe)

    # Then the chosen mentor accepts from "My leaders"
    with demo_app.app_context():
        from mentoring.extensions import db
        from mentoring.models import Person

        email = db.session.execute(select(Person.email).where(Person.name == chosen_name)).scalars().first()
        db.session.remove()
    mentor = new_page()
    sign_in(mentor, live_server, email)
    mentor.goto(f"{live_server}/mentor/leaders")
    problems += axe_at_both_widths(mentor, axe)
    mentor.get_by_role("button", name="Accept ").first.click()
    expect(mentor.get_by_role("status")).to_contain_text("They have been told by email")

    # and the leader sees their mentor
    leader.goto(f"{live_server}/leader/mentor")
    expect(leader.get_by_role("heading", name=chosen_name).first).to_be_visible()
    problems += axe_at_both_widths(leader, axe)
    assert problems == [], "\n".join(problems)
