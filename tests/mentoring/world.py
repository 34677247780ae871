"""One small, complete programme for the tests that span every route: people of every role, cohorts in
several states, a real match run and publish, pair rules, sessions in every state, feedback and a skill.

`world` gives ids (and the Person rows, to sign in); `sign_in(app, person)` gives a fresh signed-in client;
`snapshot()` and `changes()` compare the database before and after requests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from mentoring.extensions import db
from mentoring.models import Feedback, FitCheck, LeaderRequest, Match, Meeting, MentorEnrolment, Person
from mentoring.services.usecases import catalogue, matching_runs, pair_rules, publishing
from tests.conftest import login

BRANDING, VIDEO = "linkedin/personal-branding", "tiktok/short-video"
MEETING_STATES = (
    "proposed_by_leader",
    "proposed_by_mentor",
    "accepted",
    "due",
    "held",
    "declined",
    "cancelled",
    "missed",
)
# Tables whose rows change on every request by design: sign-in bookkeeping and the audit log.
BOOKKEEPING = {"login_session", "login_attempt", "audit_event"}
# Figures derived from the other tables and recomputed by a job: a health page that finds them missing or
# out of date asks for them (a cache fill, like a sign-in's "last seen"), so a GET may touch these rows.
DERIVED = {"health_summary", "health_pair_row"}


@dataclass
class World:
    """Ids of the scenario. "own" things belong to `leader` and `mentor`; "other" things to `other_*`."""

    manager: Person
    mentor: Person
    leader: Person
    other_mentor: Person
    other_leader: Person
    outsider: Person  # signed-in person with no role at all
    cohort: int  # published: holds the two pairs
    open_cohort: int  # open: only `leader` asked, `mentor` enrolled, the pair forbidden
    other_open_cohort: int  # open: only `other_leader` asked
    run: int
    match: int  # leader with mentor
    other_match: int  # other_leader with other_mentor
    pin_rule: int  # in `cohort`
    open_rule: int  # the forbid in `open_cohort`
    skill: int
    meetings: dict[str, int] = field(default_factory=dict)  # own pair's sessions by state
    other_meetings: dict[str, int] = field(default_factory=dict)

    def person(self, role: str) -> Person | None:
        """The person playing `role` (None for anonymous)."""
        return None if role == "anonymous" else getattr(self, role)


def _request(cohort_id: int, person: Person, skill_id: int) -> None:
    from mentoring.models import Goal

    request = LeaderRequest(
        cohort_id=cohort_id, person_id=person.id, achieve="Post weekly.", about_me="I sail.", formats=["remote"]
    )
    request.goals = [Goal(skill_id=skill_id, priority=3, target_level=3)]
    db.session.add(request)


def _meetings(match: Match, skill_id: int, now: datetime) -> dict[str, int]:
    """One session of the pair in each state; the held one has feedback from both sides and a fit check."""
    soon, past = now + timedelta(days=3), now - timedelta(days=2)
    rows = {
        "proposed_by_leader": (soon, "proposed", match.leader_id),
        "proposed_by_mentor": (soon + timedelta(days=1), "proposed", match.mentor_id),
        "accepted": (soon + timedelta(days=2), "accepted", match.mentor_id),
        "due": (past, "accepted", match.mentor_id),
        "held": (past - timedelta(days=7), "held", match.leader_id),
        "declined": (soon + timedelta(days=3), "declined", match.leader_id),
        "cancelled": (soon + timedelta(days=4), "cancelled", match.mentor_id),
        "missed": (past - timedelta(days=14), "missed", match.mentor_id),
    }
    ids = {}
    for state, (starts_at, status, proposer) in rows.items():
        answered = status not in ("proposed",)
        meeting = Meeting(
            match_id=match.id,
            proposed_by_id=proposer,
            starts_at=starts_at,
            duration_minutes=60,
            format="remote",
            skills=[skill_id],
            status=status,
            proposed_at=starts_at - timedelta(days=5),
            answered_at=starts_at - timedelta(days=4) if answered else None,
            answered_by_id=match.other(proposer).id if answered else None,
            cancelled_by_id=proposer if status == "cancelled" else None,
            logged_at=starts_at + timedelta(hours=2) if status in ("held", "missed") else None,
        )
        db.session.add(meeting)
        db.session.flush()
        ids[state] = meeting.id
    held = ids["held"]
    for author, visibility in ((match.leader_id, "manager"), (match.mentor_id, "pair")):
        db.session.add(
            Feedback(
                meeting_id=held,
                author_id=author,
                rating=4,
                what_worked="Clear examples.",
                try_next="Short videos.",
                visibility=visibility,
                private_note="Note to self.",
            )
        )
        db.session.add(FitCheck(match_id=match.id, person_id=author, good_fit=True))
    return ids


def build_world(
    make_cohort: Callable,
    make_manager: Callable,
    make_mentor: Callable,
    make_leader: Callable,
    make_person: Callable,
    skills: dict[str, int],
    now: datetime | None = None,
) -> World:
    """Build the scenario through the real matching and publishing services, plus sessions as rows.

    Built twice with the same `now` on an emptied database, it gives the same rows with the same ids.
    """
    manager = make_manager(name="Mia Manager", email="mia.manager@example.com")
    cohort = make_cohort(name="World cohort")
    mentor = make_mentor(cohort=cohort, skill_levels={BRANDING: 5}, name="Max Mentor", email="max.mentor@example.com")
    other_mentor = make_mentor(
        cohort=cohort, skill_levels={VIDEO: 5}, name="Olga Othermentor", email="olga.othermentor@example.com"
    )
    leader = make_leader(cohort, goals=[(BRANDING, 3, 4)], name="Lena Leader", email="lena.leader@example.com")
    other_leader = make_leader(
        cohort, goals=[(VIDEO, 3, 4)], name="Otto Otherleader", email="otto.otherleader@example.com"
    )
    outsider = make_person(name="Nora Noroles", email="nora.noroles@example.com")

    pin = pair_rules.set_pair_rule(manager, cohort.id, leader.id, mentor.id, "pin")  # pins steer runs: before one
    run = matching_runs.run_matching(cohort.id, manager)
    publishing.publish(manager, cohort.id, run_id=run.id)
    found = {(m.leader_id, m.mentor_id): m for m in db.session.execute(select(Match)).scalars()}
    match, other_match = found[(leader.id, mentor.id)], found[(other_leader.id, other_mentor.id)]

    open_cohort = make_cohort(name="Open cohort", starts_on=date(2028, 1, 10), ends_on=date(2028, 6, 30))
    other_open_cohort = make_cohort(name="Other open cohort", starts_on=date(2028, 2, 10), ends_on=date(2028, 7, 30))
    _request(open_cohort.id, leader, skills[BRANDING])
    _request(other_open_cohort.id, other_leader, skills[VIDEO])
    db.session.add(MentorEnrolment(cohort_id=open_cohort.id, person_id=mentor.id))
    db.session.commit()
    open_rule = pair_rules.set_pair_rule(manager, open_cohort.id, leader.id, mentor.id, "forbid")
    skill = catalogue.add_skill(manager, "World platform", "Live streams", "World skill")

    now = now or datetime.now(UTC)
    meetings = _meetings(match, skills[BRANDING], now)
    other_meetings = _meetings(other_match, skills[VIDEO], now)
    db.session.commit()
    return World(
        manager=manager,
        mentor=mentor,
        leader=leader,
        other_mentor=other_mentor,
        other_leader=other_leader,
        outsider=outsider,
        cohort=cohort.id,
        open_cohort=open_cohort.id,
        other_open_cohort=other_open_cohort.id,
        run=run.id,
        match=match.id,
        other_match=other_match.id,
        pin_rule=pin.id,
        open_rule=open_rule.id,
        skill=skill.id,
        meetings=meetings,
        other_meetings=other_meetings,
    )


@pytest.fixture
def world(make_cohort, make_manager, make_mentor, make_leader, make_person, skills) -> World:
    """The shared scenario (see the module docstring)."""
    return build_world(make_cohort, make_manager, make_mentor, make_leader, make_person, skills)


def sign_in(app: Flask, person: Person | None) -> FlaskClient:
    """A new client of `app`, signed in as `person` through the real form (anonymous for None)."""
    client = app.test_client()
    if person is not None:
        login(client, person)
    return client


def export_text(client: FlaskClient, cohort_id: int, kind: str) -> str:
    """Ask for an export of the cohort as the signed-in manager (the job runs inline) and download it."""
    from mentoring.models import ExportFile

    assert client.post(f"/programme/health/{cohort_id}/exports/{kind}").status_code == 302
    query = select(ExportFile.id).where(ExportFile.cohort_id == cohort_id).order_by(ExportFile.id.desc()).limit(1)
    export_id = db.session.execute(query).scalar_one()
    db.session.rollback()
    response = client.get(f"/programme/health/exports/{export_id}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def snapshot(skip: set[str] = BOOKKEEPING) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the bookkeeping ones, sorted, for before/after comparisons."""
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name in skip:
            continue
        found = db.session.execute(select(table)).all()
        rows[table.name] = sorted((tuple(row) for row in found), key=repr)
    db.session.rollback()
    return rows


def changes(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]) -> dict[str, Any]:
    """Table -> (rows gone, rows new) for the tables that differ."""
    found = {}
    for name in before:
        gone = [row for row in before[name] if row not in after[name]]
        new = [row for row in after[name] if row not in before[name]]
        if gone or new:
            found[name] = (gone, new)
    return found


ID_PARAMETER = re.compile(r"<id:(\w+)>")
MEETING_FOR = {
    "sessions.accept": "proposed_by_mentor",
    "sessions.decline": "proposed_by_mentor",
    "sessions.cancel": "accepted",
    "sessions.log": "due",
    "sessions.feedback": "held",
    "sessions.invite": "accepted",
}


def route_values(world: World, endpoint: str, mirror: bool = False) -> dict[str, int]:
    """The ids a URL of `endpoint` takes in the scenario: the own pair's things, the published cohort.

    `mirror` gives the other pair's things instead (what `other_mentor` and `other_leader` own).
    """
    leader, mentor = (world.other_leader, world.other_mentor) if mirror else (world.leader, world.mentor)
    if endpoint == "programme.forbid_pair":
        # Forbidding names a pair without a rule yet, so the route stores a new row.
        leader, mentor = (world.leader, world.mentor) if mirror else (world.other_leader, world.other_mentor)
    meetings = world.other_meetings if mirror else world.meetings
    own_open = world.other_open_cohort if mirror else world.open_cohort
    return {
        "cohort_id": own_open if endpoint == "leaders.withdraw_request" else world.cohort,
        "match_id": world.other_match if mirror else world.match,
        "meeting_id": meetings[MEETING_FOR.get(endpoint, "accepted")],
        "leader_id": leader.id,
        "mentor_id": mentor.id,
        "rule_id": world.pin_rule,
        "skill_id": world.skill,
        "person_id": world.outsider.id,
        "job_id": 1,  # the scenario queues no matching job: cancelling one answers 404, even to a manager
        "choice_id": 1,  # no leader picked anyone: every answer is a 404
        "invitation_id": world.pin_rule,
        "export_id": 10**6,  # no export has this id (the sweep may ask for some): 404, even to a manager
    }


def fill(rule: Rule, values: dict[str, object]) -> str:
    """The rule's path with each <id:name> replaced by values[name] as written (even 0, -1 or text)."""
    return ID_PARAMETER.sub(lambda found: str(values[found.group(1)]), rule.rule)


def routes(app: Flask) -> list[tuple[Rule, str]]:
    """(rule, method) of every route but static files; sign-out last, so it cannot end a sweep early."""
    found = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    return sorted(found, key=lambda item: (item[0].endpoint == "auth.logout", item[0].rule, item[1]))


class _FormReader(HTMLParser):
    """Collects the fields of every <form> on a page, as a browser would submit them unchanged."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def _add(self, name: str | None, value: str) -> None:
        if name and self.forms:
            self.forms[-1][1].setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form":
            self.forms.append((found.get("action", ""), {}))
        elif tag == "input" and found.get("type") not in ("submit", "button", "reset"):
            if found.get("type") in ("checkbox", "radio") and "checked" not in found:
                return
            self._add(found.get("name"), found.get("value", "on" if found.get("type") == "checkbox" else ""))
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = found.get("name"), None, False
        elif tag == "option" and self._select is not None:
            value = found.get("value", "")
            self._select_first = value if self._select_first is None else self._select_first
            if "selected" in found:
                self._add(self._select, value)
                self._select_chosen = True
        elif tag == "textarea":
            self._textarea = found.get("name")
            self._add(self._textarea, "")

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            values = self.forms[-1][1][self._textarea]
            values[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                self._add(self._select, self._select_first)
            self._select = None
        elif tag == "textarea":
            if self._textarea and self.forms:
                value = self.forms[-1][1][self._textarea][-1]
                self.forms[-1][1][self._textarea][-1] = value.removeprefix("\n")
            self._textarea = None


def page_form(html: str, field_name: str) -> dict[str, str | list[str]]:
    """The fields of the page's form holding `field_name`, filled as shown (as a browser sends it unchanged)."""
    reader = _FormReader()
    reader.feed(html)
    for _action, fields in reader.forms:
        if field_name in fields:
            return {name: values[0] if len(values) == 1 else values for name, values in fields.items()}
    raise AssertionError(f"no form with a field {field_name!r} on the page")


def comparable(known_hashes: dict[str, str] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in a form that two builds of the same story share: each moment becomes
    "set" or None (also inside texts), each password hash its label in `known_hashes` (or "new"); tokens,
    timings and random occasion keys are left out."""
    known_hashes = known_hashes or {}
    rows = {}
    for table in db.metadata.sorted_tables:
        kept = [column for column in table.columns if (table.name, column.name) not in VOLATILE]
        found = []
        for row in db.session.execute(select(*kept)).all():
            values = []
            for column, value in zip(kept, row, strict=True):
                if isinstance(value, datetime):
                    value = "set"
                elif column.name == "password_hash" and value is not None:
                    value = known_hashes.get(value, "new")
                elif isinstance(value, str):
                    value = MOMENT.sub("<moment>", value)
                values.append(value)
            found.append(tuple(values))
        rows[table.name] = sorted(found, key=repr)
    db.session.rollback()
    return rows


# Left out: random tokens, solver timings, and email occasion keys that end in a random stamp;
# a matching job's lock token and queue id, an email's .ics (it carries its DTSTAMP), an export's file.
VOLATILE = {
    ("login_session", "token_hash"),
    ("match_run", "stats"),
    ("notification", "occasion"),
    ("one_time_token", "token_hash"),
    ("people_upload", "id"),
    ("run_job", "token"),
    ("run_job", "task_id"),
    ("notification", "calendar"),
    ("export_file", "content"),
}
MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[.\d]*(\+00:00|Z)?")
