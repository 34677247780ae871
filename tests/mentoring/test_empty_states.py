"""Every list page of every role, for a programme with nothing in it yet: never a bare table, always a sentence
that says what the empty list means and what to do next (the shared `empty` macro, class "empty-state").

The pages come from the URL map: a GET route missing from CASES or NOT_LISTS fails the first test, so a new page
cannot escape. Two worlds: "bare" (a manager, a mentor and a leader with nothing, no cohort, no skill) and
"quiet" (an open cohort nobody joined, and a published cohort whose one pair has done nothing yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import delete, select

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import Match, Skill
from mentoring.services.usecases import leader_choice, matching_runs, pair_changes, publishing
from tests.mentoring.world import fill, routes, sign_in

# GET pages that show no list (forms, one item, files, machine answers), each with why.
NOT_LISTS = {
    "main.home": "the journey strip and links; open cohorts only when there are some",
    "probes.healthz": "machine answer",
    "probes.readyz": "machine answer",
    "auth.login": "a form",
    "auth.register": "a form",
    "auth.forgot_password": "a form",
    "auth.reset_password": "a one-time link",
    "auth.confirm_email": "a one-time link",
    "auth.accept_invitation": "a one-time link",
    "auth.oidc_start": "a redirect",
    "auth.oidc_callback": "a redirect",
    "account.overview": "one person's details",
    "account.download_data": "a JSON file",
    "mentors.profile": "a form",
    "leaders.request_mentor": "a form",
    "programme.new_cohort": "a form",
    "programme.edit_cohort": "a form",
    "programme.rules": "a form",
    "programme.edit_skill": "a form",
    "programme.cohort": "one cohort's figures and next steps",
    "programme.choice": "one cohort's figures and a form",
    "programme.import_people": "a form",
    "programme.import_preview": "shows only the non-empty parts of an upload (tests/mentoring/test_people_import.py)",
    "programme.run_progress_json": "machine answer",
    "health.export_csv": "a redirect to the dashboard's exports",
    "health.export_graphml": "a redirect to the dashboard's exports",
    "health.download_export": "a CSV or GraphML file",
    "sessions.feedback": "one session's form",
    "sessions.invite": "an .ics file",
}


@dataclass(frozen=True)
class Case:
    """One list page as `who` sees it in `world`, with how many empty lists it shows."""

    endpoint: str
    who: str  # manager, mentor, leader (the published pair's), new_mentor, new_leader (nothing yet)
    empties: int
    world: str = "quiet"
    cohort: str = "published"  # or "empty": the open cohort nobody joined
    query: dict[str, str] = field(default_factory=dict)


NOBODY = {"q": "zzz-nobody"}
CASES = (
    Case("programme.cohorts", "manager", 1, world="bare"),
    Case("programme.cohorts", "manager", 0),
    Case("programme.people", "manager", 0),
    Case("programme.people", "manager", 1, query=NOBODY),
    Case("programme.person", "manager", 3),  # a person with no profile, request or pair
    Case("programme.skills", "manager", 1, world="bare"),
    Case("programme.skills", "manager", 0),
    Case("programme.audit_log", "manager", 1, query=NOBODY),
    Case("programme.attention", "manager", 1, cohort="empty"),
    Case("programme.attention", "manager", 1),
    Case("programme.changes", "manager", 1, cohort="empty"),
    Case("programme.changes", "manager", 2),  # waitlist and late joiners
    Case("programme.changes", "manager", 3, query=NOBODY),
    Case("programme.change_pair", "manager", 1),  # no other mentor has room
    Case("programme.participants", "manager", 1, cohort="empty"),
    Case("programme.participants", "manager", 1, query=NOBODY),
    Case("programme.invitations", "manager", 1, cohort="empty"),
    Case("programme.invitations", "manager", 1),
    Case("programme.invite", "manager", 0, cohort="empty"),
    Case("programme.invite", "manager", 1, cohort="empty", query={"grade_min": "15"}),
    Case("programme.review", "manager", 3, cohort="empty"),  # not run, pins and forbids, runs
    Case("programme.review", "manager", 1),  # pins and forbids
    Case("programme.review", "manager", 2, query={"show": "unmatched"}),
    Case("programme.review", "manager", 2, query={"show": "pinned"}),
    Case("programme.review", "manager", 2, query=NOBODY),
    Case("health.index", "manager", 1, world="bare"),
    Case("health.index", "manager", 0),
    Case("health.dashboard", "manager", 7, cohort="empty"),
    Case("health.dashboard", "manager", 3),  # needs attention, exports, nudges
    Case("health.dashboard", "manager", 4, query={"q": "zzz-nobody"}),
    Case("health.pair", "manager", 2),  # sessions, nudges
    Case("health.programme_graph_page", "manager", 1, world="bare"),
    Case("health.programme_graph_page", "manager", 1, world="bare", query={"view": "departments"}),
    Case("health.programme_graph_page", "manager", 0),
    Case("health.programme_graph_page", "manager", 1, query={"view": "departments"}),  # no session held
    Case("mentors.my_leaders", "new_mentor", 1, world="bare"),
    Case("mentors.my_leaders", "mentor", 0),
    Case("leaders.my_mentor", "new_leader", 1, world="bare"),
    Case("leaders.my_mentor", "leader", 0),
    Case("leaders.choose", "new_leader", 1, world="bare"),
    Case("sessions.overview", "new_mentor", 1, world="bare"),
    Case("sessions.overview", "new_leader", 1, world="bare"),
    Case("sessions.overview", "mentor", 2),  # upcoming, past
    Case("sessions.overview", "leader", 2),
    Case("sessions.pair", "mentor", 2),
    Case("sessions.pair", "leader", 2),
)


class _Lists(HTMLParser):
    """Counts the rows of every table body and the items of every list, and reads the empty states."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, int]] = []  # per table: bodies and rows
        self.lists: list[int] = []  # items per <ul>/<ol>, in document order
        self.empty_states: list[dict[str, object]] = []
        self._open_tables: list[dict[str, int]] = []
        self._open_lists: list[int] = []
        self._empty_depth = 0
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag not in ("br", "input", "meta", "link", "img", "hr", "source", "col", "wbr"):
            self._depth += 1
        if tag == "table":
            table = {"bodies": 0, "rows": 0, "placeholders": 0}
            self.tables.append(table)
            self._open_tables.append(table)
        elif tag == "tbody" and self._open_tables:
            self._open_tables[-1]["bodies"] += 1
        elif tag == "tr" and self._open_tables and self._open_tables[-1]["bodies"]:
            self._open_tables[-1]["rows"] += 1
        elif tag == "td" and found.get("colspan") and self._open_tables:
            # one cell across the whole table: a "nothing here" row dressed as data
            self._open_tables[-1]["placeholders"] += 1
        elif tag in ("ul", "ol"):
            self.lists.append(0)
            self._open_lists.append(len(self.lists) - 1)
        elif tag == "li" and self._open_lists:
            self.lists[self._open_lists[-1]] += 1
        if "empty-state" in (found.get("class") or "").split():
            self.empty_states.append({"text": "", "links": []})
            self._empty_depth = self._depth
        elif tag == "a" and self._empty_depth:
            self.empty_states[-1]["links"].append(found.get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._open_tables:
            self._open_tables.pop()
        elif tag in ("ul", "ol") and self._open_lists:
            self._open_lists.pop()
        if self._empty_depth and self._depth == self._empty_depth:
            self._empty_depth = 0
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._empty_depth:
            self.empty_states[-1]["text"] += data


@dataclass
class Quiet:
    """Who and what the pages are asked about."""

    people: dict[str, object]
    cohorts: dict[str, int] = field(default_factory=dict)
    match: int = 0
    nobody: int = 0


def _bare(make_manager, make_person) -> Quiet:
    """A manager, a mentor and a leader who have done nothing; no cohort; an empty skill catalogue."""
    db.session.execute(delete(Skill))
    db.session.commit()
    manager = make_manager(name="Mia Manager")
    people = {
        "manager": manager,
        "new_mentor": make_person(name="Nina Newmentor", is_mentor=True),
        "new_leader": make_person(name="Noah Newleader", is_leader=True),
    }
    return Quiet(people=people, nobody=people["new_mentor"].id)


def _quiet(make_manager, make_person, make_cohort, make_mentor, make_leader) -> Quiet:
    """An open cohort nobody joined, and a published cohort whose one pair has not met yet."""
    manager = make_manager(name="Mia Manager")
    empty = make_cohort(name="Empty cohort")
    published = make_cohort(name="Quiet cohort")
    mentor = make_mentor(cohort=published, name="Max Mentor")
    leader = make_leader(published, name="Lena Leader")
    run = matching_runs.run_matching(published.id, manager)
    publishing.publish(manager, published.id, run_id=run.id)
    match = db.session.execute(select(Match.id)).scalar_one()
    nobody = make_person(name="Nora Nobody")
    people = {"manager": manager, "mentor": mentor, "leader": leader}
    return Quiet(people=people, cohorts={"empty": empty.id, "published": published.id}, match=match, nobody=nobody.id)


def _path(app: Flask, case: Case, scene: Quiet) -> str:
    rule = next(rule for rule, method in routes(app) if rule.endpoint == case.endpoint and method == "GET")
    values = {"cohort_id": scene.cohorts.get(case.cohort, 0), "match_id": scene.match, "person_id": scene.nobody}
    return fill(rule, values)


def _problems(app: Flask, scene: Quiet, world: str) -> list[str]:
    problems = []
    clients = {}
    for case in (case for case in CASES if case.world == world):
        client = clients.get(case.who) or clients.setdefault(case.who, sign_in(app, scene.people[case.who]))
        path = _path(app, case, scene)
        response = client.get(path, query_string=case.query)
        where = f"{path} {case.query} as {case.who}"
        if response.status_code != 200:
            problems.append(f"{where}: answered {response.status_code}")
            continue
        page = _Lists()
        page.feed(response.get_data(as_text=True))
        bare = [t for t in page.tables if t["bodies"] == 0 or t["rows"] == 0 or t["rows"] == t["placeholders"]]
        if bare:
            problems.append(f"{where}: {len(bare)} table(s) without a row in a <tbody>")
        if 0 in page.lists:
            problems.append(f"{where}: an empty <ul>/<ol>")
        if len(page.empty_states) != case.empties:
            problems.append(f"{where}: {len(page.empty_states)} empty states, expected {case.empties}")
        for state in page.empty_states:
            text = " ".join(str(state["text"]).split())
            if len(text) < 40 or "." not in text:
                problems.append(f"{where}: the empty state {text!r} does not say what it means and what to do")
            for href in state["links"]:
                target = urlsplit(href)
                followed = client.get(target.path, query_string=target.query)
                if followed.status_code != 200:
                    problems.append(f"{where}: its link {href} answers {followed.status_code}")
    return problems


def test_every_get_page_is_either_a_list_case_or_named_as_no_list(app):
    # Given the app's GET pages
    pages = {rule.endpoint for rule, method in routes(app) if method == "GET"}
    cased = {case.endpoint for case in CASES}
    # Then each is a list page checked below, or named as showing no list (and nothing listed is gone)
    assert pages - cased - set(NOT_LISTS) == set(), "add these pages to CASES (or NOT_LISTS with why)"
    assert (cased | set(NOT_LISTS)) - pages == set(), "these pages no longer exist"
    assert cased & set(NOT_LISTS) == set()


def test_a_programme_with_nothing_yet_shows_what_to_do_on_every_list(app, make_manager, make_person):
    # Given a manager, a mentor and a leader who have done nothing, no cohort and no skill
    scene = _bare(make_manager, make_person)
    # When each of them opens each of their list pages
    # Then no table or list is bare, and each empty list says what it means and links where to act
    problems = _problems(app, scene, "bare")
    assert not problems, "\n".join(problems)


def test_a_quiet_cohort_shows_what_to_do_on_every_list(
    app, make_manager, make_person, make_cohort, make_mentor, make_leader
):
    # Given an open cohort nobody joined, and a published cohort whose one pair has done nothing yet
    scene = _quiet(make_manager, make_person, make_cohort, make_mentor, make_leader)
    # When the manager and the pair open every list page, with each filter that finds nothing
    # Then no table or list is bare, and each empty list says what it means and links where to act
    problems = _problems(app, scene, "quiet")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("endpoint", sorted({case.endpoint for case in CASES}))
def test_each_list_page_is_checked_with_an_empty_list(endpoint):
    # Every list page has at least one case where a list of it is empty
    assert any(case.empties for case in CASES if case.endpoint == endpoint)


def test_a_change_that_only_ends_a_pair_says_so_on_review(
    app, make_manager, make_person, make_cohort, make_mentor, make_leader
):
    # Given the quiet cohort's pair, and a proposed change that ends it
    scene = _quiet(make_manager, make_person, make_cohort, make_mentor, make_leader)
    cohort_id = scene.cohorts["published"]
    pair_changes.propose_end(scene.people["manager"], cohort_id, scene.match, "Moved team.", True)
    # When the manager reviews it
    page = sign_in(app, scene.people["manager"]).get(f"/programme/cohorts/{cohort_id}/review").get_data(as_text=True)
    # Then the empty list of new pairs says the change ends a pair, not that no mentor keeps the rules
    reader = _Lists()
    reader.feed(page)
    texts = [" ".join(str(state["text"]).split()) for state in reader.empty_states]
    assert any(text.startswith("This change ends a pair and proposes no new one.") for text in texts)
    assert not any("keeps every rule" in text for text in texts)


def test_a_mentor_nobody_chose_yet_is_told_what_happens(app, make_manager, make_cohort, make_mentor, make_leader):
    # Given a cohort where leaders choose, and a mentor in it whom nobody has chosen yet
    cohort = make_cohort(name="Choosers")
    manager = make_manager()
    mentor = make_mentor(cohort=cohort, name="Ada Waiting")
    make_leader(cohort, name="Vic Chooser")
    leader_choice.start(manager, cohort.id, utcnow() + timedelta(days=14))
    # When the mentor opens "My leaders"
    page = sign_in(app, mentor).get("/mentor/leaders").get_data(as_text=True)
    # Then the empty list of leaders who chose them says what happens next, in that cohort
    reader = _Lists()
    reader.feed(page)
    texts = [" ".join(str(state["text"]).split()) for state in reader.empty_states]
    assert any(text.startswith("No leader has chosen you yet. In Choosers, leaders choose") for text in texts)
