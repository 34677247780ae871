"""The three journeys and a session, in Chromium, through clicks and typing on the real pages only.

Given a programme manager made by the `create-manager` service (the only row written directly), mentors and a
leader register and sign up, the manager matches and publishes, and the pair then plans, holds and reviews a
session. The leader browses with JavaScript turned off, so every page they use must work without it.

Time passes through the live app's clock (its CLOCK setting, see conftest.py): the session is proposed for the
coming hour, accepted, and logged as held once the clock has moved past it, all through the real services.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from playwright.sync_api import Locator, Page, expect

from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.conftest import Clock

COHORT = "Spring cohort"
GOAL = "LinkedIn: Personal branding"
MENTOR_PAIR_ONLY_TEXT = "Sentinel-mentor-pair-only: next time bring your phone."
MENTOR_PAIR_ONLY_NEXT = "Sentinel-mentor-next: you already write like a human; post more often."
LEADER_SHARED_TEXT = "Sentinel-leader-shared: my first post got forty reactions."
LEADER_PRIVATE_NOTE = "Sentinel-leader-private: ask the team about video."


@dataclass(frozen=True)
class Someone:
    """A person of the story and what they type about themselves."""

    name: str
    email: str
    department: str
    grade: int
    skills: dict[str, str] = field(default_factory=dict)  # skill name -> level 1..5 (mentors)
    capacity: str = "1"


ANA = Someone("Ana Ribeiro", "ana@example.org", "Marketing", 3, {GOAL: "4", "TikTok: Short video": "5"})
BEN = Someone("Ben Okafor", "ben@example.org", "Engineering", 2, {GOAL: "5", "LinkedIn: Writing posts": "4"}, "2")
CLEO = Someone("Cleo Martin", "cleo@example.org", "Sales", 4, {"Instagram: Short video": "4"})
LEADER = Someone("Lena Hartmann", "lena@example.org", "Finance", 12)
MANAGER = Someone("Maud Keller", "maud@example.org", "People", 9)


def test_mentors_and_a_leader_are_matched_and_hold_a_session(
    live_app: Flask, live_server: str, new_page: Callable[..., Page], clock: Clock, browser_errors: list[str]
) -> None:
    """From sign-up to a published pair, a held session, two-way feedback and the manager's health view."""
    with live_app.app_context():
        from mentoring.services.usecases import accounts

        accounts.create_manager(MANAGER.name, MANAGER.email, DEFAULT_PASSWORD)

    # Given a manager who opens a cohort
    manager = new_page()
    sign_in(manager, live_server, MANAGER)
    nav(manager).get_by_role("link", name="Cohorts", exact=True).click()
    manager.get_by_role("link", name="New cohort").click()
    manager.get_by_label("Name").fill(COHORT)
    manager.get_by_role("button", name="Save").click()
    expect_flash(manager, f"Cohort {COHORT} is open.")
    expect(manager.get_by_role("heading", level=1)).to_contain_text(COHORT)

    # and three mentors and a leader who register and sign up to it
    mentors = {}
    for mentor in (ANA, BEN, CLEO):
        mentors[mentor.name] = register_and_sign_in(new_page(), live_server, mentor, role="mentor")
        fill_mentor_profile(mentors[mentor.name], mentor)
    leader = register_and_sign_in(new_page(java_script_enabled=False), live_server, LEADER, role="leader")
    fill_leader_request(leader)

    # When the manager checks the participants and runs the matching
    manager.get_by_role("navigation", name="Cohort").get_by_role("link", name="Participants").click()
    participants = manager.locator("table tbody")
    for person in (ANA, BEN, CLEO, LEADER):
        expect(participants).to_contain_text(person.name)
    manager.get_by_role("navigation", name="Cohort").get_by_role("link", name="Overview").click()
    manager.get_by_role("button", name="Run the matching").click()

    # Then the review proposes the leader's best mentor, with a score and the reasons
    expect_flash(manager, "The matching proposed 1 pair. Review them below.")
    expect(manager.get_by_role("heading", name=re.compile("Proposed pairs"))).to_be_visible()
    expect_proposed_pair(manager, ANA)

    # When the manager forbids that pair, runs again and pins the new proposal
    manager.get_by_role("button", name="Forbid").click()
    expect_flash(manager, "The pair is forbidden: the next run will not propose it.")
    manager.get_by_role("button", name="Run the matching again").click()
    expect_flash(manager, "The matching proposed 1 pair.")
    expect_proposed_pair(manager, BEN)
    manager.get_by_role("button", name="Pin").click()
    expect_flash(manager, "The pair is pinned: the next run keeps it.")
    pins = manager.get_by_role("heading", name="Pins and forbids").locator("..")
    expect(pins).to_contain_text(f"pinned {LEADER.name} with {BEN.name}")
    expect(pins).to_contain_text(f"forbidden {LEADER.name} with {ANA.name}")

    # and publishes
    manager.once("dialog", lambda dialog: dialog.accept())  # site.js asks "Publish these pairs?" first
    manager.get_by_role("button", name="Publish these pairs").click()
    expect_flash(manager, "Published 1 pair; 2 people told by email.")
    expect(manager.get_by_role("heading", level=1)).to_contain_text("published")

    # Then the leader sees their mentor: who, why and how to get in touch
    nav(leader).get_by_role("link", name="My mentor", exact=True).click()
    mentor_card = leader.get_by_role("article").filter(has_text=BEN.name)
    expect(mentor_card.get_by_role("heading", level=2)).to_contain_text(BEN.name)
    expect(mentor_card).to_contain_text(f"{BEN.name} works in {BEN.department}.")
    expect(mentor_card.get_by_role("heading", name="Why this pair")).to_be_visible()
    expect(mentor_card.locator("ul.reasons li").first).to_contain_text("points")
    expect(mentor_card.get_by_role("link", name=BEN.email)).to_have_attribute("href", f"mailto:{BEN.email}")

    # and the mentor sees their leader, while the other mentors have none
    ben = mentors[BEN.name]
    nav(ben).get_by_role("link", name="My leaders").click()
    expect(ben.get_by_role("heading", level=2).first).to_contain_text(LEADER.name)
    expect(ben.locator("main")).to_contain_text(f"{LEADER.name} works in {LEADER.department}.")
    expect(ben.locator("dd", has_text="I want my team to hear from me")).to_be_visible()
    ana = mentors[ANA.name]
    nav(ana).get_by_role("link", name="My leaders").click()
    expect(ana.locator("main")).to_contain_text("no leader was paired with you this time")

    # When the mentor proposes a session for the coming hour and the leader accepts it
    ben.get_by_role("link", name=f"Sessions with {LEADER.name}").click()
    expect(ben.get_by_role("heading", level=1)).to_have_text(f"Sessions with {LEADER.name}")
    starts = next_quarter_hour(clock.now() + timedelta(minutes=30), "Europe/London")
    propose = ben.locator("#propose")
    propose.get_by_label("Date").fill(starts.strftime("%Y-%m-%d"))
    propose.get_by_label("Start time").fill(starts.strftime("%H:%M"))
    propose.get_by_label("Length in minutes").fill("45")
    propose.get_by_label(GOAL).check()
    propose.get_by_role("button", name="Propose this session").click()
    expect_flash(ben, f"Session proposed. {LEADER.name} will get an email to accept or decline it.")

    nav(leader).get_by_role("link", name="My sessions").click()
    waiting = leader.get_by_role("heading", name="Proposals waiting for your answer")
    expect(waiting).to_be_visible()
    leader.get_by_role("button", name="Accept").click()
    expect_flash(leader, "Session accepted.")
    expect(leader.locator("article.session").first).to_contain_text("planned")
    expect(leader.get_by_role("link", name="Calendar invite (.ics)")).to_be_visible()

    # and, once the session's time has passed, the mentor logs it as held and leaves pair-only feedback
    clock.advance(timedelta(hours=2))
    ben.reload()
    ben.locator("#to-log").get_by_label("It took place").check()
    ben.get_by_role("button", name="Log it").click()
    expect_flash(ben, "Logged as held. Leave your feedback while it is fresh.")
    leave_feedback(
        ben, rating="5", worked=MENTOR_PAIR_ONLY_TEXT, try_next=MENTOR_PAIR_ONLY_NEXT, readers="My partner only"
    )
    answer_fit_check(ben, good_fit=True)

    # and the leader leaves feedback shared with the manager, with a private note
    leader.reload()
    expect(leader.get_by_role("heading", name="Past sessions and feedback")).to_be_visible()
    leader.get_by_role("link", name="Leave feedback").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text(f"Feedback on your session with {BEN.name}")
    leave_feedback(
        leader,
        rating="4",
        worked=LEADER_SHARED_TEXT,
        try_next="More short videos.",
        readers="My partner and the programme manager",
        private_note=LEADER_PRIVATE_NOTE,
    )
    answer_fit_check(leader, good_fit=True)

    # Then the leader reads the mentor's feedback on the pair page, and the mentor reads the leader's
    past = leader.locator("#past")
    expect(past.get_by_role("heading", name=f"{BEN.name}'s feedback")).to_be_visible()
    expect(past).to_contain_text(MENTOR_PAIR_ONLY_TEXT)
    expect(past).to_contain_text(LEADER_PRIVATE_NOTE)  # the author sees their own note
    expect(leader.locator("p.lead")).to_contain_text("1 session held")
    ben.reload()
    expect(ben.locator("#past")).to_contain_text(LEADER_SHARED_TEXT)
    expect(ben.locator("body")).not_to_contain_text(LEADER_PRIVATE_NOTE)

    # and the manager (signed out by the idle limit meanwhile) sees the pair's health without the pair-only text
    nav(manager).get_by_role("link", name="Health").click()
    expect_flash(manager, "Please sign in to see that page.")
    fill_sign_in(manager, MANAGER)
    manager.get_by_role("link", name=COHORT).click()
    expect(manager.get_by_role("heading", level=1)).to_have_text(f"Programme health: {COHORT}")
    pair_row = manager.locator("#pairs tbody tr").filter(has_text=LEADER.name)
    expect(pair_row).to_contain_text(BEN.name)
    expect(pair_row.locator("td").nth(3)).to_have_text("1")  # held
    expect(manager.locator("#stat-held")).to_have_text("1")
    expect(manager.locator("body")).not_to_contain_text(MENTOR_PAIR_ONLY_TEXT)
    pair_row.get_by_role("link", name=LEADER.name).click()
    expect(manager.get_by_role("heading", level=1)).to_have_text(f"{LEADER.name} & {BEN.name}")
    expect(manager.locator("main")).to_contain_text(LEADER_SHARED_TEXT)
    expect(manager.locator("main")).to_contain_text("Text kept to the pair.")
    for secret in (MENTOR_PAIR_ONLY_TEXT, MENTOR_PAIR_ONLY_NEXT, LEADER_PRIVATE_NOTE):
        expect(manager.locator("body")).not_to_contain_text(secret)

    # When the leader signs out, pages behind the login send them to sign in
    nav(leader).get_by_role("button", name="Sign out").click()
    expect_flash(leader, "You are signed out.")
    expect(nav(leader).get_by_role("link", name="Sign in")).to_be_visible()
    leader.goto(f"{live_server}/sessions/")
    expect(leader).to_have_url(re.compile(r"/login\?next="))
    expect(leader.get_by_role("heading", name="Sign in")).to_be_visible()
    expect_flash(leader, "Please sign in to see that page.")
    assert browser_errors == []


# ---------------------------------------------------------------- steps a person takes


def nav(page: Page) -> Locator:
    """The site's main navigation."""
    return page.get_by_role("navigation", name="Main")


def expect_flash(page: Page, text: str) -> None:
    """A flash message containing `text` is shown."""
    expect(page.locator(".flashes").get_by_text(text, exact=False)).to_be_visible()


def fill_sign_in(page: Page, person: Someone) -> None:
    """Type the email and password on the sign-in page and submit."""
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(nav(page).get_by_role("button", name="Sign out")).to_be_visible()


def sign_in(page: Page, base_url: str, person: Someone) -> None:
    """Open the site and sign in from the nav link."""
    page.goto(base_url)
    nav(page).get_by_role("link", name="Sign in").click()
    fill_sign_in(page, person)


def register_and_sign_in(page: Page, base_url: str, person: Someone, role: str) -> Page:
    """Register through the register page as a mentor or a leader (which signs the person in)."""
    page.goto(base_url)
    nav(page).get_by_role("link", name="Register").click()
    page.get_by_label("Your name").fill(person.name)
    page.get_by_label("Work email").fill(person.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    label = "I want to mentor a leader" if role == "mentor" else "I am a leader and want a mentor"
    page.get_by_label(label).check()
    page.get_by_role("button", name="Create account").click()
    expect_flash(page, "Welcome! Your account is ready.")
    expect(nav(page).get_by_role("link", name=person.name)).to_be_visible()
    return page


def fill_about_you(page: Page, person: Someone) -> None:
    """The "about you" part both roles fill in."""
    page.get_by_label("Your name").fill(person.name)
    page.get_by_label("Department").fill(person.department)
    page.get_by_label("Grade").fill(str(person.grade))
    page.get_by_label("Location").fill("London")
    page.get_by_label("Time zone").fill("Europe/London")
    page.get_by_label("Languages").fill("en")
    page.get_by_label("Remote").check()


def fill_mentor_profile(page: Page, mentor: Someone) -> None:
    """Fill the mentor profile: details, skills as rows, capacity and the cohort."""
    nav(page).get_by_role("link", name="My mentor profile").click()
    fill_about_you(page, mentor)
    page.get_by_label("How many leaders can you mentor at once?").select_option(mentor.capacity)
    page.get_by_label("A short bio").fill(f"{mentor.name} runs the {mentor.department} team's social accounts.")
    for number, (skill, level) in enumerate(mentor.skills.items(), start=1):
        page.get_by_label(f"Skill {number}: platform and skill", exact=True).select_option(label=skill)
        page.get_by_label(f"Skill {number}: your level", exact=True).select_option(level)
    page.get_by_label(COHORT).check()
    page.get_by_role("button", name="Save my profile").click()
    expect_flash(page, "Your mentor profile is saved.")


def fill_leader_request(page: Page) -> None:
    """Fill the leader's request: details, goals, what to achieve and about me."""
    nav(page).get_by_role("link", name="My request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request a mentor")
    fill_about_you(page, LEADER)
    page.get_by_label("Skill of goal 1").select_option(label=GOAL)
    page.get_by_label("Priority of goal 1").select_option(label="must")
    page.get_by_label("Target level of goal 1").select_option("4")
    page.get_by_label("Skill of goal 2").select_option(label="TikTok: Short video")
    page.get_by_label("Priority of goal 2").select_option(label="nice")
    page.get_by_label("What I want to achieve").fill("I want my team to hear from me on LinkedIn every month.")
    page.get_by_label("About me").fill("I coach the company football team on Saturdays.")
    page.get_by_role("button", name="Send my request").click()
    expect_flash(page, "Your request is sent.")


def expect_proposed_pair(page: Page, mentor: Someone) -> None:
    """The review's one proposed pair is the leader with `mentor`, with a score and reasons."""
    row = page.locator("table tbody tr").filter(has_text=LEADER.name).first
    expect(row).to_contain_text(mentor.name)
    expect(row.locator("td.num")).to_have_text(re.compile(r"^\d+(\.\d+)?$"))
    expect(row.locator("ul.reasons").first).to_contain_text("Goals: +")
    expect(row.locator("ul.reasons").first).to_contain_text("Cross department: +")


def next_quarter_hour(moment: datetime, zone: str) -> datetime:
    """The first quarter hour at or after `moment`, as a wall-clock time in `zone`."""
    local = moment.astimezone(ZoneInfo(zone)).replace(second=0, microsecond=0)
    return local + timedelta(minutes=-local.minute % 15)


def leave_feedback(page: Page, rating: str, worked: str, try_next: str, readers: str, private_note: str = "") -> None:
    """Fill and save the feedback form of a held session."""
    page.get_by_label(rating, exact=True).check()
    page.get_by_label("What worked").fill(worked)
    page.get_by_label("What to try next").fill(try_next)
    page.get_by_label(readers).check()
    if private_note:
        page.get_by_label("Private note").fill(private_note)
    page.get_by_role("button", name="Save my feedback").click()
    expect_flash(page, "Thank you: your feedback is saved.")


def answer_fit_check(page: Page, good_fit: bool) -> None:
    """Answer "is this a good fit?" on the pair page."""
    fit = page.locator("#fit")
    fit.get_by_label("Yes, a good fit" if good_fit else "No, not a good fit").check()
    fit.get_by_role("button", name="Save my answer").click()
    expect_flash(page, "Thank you: glad it works." if good_fit else "The programme team will get in touch")
