"""The programme after publish, in the browser: a manager replaces a mentor, places a late joiner and ends a pair;
the leader waits on the waitlist until a mentor raises their capacity, and the manager approves the offer.

Given the demo's published cohort, kept small so each step is predictable: only its paired mentors stay enrolled,
at capacity, plus three mentors who speak only French with one place each; Deniz Fischer (English and French)
asks to join after publish. His request is a row, so no automatic placement job runs before the manager's own steps
(the request page for a running cohort is walked in test_late_request.py, its job in
tests/mentoring/test_late_requests.py). Every page on the way is checked with axe-core at 1280 and 390 px; the pair
ending is proposed by keyboard only.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, func, select

from tests.e2e.test_accessibility import DEMO_PASSWORD, WIDTHS, _axe_script, _violations
from tests.e2e.test_journeys import expect_flash, nav
from tests.e2e.test_keyboard import button, field, tab_to
from tests.mentoring.mail_links import sent_mail

FRENCH_ONLY = ("Leila Müller", "Yara Müller", "Mateo Novak")
LATE = "Deniz Fischer"
RAISER = "Qi Ibrahim"  # English, Customer Service, mentors one leader: can take Lucía once they have room
PEOPLE = ("Helen Marsh", "Lucía Hughes", "Zoe Zhang", RAISER, LATE)


def _given(app: Flask) -> tuple[int, dict[str, str]]:
    """The published cohort as the module docstring says; returns its id and the email of each of PEOPLE."""
    from mentoring.extensions import db
    from mentoring.models import Cohort, Goal, LeaderRequest, Match, MentorEnrolment, MentorProfile, Person

    with app.app_context():
        cohort = db.session.execute(select(Cohort).where(Cohort.status == "published")).scalar_one()
        load = dict(
            db.session.execute(
                select(Match.mentor_id, func.count()).where(Match.status == "active").group_by(Match.mentor_id)
            ).all()
        )
        french = set(db.session.execute(select(Person.id).where(Person.name.in_(FRENCH_ONLY))).scalars())
        db.session.execute(
            delete(MentorEnrolment).where(
                MentorEnrolment.cohort_id == cohort.id, MentorEnrolment.person_id.not_in(french | set(load))
            )
        )
        for person_id in french:
            db.session.get(Person, person_id).languages = ["fr"]
        enrolled = french | set(load)
        for profile in db.session.execute(select(MentorProfile).where(MentorProfile.person_id.in_(enrolled))).scalars():
            profile.capacity = load.get(profile.person_id, 0) + (1 if profile.person_id in french else 0)
        late = db.session.execute(select(Person).where(Person.name == LATE)).scalar_one()
        late.languages = ["en", "fr"]
        earlier = db.session.execute(select(LeaderRequest).where(LeaderRequest.person_id == late.id)).scalars().first()
        request = LeaderRequest(
            cohort_id=cohort.id, person_id=late.id, achieve="Start posting.", about_me="New here.", formats=["remote"]
        )
        request.goals = [
            Goal(skill_id=g.skill_id, priority=g.priority, target_level=g.target_level) for g in earlier.goals
        ]
        db.session.add(request)
        db.session.commit()
        emails = dict(db.session.execute(select(Person.name, Person.email).where(Person.name.in_(PEOPLE))).all())
        cohort_id = cohort.id
        db.session.remove()
    return cohort_id, emails


def _sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(nav(page).get_by_role("button", name="Sign out")).to_be_visible()


def _checked(page: Page, axe: str, problems: list[str]) -> None:
    """Run axe on the current page at both widths and keep what it finds."""
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        problems += [f"{width} {page.url}: {v}" for v in _violations(page, axe)]
    page.set_viewport_size(WIDTHS["desktop"])


def _publish(manager: Page, axe: str, problems: list[str], shown: str, flash: str) -> None:
    """On the review page the change is shown; the manager publishes it."""
    expect(manager.locator("main")).to_contain_text(shown)
    _checked(manager, axe, problems)
    manager.once("dialog", lambda dialog: dialog.accept())  # site.js asks to confirm first
    manager.get_by_role("button", name="Publish this change").click()
    expect_flash(manager, flash)
    _checked(manager, axe, problems)


def _mail_to(app: Flask, address: str) -> list[str]:
    return [f"{subject}\n{body}" for to, subject, body in sent_mail(app) if address in to]


def test_a_manager_changes_pairs_after_publish_and_approves_a_waitlist_offer(
    demo_app: Flask, live_server: str, new_page: Callable[..., Page]
) -> None:
    axe, problems = _axe_script(), []
    cohort_id, email = _given(demo_app)
    changes = f"{live_server}/programme/cohorts/{cohort_id}/changes"
    manager = new_page()
    _sign_in(manager, live_server, "manager@demo.example")

    # When the manager replaces Helen's mentor with the second of the three best replacements
    manager.goto(changes)
    _checked(manager, axe, problems)
    manager.get_by_role("link", name="Helen Marsh with Zoe Zhang").click()
    replace = manager.locator("section", has=manager.get_by_role("heading", name="Replace Zoe Zhang as mentor"))
    proposals = replace.get_by_role("button", name="Propose ")
    expect(proposals).to_have_count(3)
    expect(manager.locator("main")).to_contain_text("score")
    _checked(manager, axe, problems)
    second = proposals.nth(1).inner_text().removeprefix("Propose ").strip()
    assert second in FRENCH_ONLY
    proposals.nth(1).click()
    _publish(manager, axe, problems, f"Replace Zoe Zhang as mentor of Helen Marsh with {second}", "1 new")

    # and places the late joiner with a mentor who has room
    manager.goto(changes)
    expect(manager.get_by_role("heading", name="Late joiners (1)")).to_be_visible()
    expect(manager.locator("main")).to_contain_text(LATE)
    manager.get_by_role("button", name="Match the late joiners with mentors who have room").click()
    _publish(manager, axe, problems, "late joiner", "Published 1 pair; 2 people told by email.")

    # and ends Lucía's pair with a reason, by keyboard only, putting her on the waitlist
    manager.goto(changes)
    manager.get_by_role("link", name="Lucía Hughes with Zoe Zhang").click()
    manager.wait_for_url("**/changes/pairs/**")
    tab_to(manager, field("Why the pair ends"), "the reason field")
    manager.keyboard.type("Lucía moved to the Berlin office.")
    tab_to(manager, field("Put the leader on the waitlist"), "the waitlist box")
    assert manager.get_by_label("Put the leader on the waitlist for a new mentor").is_checked()
    tab_to(manager, button("Propose ending this pair"), "the Propose ending button")
    manager.keyboard.press("Enter")
    manager.wait_for_url("**/review**")
    expect(manager.locator("#pairs .empty-state")).to_contain_text("This change ends a pair and proposes no new one.")
    _publish(manager, axe, problems, "End the pair of Lucía Hughes with Zoe Zhang", "1 pair(s) ended")

    # Then Lucía waits: no mentor with room speaks her languages
    manager.goto(changes)
    waitlist = manager.locator("section", has=manager.get_by_role("heading", name="Waitlist (1)"))
    expect(waitlist).to_contain_text("Lucía Hughes")
    expect(waitlist).to_contain_text("Lucía moved to the Berlin office.")
    _checked(manager, axe, problems)

    # When Qi Ibrahim raises their capacity on their profile page
    mentor = new_page()
    _sign_in(mentor, live_server, email[RAISER])
    mentor.goto(f"{live_server}/mentor/profile")
    _checked(mentor, axe, problems)
    mentor.get_by_label("How many leaders can you mentor at once?").select_option("2")
    mentor.get_by_role("button", name="Save my profile").click()
    expect_flash(mentor, "Your mentor profile is saved.")

    # Then an offer of Qi to Lucía waits for the manager, who approves it on the review page
    manager.goto(f"{live_server}/programme/cohorts/{cohort_id}/review")
    expect(manager.locator("main")).to_contain_text("waitlist")
    expect(manager.locator("#pairs")).to_contain_text("Lucía Hughes")
    expect(manager.locator("#pairs")).to_contain_text("Qi Ibrahim")
    _checked(manager, axe, problems)
    manager.once("dialog", lambda dialog: dialog.accept())
    manager.get_by_role("button", name="Publish this change").click()
    expect_flash(manager, "Published 1 pair")
    manager.goto(changes)
    expect(manager.get_by_role("heading", name="Waitlist (0)")).to_be_visible()
    expect(manager.locator(".empty-state").first).to_contain_text("Nobody is waiting")
    _checked(manager, axe, problems)

    # And each person sees their pairs: Helen her new mentor, Lucía hers, the mentors their leaders
    seen = {
        "Helen Marsh": ("/leader/mentor", second, "Zoe Zhang"),
        "Lucía Hughes": ("/leader/mentor", RAISER, "Zoe Zhang"),
        RAISER: ("/mentor/leaders", "Lucía Hughes", None),
        "Zoe Zhang": ("/mentor/leaders", None, "Helen Marsh"),
    }
    for name, (path, shown, gone) in seen.items():
        person = new_page()
        _sign_in(person, live_server, email[name])
        person.goto(f"{live_server}{path}")
        if shown:
            expect(person.get_by_role("heading", name=shown).first).to_be_visible()
        if gone:
            expect(person.get_by_role("heading", name=gone)).to_have_count(0)
        _checked(person, axe, problems)

    # and the late joiner sees one of the French-speaking mentors who still had room
    joiner = new_page()
    _sign_in(joiner, live_server, email[LATE])
    joiner.goto(f"{live_server}/leader/mentor")
    others = "|".join(name for name in FRENCH_ONLY if name != second)
    expect(joiner.get_by_role("heading", name=re.compile(others)).first).to_be_visible()
    _checked(joiner, axe, problems)

    # And the people concerned were told by email
    helen, lucia, zoe, qi, late = ("\n".join(_mail_to(demo_app, email[name])) for name in PEOPLE)
    assert second in helen
    assert "Lucía moved to the Berlin office." in lucia and "Qi Ibrahim" in lucia
    assert "Helen Marsh" in zoe and "Lucía Hughes" in zoe
    assert "Lucía Hughes" in qi
    assert late, "the late joiner was told about their mentor"
    assert problems == [], "\n".join(problems)
