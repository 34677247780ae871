"""An imported person is invited, sets a password through the emailed link and sends a request, in Chromium.

The manager and the imported person (a Person row with an employee id and no password, as the HR import
leaves it) are the only rows written directly; everything else goes through the pages. The invited leader
browses without JavaScript. Then the same person forgets the password and sets a new one through the
emailed reset link.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Page, expect

from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.test_journeys import LEADER, MANAGER, expect_flash, fill_leader_request, nav, sign_in
from tests.mentoring.mail_links import links_to

NEW_PASSWORD = "lena keeps a long pass phrase"
NEWER_PASSWORD = "and then another one entirely"


def test_an_imported_leader_is_invited_sets_a_password_and_asks_for_a_mentor(
    live_app: Flask, live_server: str, new_page: Callable[..., Page], browser_errors: list[str]
) -> None:
    with live_app.app_context():
        from mentoring.extensions import db
        from mentoring.models import Person
        from mentoring.services.usecases import accounts

        accounts.create_manager(MANAGER.name, MANAGER.email, DEFAULT_PASSWORD)
        db.session.add(
            Person(
                name=LEADER.name,
                email=LEADER.email,
                external_id="E-1001",
                department=LEADER.department,
                grade=LEADER.grade,
                languages=["en"],
                formats=[],
            )
        )
        db.session.commit()

    # Given a manager with an open cohort
    manager = new_page()
    sign_in(manager, live_server, MANAGER)
    nav(manager).get_by_role("link", name="Cohorts", exact=True).click()
    manager.get_by_role("link", name="New cohort").click()
    manager.get_by_label("Name").fill("Autumn cohort")
    manager.get_by_role("button", name="Save").click()

    # When the manager picks the Finance people of grade 10 and above and invites them as leaders
    manager.get_by_role("navigation", name="Cohort").get_by_role("link", name="Invitations").click()
    manager.get_by_role("link", name="Invite people").click()
    manager.get_by_label("Department").select_option("Finance")
    manager.get_by_label("Grade from").fill("10")
    manager.get_by_role("button", name="Show").click()
    manager.get_by_label(LEADER.name).check()
    manager.get_by_label("Leaders").check()
    manager.get_by_role("button", name="Send invitations").click()
    expect_flash(manager, "1 invitation(s) are on their way.")
    expect(manager.locator("table tbody")).to_contain_text("not yet answered")

    # Then the leader's email holds a link that lands on "Set your password"
    link = wait_for_link(live_app, LEADER.email, "invitation")
    leader = new_page(java_script_enabled=False)
    leader.goto(live_server + link)
    expect(leader.get_by_role("heading", level=1)).to_have_text("Set your password")
    leader.get_by_label("New password").fill(NEW_PASSWORD)
    leader.get_by_role("button", name="Set my password and continue").click()

    # And on to the request form of that cohort, which the leader sends
    expect_flash(leader, "Tell us what you would like to learn in Autumn cohort.")
    fill_leader_request(leader)

    # And the manager sees the invitation answered
    manager.reload()
    expect(manager.locator("table tbody")).to_contain_text("joined")

    # When the leader later forgets the password and asks for a link
    leader.get_by_role("button", name="Sign out").click()
    nav(leader).get_by_role("link", name="Sign in").click()
    leader.get_by_role("link", name="Forgot your password?").click()
    leader.get_by_label("Email").fill(LEADER.email)
    leader.get_by_role("button", name="Send me a link").click()
    expect_flash(leader, "If an account uses this address")
    leader.goto(live_server + wait_for_link(live_app, LEADER.email, "reset"))
    leader.get_by_label("New password").fill(NEWER_PASSWORD)
    leader.get_by_role("button", name="Set my password").click()
    expect_flash(leader, "Your new password is set.")
    expect(nav(leader).get_by_role("button", name="Sign out")).to_be_visible()
    assert browser_errors == []


def wait_for_link(app: Flask, address: str, kind: str) -> str:
    """The newest link of `kind` mailed to `address` (mail leaves just after the page answers)."""
    import time

    for _ in range(300):  # up to 30 s on a busy machine
        found = links_to(app, address, kind)
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no {kind} link was mailed to {address}")
