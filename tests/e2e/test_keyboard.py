"""One journey by keyboard only: no clicks, only Tab, Shift+Tab, Enter, Space and typing.

Given the demo, a leader signs in, opens their mentor's page and proposes a session; a manager signs in and
reaches a cohort's review. Every step moves focus with Tab until the wanted control has it, so a control that
cannot be reached by keyboard (or that swallows focus) fails the test.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

DEMO_PASSWORD = "reverse mentoring demo"
MAX_TABS = 120


def focused(page: Page) -> str:
    """A short description of the focused element: tag, its accessible text and its name attribute."""
    return page.evaluate(
        """() => { const e = document.activeElement; if (!e) return '';
        const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
        return [e.tagName.toLowerCase(), (e.innerText || e.value || '').trim(), label.trim(),
                e.getAttribute('name') || ''].join('|'); }"""
    )


def tab_to(page: Page, wanted: Callable[[str], bool], what: str) -> None:
    """Press Tab until the focused element matches; fail if it is never reached."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if wanted(focused(page)):
            return
    pytest.fail(f"{what} cannot be reached with the Tab key on {page.url}")


def link(text: str) -> Callable[[str], bool]:
    """A link whose text is `text`."""
    return lambda found: found.startswith("a|") and found.split("|")[1] == text


def field(label: str) -> Callable[[str], bool]:
    """A form field labelled `label`."""
    return lambda found: found.split("|")[2].startswith(label)


def button(text: str) -> Callable[[str], bool]:
    """A button (or submit input) whose text starts with `text`."""
    return lambda found: found.split("|")[0] in ("button", "input") and found.split("|")[1].startswith(text)


def sign_in_by_keyboard(page: Page, base_url: str, email: str) -> None:
    """From the home page: Tab to Sign in, Enter, type the email and password, Enter."""
    page.goto(base_url)
    tab_to(page, link("Sign in"), "the Sign in link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/auth/login**")
    tab_to(page, field("Email"), "the Email field")
    page.keyboard.type(email)
    tab_to(page, field("Password"), "the Password field")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out")).to_be_visible()


def test_a_leader_and_a_manager_use_the_site_by_keyboard_only(
    demo_app: Flask, live_server: str, new_page: Callable[..., Page]
) -> None:
    """The skip link, the navigation, a pair's page and the review page all answer to the keyboard."""
    # Given the demo leader on the home page
    leader = new_page()
    leader.goto(live_server)
    # When they press Tab once, the skip link is first
    leader.keyboard.press("Tab")
    assert focused(leader).startswith("a|Skip to content")

    # and they sign in and open "My sessions" by keyboard
    sign_in_by_keyboard(leader, live_server, "leader@demo.example")
    tab_to(leader, link("My sessions"), "the My sessions link")
    leader.keyboard.press("Enter")
    leader.wait_for_url("**/sessions/")
    # Then they can reach their pair's page and the form to propose a session
    tab_to(
        leader,
        lambda found: (
            found.startswith("a|")
            and "/sessions/pair/" in leader.evaluate("document.activeElement.getAttribute('href') || ''")
        ),
        "a pair's page",
    )
    leader.keyboard.press("Enter")
    leader.wait_for_url("**/sessions/pair/**")
    tab_to(leader, field("Date"), "the session date field")
    tab_to(leader, button("Propose"), "the Propose button")

    # Given a manager, when they sign in and go to Cohorts, then a cohort's review by keyboard
    manager = new_page()
    sign_in_by_keyboard(manager, live_server, "manager@demo.example")
    tab_to(manager, link("Cohorts"), "the Cohorts link")
    manager.keyboard.press("Enter")
    manager.wait_for_url("**/programme/cohorts")
    tab_to(manager, link("Spring 2026"), "the Spring 2026 cohort")
    manager.keyboard.press("Enter")
    expect(manager.get_by_role("heading", level=1)).to_contain_text("Spring 2026")
    tab_to(manager, link("Review"), "the Review link")
    manager.keyboard.press("Enter")
    manager.wait_for_url("**/review")
    expect(manager.get_by_role("heading", level=1)).to_be_visible()
