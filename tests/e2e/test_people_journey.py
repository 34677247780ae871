"""People from HR in the browser: import preview -> commit -> invite -> set password -> request a mentor.

A manager uploads an HR file, checks the preview and imports it, invites an imported leader to an open cohort;
the leader follows the emailed one-time link, sets a password and lands on the request form, which they send.
Every page on the way is checked with axe-core at desktop and phone widths.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Page, expect

from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.test_accessibility import WIDTHS, _axe_script, _violations
from tests.e2e.test_journeys import GOAL, nav
from tests.mentoring.mail_links import links_to

HR_FILE = (
    "employee_id,name,email,department,grade,manager_employee_id,location,time_zone,languages\n"
    "E1,Iris Chief,iris@corp.example,Executive,15,,London,Europe/London,en\n"
    "E2,Lena Hartmann,lena@corp.example,Finance,12,E1,Berlin,Europe/Berlin,de;en\n"
    "E3,Ana Ribeiro,ana@corp.example,Marketing,3,E1,Lisbon,Europe/Lisbon,pt;en\n"
)
MANAGER_EMAIL = "maud@corp.example"
NEW_PASSWORD = "a pass phrase chosen by lena"


def checked(page: Page, axe: str, problems: list[str]) -> None:
    """Run axe on the current page at both widths and keep what it finds."""
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        problems += [f"{width} {page.url}: {v}" for v in _violations(page, axe)]
    page.set_viewport_size(WIDTHS["desktop"])


def test_a_manager_imports_invites_and_the_leader_sets_a_password_and_asks_for_a_mentor(
    live_app: Flask, live_server: str, new_page: Callable[..., Page]
) -> None:
    axe, problems = _axe_script(), []
    with live_app.app_context():
        from mentoring.services.usecases import accounts, cohorts

        manager = accounts.create_manager("Maud Keller", MANAGER_EMAIL, DEFAULT_PASSWORD)
        cohort = cohorts.create_cohort(manager, cohorts.CohortDetails(name="Spring cohort"))
        cohort_id = cohort.id

    # Given a manager on the import page
    page = new_page()
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Email").fill(MANAGER_EMAIL)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(nav(page).get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"{live_server}/programme/people/import")
    checked(page, axe, problems)
    # When they upload the HR file, they see a preview of three new people and nothing is written yet
    page.get_by_label("HR file (CSV)").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": HR_FILE.encode()}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("main")).to_contain_text("Lena Hartmann")
    checked(page, axe, problems)
    # and when they import it, the people are there
    page.get_by_role("button", name="Import these changes").click()
    expect(page.get_by_role("status")).to_contain_text("Imported: 3 new")

    # When they invite Lena to the cohort as a leader
    page.goto(f"{live_server}/programme/cohorts/{cohort_id}/invite")
    checked(page, axe, problems)
    page.get_by_label("Leaders").check()
    page.get_by_label("Lena Hartmann").check()
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_role("status")).to_contain_text("1 invitation(s) are on their way")
    checked(page, axe, problems)

    # Then Lena's emailed link lets her set a password and takes her to the request form
    link = _wait_for_link(live_app, "lena@corp.example")
    lena = new_page()
    lena.goto(live_server + link)
    checked(lena, axe, problems)
    lena.get_by_label("New password").fill(NEW_PASSWORD)
    lena.get_by_role("button", name="Set my password").click()
    expect(lena.get_by_role("heading", level=1)).to_have_text("Request a mentor")
    checked(lena, axe, problems)
    # and she sends her request, with her HR facts already filled in
    lena.get_by_label("Remote (video call)").check()
    lena.get_by_label("Skill of goal 1").select_option(label=GOAL)
    lena.get_by_label("Priority of goal 1").select_option(label="must")
    lena.get_by_label("Target level of goal 1").select_option("4")
    lena.get_by_label("What I want to achieve").fill("Post on LinkedIn every month.")
    lena.get_by_role("button", name="Send my request").click()
    expect(lena.get_by_role("status")).to_contain_text("Your request is sent.")
    assert problems == [], "\n".join(problems)


def _wait_for_link(app: Flask, address: str) -> str:
    """The invitation link mailed to `address` (sent just after the response; waits a few seconds at most)."""
    import time

    for _ in range(100):
        found = links_to(app, address, "invitation")
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no invitation reached {address}")
