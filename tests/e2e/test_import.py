"""The HR import in Chromium: a file with a problem is refused row by row, the fixed file is previewed (no axe-core
violation on either page, at desktop and phone widths) and imported; the imported leader then registers with
their HR email and sees their HR fields read-only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect

from tests.e2e.test_accessibility import WIDTHS, _axe_script, _violations
from tests.e2e.test_journeys import expect_flash, nav
from tests.mentoring.mail_links import links_to

PASSWORD = "a long pass phrase for hr"
GOOD = (
    "employee_id;name;email;department;grade;manager_employee_id;time_zone;languages\n"
    'E1;Cleo Chief;cleo@corp.example;Board;15;;Europe/London;"en;fr"\n'
    "E2;Lena Leader;lena@corp.example;Finance;11;E1;Europe/Paris;fr\n"
)
BAD = GOOD.replace("Finance;11", "Finance;19")


def test_a_manager_imports_the_organisation_and_an_imported_leader_joins(
    live_app: Flask, live_server: str, new_page: Callable[..., Page], make_manager, make_cohort, tmp_path: Path
) -> None:
    with live_app.app_context():
        make_manager(email="boss@corp.example", name="Bea Boss")
        make_cohort(name="Open round")
    (tmp_path / "bad.csv").write_text(BAD)
    (tmp_path / "org.csv").write_text(GOOD)
    axe = _axe_script()
    page = new_page(viewport=WIDTHS["phone"])
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Email").fill("boss@corp.example")
    page.get_by_label("Password").fill("a long pass phrase for tests")
    page.get_by_role("button", name="Sign in").click()

    # Given the import page, when a file with a grade out of range is uploaded, then that row is named
    nav(page).get_by_role("link", name="People").click()
    page.get_by_role("link", name="Import people from HR").click()
    page.get_by_label("HR file (CSV)").set_input_files(tmp_path / "bad.csv")
    page.get_by_role("button", name="Check the file").click()
    problem = page.get_by_role("row").filter(has_text="grade")
    expect(problem).to_contain_text("3")
    expect(problem).to_contain_text("out of range")
    assert _violations(page, axe) == []

    # When the fixed file is uploaded, then the preview lists the two new people, with no violation at either width
    page.get_by_label("HR file (CSV)").set_input_files(tmp_path / "org.csv")
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Import preview")).to_be_visible()
    expect(page.get_by_role("cell", name="Lena Leader")).to_be_visible()
    assert _violations(page, axe) == []
    page.set_viewport_size(WIDTHS["desktop"])
    assert _violations(page, axe) == []

    # When it is imported, then the people page says what was done
    page.get_by_role("button", name="Import these changes").click()
    expect_flash(page, "Imported: 2 new")
    nav(page).get_by_role("button", name="Sign out").click()

    # And Lena, who never had an account, registers with her HR email and finds her HR fields read-only
    page.goto(f"{live_server}/auth/register")
    page.get_by_label("Your name").fill("Lena L")
    page.get_by_label("Work email").fill("lena@corp.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I am a leader and want a mentor").check()
    page.get_by_role("button", name="Create account").click()
    # (her address is HR's: she is emailed a link to set her password, never signed in on the typed one)
    page.goto(live_server + links_to(live_app, "lena@corp.example", "reset")[-1])
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(nav(page).get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"{live_server}/leader/request")
    grade = page.get_by_label("Grade")
    expect(grade).to_have_value("11")
    expect(grade).to_have_attribute("readonly", "")
    expect(page.get_by_label("Department")).to_have_value("Finance")
