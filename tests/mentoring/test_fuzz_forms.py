"""Hypothesis fuzzes every form: any text in any field gives a 2xx, 3xx or 4xx, never a 5xx; when a form is
accepted, what is stored equals what was accepted; NUL is refused with a visible message (SQLite and PostgreSQL).

Text is sent as a browser sends it, url-encoded UTF-8, built by hand so that lone surrogates can be sent too:
they travel as the invalid bytes a broken client would send, and Werkzeug hands them to the form as
percent-escaped text (U+D800 arrives as "%ED%A0%80"), so the form sees ordinary characters. What "was
accepted" is therefore the text as Werkzeug decoded it (`as_received`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" codec error handler used below
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import Cohort, Feedback, LeaderRequest, MentorProfile, Person, Skill, TokenPurpose
from tests.conftest import DEFAULT_PASSWORD
from tests.mentoring.form_cases import (
    CASES,
    IN_TEN_DAYS,
    TEN_DAYS_AGO,
    flag_the_pair,
    import_digest,
    invitation_link,
    link,
    shown,
    skill_id,
    stage_import,
    staged_import,
)
from tests.mentoring.world import BRANDING, World, changes, sign_in, snapshot

NUL_MESSAGE = "Remove the NUL character"
STRANGE = [
    "\x00",
    "\x01",
    "\x1f",
    "\x7f",
    "\x85",
    "\u200f",
    "\u202e",
    "\u2028",
    "\ufeff",
    "\ud800",
    "\udfff",
    "😀",
    "👩🏽‍💻",
    "\r\n",
    "\t",
    " ",
    "é",
    "ß",
    "İ",
    "ǅ",
    "<",
    "&",
    '"',
    "'",
    "%",
    "+",
    "=",
    "\\",
    "a",
    "7",
]
ANY_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=60),  # any code point, surrogates included
    st.lists(st.sampled_from(STRANGE), max_size=40).map("".join),
    st.sampled_from(
        [
            "x" * 10_000,
            "😀" * 10_000,
            "\u200f" * 10_000,
            "a\x00b",
            "  padded  ",
            "9" * 40,
            "-1",
            "nan",
            "inf",
            "1e309",
            "2027-02-30",
            "25:61",
            "İ" * 130,
        ]
    ),
)
_emails = itertools.count(1)


def as_received(text: str) -> str:
    """The text as the app receives it from the url-encoded body below."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "werkzeug.url_quote")


def encoded(fields: dict[str, object]) -> bytes:
    """An application/x-www-form-urlencoded body, with any text (lone surrogates as their raw bytes)."""
    parts = []
    for name, values in fields.items():
        for item in values if isinstance(values, list) else [values]:
            raw = str(item).encode("utf-8", "surrogatepass")
            parts.append(f"{quote(name, safe='')}={quote(raw, safe='')}")
    return "&".join(parts).encode("ascii")


# How a field's accepted text is stored.
def stripped(text: str) -> str:
    """Surrounding spaces dropped."""
    return text.strip()


def collapsed(text: str) -> str:
    """Runs of spaces made one, surrounding ones dropped."""
    return " ".join(text.split())


def kept(text: str) -> str:
    """Kept exactly as typed (blank text stored empty)."""
    return text if text.strip() else ""


Reader = Callable[[World, dict], object]


@dataclass(frozen=True)
class Fuzzed:
    """One form: who sends it where, a valid body, and its fields (with how to read a stored text back)."""

    name: str
    role: str
    path: Callable[[World], str]
    body: Callable[[World, object], dict]
    texts: tuple[str, ...]  # free-text fields: NUL must be refused there with the message
    choices: tuple[str, ...] = ()  # other fields (numbers, dates, selects, checkboxes); "{due}", "{outsider}": ids
    stored: dict[str, tuple[Reader, Callable[[str], str]]] = field(default_factory=dict)
    method: str = "POST"
    setup: Callable[[World], None] = lambda world: None
    valid: bool = True  # whether the body as given is accepted (a check that the fuzzing starts from a good form)

    def __str__(self) -> str:
        return self.name

    def fields(self, world: World) -> tuple[str, ...]:
        """Every fuzzed field's name, ids filled in."""
        ids = {"due": world.meetings["due"], "outsider": world.outsider.id}
        return tuple(name.format(**ids) for name in self.texts + self.choices)


def person_column(role: str, column: str) -> Reader:
    """The role's person's column."""
    return lambda w, body: getattr(db.session.get(Person, w.person(role).id), column) or ""


def confirm_by_email(world: World) -> None:
    """Registration waits for the emailed link, so the fuzzing browser stays signed out between examples."""
    from flask import current_app

    current_app.config["SELF_REGISTRATION"] = "verified"


def registered_name(w: World, body: dict) -> str:
    """The name of the account registered with the body's email."""
    return db.session.execute(select(Person.name).where(Person.email == body["email"])).scalar_one()


def mentor_bio(w: World, body: dict) -> str:
    """The mentor's bio."""
    return db.session.execute(select(MentorProfile.bio).where(MentorProfile.person_id == w.mentor.id)).scalar_one()


def request_text(column: str) -> Reader:
    """A column of the leader's request in the open cohort."""
    return lambda w, body: db.session.execute(
        select(getattr(LeaderRequest, column)).where(
            LeaderRequest.person_id == w.leader.id, LeaderRequest.cohort_id == w.open_cohort
        )
    ).scalar_one()


def feedback_text(column: str) -> Reader:
    """A column of the mentor's feedback on the held session."""
    return lambda w, body: db.session.execute(
        select(getattr(Feedback, column)).where(
            Feedback.author_id == w.mentor.id, Feedback.meeting_id == w.meetings["held"]
        )
    ).scalar_one()


def cohort_name(w: World, body: dict) -> str:
    """The name of the newest cohort."""
    return db.session.execute(select(Cohort.name).order_by(Cohort.id.desc())).scalars().first()


def skill_name(w: World, body: dict) -> str:
    """The scenario's skill's name."""
    return db.session.get(Skill, w.skill).name


ABOUT = ("name", "department", "location", "manager", "external_id", "timezone", "languages")


def about_stored(role: str) -> dict[str, tuple[Reader, Callable[[str], str]]]:
    """The "about you" texts that are stored as typed (surrounding spaces dropped)."""
    return {name: (person_column(role, name), stripped) for name in ("name", "department", "location", "external_id")}


def new_email(body: dict) -> dict:
    """A body with an email no one has registered yet."""
    return {**body, "email": f"fuzz{next(_emails)}@example.com"}


FORMS = [
    Fuzzed(
        "register",
        "anonymous",
        lambda w: "/auth/register",
        lambda w, c: new_email({"name": "Fuzz Person", "password": "a brand new pass phrase", "as_mentor": "y"}),
        ("name", "email", "password"),
        ("as_mentor", "as_leader"),
        {"name": (registered_name, stripped)},
        setup=confirm_by_email,
    ),
    Fuzzed(
        "login",
        "anonymous",
        lambda w: "/auth/login",
        lambda w, c: {"email": "nobody@example.com", "password": DEFAULT_PASSWORD},
        ("email", "password"),
        valid=False,
    ),
    Fuzzed(
        "forgot password",
        "anonymous",
        lambda w: "/auth/forgot",
        lambda w, c: {"email": "nobody@example.com"},
        ("email",),
    ),
    Fuzzed(
        "reset password",
        "anonymous",
        link(TokenPurpose.RESET),
        lambda w, c: link(TokenPurpose.RESET)(w) and {"password": "a brand new pass phrase"},  # issued first
        ("password",),
    ),
    Fuzzed(
        "accept invitation",
        "anonymous",
        invitation_link,
        lambda w, c: invitation_link(w) and {"password": "a brand new pass phrase"},  # issued first
        ("password",),
    ),
    Fuzzed(
        "invite people",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/invite",
        lambda w, c: {"role": "leader", "people": str(w.outsider.id)},
        (),
        ("role", "people"),
    ),
    Fuzzed(
        "change password",
        "outsider",
        lambda w: "/account/password",
        lambda w, c: {
            "current": DEFAULT_PASSWORD,
            "new": "another long pass phrase",
            "confirm": "another long pass phrase",
        },
        ("current", "new", "confirm"),
    ),
    Fuzzed(
        "delete account",
        "outsider",
        lambda w: "/account/delete",
        lambda w, c: {"password": "not my password at all", "understood": "y"},
        ("password",),
        valid=False,
    ),
    Fuzzed(
        "mentor profile",
        "mentor",
        lambda w: "/mentor/profile",
        shown(lambda w: "/mentor/profile", "bio"),
        (*ABOUT, "bio"),
        ("grade", "capacity", "hours_per_month", "formats", "cohorts", "skills-0-skill", "skills-0-level"),
        {**about_stored("mentor"), "bio": (mentor_bio, kept)},
    ),
    Fuzzed(
        "leader request",
        "leader",
        lambda w: f"/leader/request?cohort={w.open_cohort}",
        shown(lambda w: f"/leader/request?cohort={w.open_cohort}", "achieve"),
        (*ABOUT, "achieve", "about_me"),
        ("grade", "formats", "mentors_wanted", "goals-0-skill", "goals-0-priority", "goals-0-target_level"),
        {
            **about_stored("leader"),
            "achieve": (request_text("achieve"), kept),
            "about_me": (request_text("about_me"), kept),
        },
    ),
    Fuzzed(
        "propose a session",
        "mentor",
        lambda w: f"/sessions/pair/{w.match}/propose",
        lambda w, c: {
            "propose-date": IN_TEN_DAYS,
            "propose-time": "10:00",
            "propose-duration": "45",
            "propose-format": "remote",
            "propose-skills": str(skill_id(BRANDING)),
        },
        (),
        ("propose-date", "propose-time", "propose-duration", "propose-format", "propose-skills"),
    ),
    Fuzzed(
        "record a past session",
        "mentor",
        lambda w: f"/sessions/pair/{w.match}/record",
        lambda w, c: {
            "past-date": TEN_DAYS_AGO,
            "past-time": "10:00",
            "past-duration": "45",
            "past-format": "remote",
            "past-skills": str(skill_id(BRANDING)),
        },
        (),
        ("past-date", "past-time", "past-duration", "past-format", "past-skills"),
    ),
    Fuzzed(
        "end a pair",
        "manager",
        lambda w: f"/programme/cohorts/{w.cohort}/changes/pairs/{w.match}",
        lambda w, c: {"reason": "Moved team.", "to_waitlist": "y"},
        ("reason",),
        ("to_waitlist",),
    ),
    Fuzzed(
        "log a session",
        "mentor",
        lambda w: f"/sessions/meeting/{w.meetings['due']}/log",
        lambda w, c: {f"log-{w.meetings['due']}-outcome": "missed"},
        (),
        ("log-{due}-outcome",),
    ),
    Fuzzed(
        "feedback",
        "mentor",
        lambda w: f"/sessions/meeting/{w.meetings['held']}/feedback",
        shown(lambda w: f"/sessions/meeting/{w.meetings['held']}/feedback", "what_worked"),
        ("what_worked", "try_next", "private_note"),
        ("rating", "visibility"),
        {name: (feedback_text(name), stripped) for name in ("what_worked", "try_next", "private_note")},
    ),
    Fuzzed(
        "fit check",
        "leader",
        lambda w: f"/sessions/pair/{w.match}/fit",
        lambda w, c: {"fit-good_fit": "yes"},
        (),
        ("fit-good_fit",),
    ),
    Fuzzed(
        "start leader choice",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/choice/start",
        lambda w, c: {"deadline": IN_TEN_DAYS},
        (),
        ("deadline",),
    ),
    Fuzzed(
        "new cohort",
        "manager",
        lambda w: "/programme/cohorts/new",
        lambda w, c: {
            "name": f"Fuzz cohort {next(_emails)}",
            "starts_on": "2029-01-08",
            "ends_on": "2029-06-30",
            "stall_days": "30",
        },
        ("name",),
        ("starts_on", "ends_on", "stall_days"),
        {"name": (cohort_name, collapsed)},
    ),
    Fuzzed(
        "edit cohort",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/edit",
        shown(lambda w: f"/programme/cohorts/{w.open_cohort}/edit", "stall_days"),
        ("name",),
        ("starts_on", "ends_on", "stall_days"),
    ),
    Fuzzed(
        "matching rules",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/rules",
        shown(lambda w: f"/programme/cohorts/{w.open_cohort}/rules", "objective"),
        (),
        (
            "objective",
            "same_department",
            "reporting_line",
            "min_grade_gap",
            "common_language",
            "repeat_pairs",
            "min_score",
            "max_per_department_per_mentor",
            "time_limit_s",
            "weight_goals",
        ),
    ),
    Fuzzed(
        "pin or forbid",
        "manager",
        lambda w: f"/programme/cohorts/{w.open_cohort}/pair-rules",
        lambda w, c: {"leader_id": str(w.leader.id), "mentor_id": str(w.mentor.id), "kind": "forbid"},
        (),
        ("leader_id", "mentor_id", "kind"),
    ),
    Fuzzed(
        "publish",
        "manager",
        lambda w: f"/programme/cohorts/{w.cohort}/publish",
        lambda w, c: {"run_id": str(w.run)},
        (),
        ("run_id",),
    ),
    Fuzzed(
        "re-pair",
        "manager",
        lambda w: f"/programme/cohorts/{w.cohort}/repair",
        lambda w, c: {"match_ids": str(w.match)},
        (),
        ("match_ids",),
        setup=flag_the_pair,
    ),
    Fuzzed(
        "add a skill",
        "manager",
        lambda w: "/programme/skills/new",
        lambda w, c: {"platform": "Threads", "competency": f"Fuzzing {next(_emails)}", "name": ""},
        ("platform", "competency", "name"),
    ),
    Fuzzed(
        "rename a skill",
        "manager",
        lambda w: f"/programme/skills/{w.skill}",
        lambda w, c: {"name": "Renamed"},
        ("name",),
        (),
        {"name": (skill_name, collapsed)},
    ),
    Fuzzed(
        "roles",
        "manager",
        lambda w: f"/programme/people/{w.outsider.id}/roles",
        lambda w, c: {f"p{w.outsider.id}-mentor": "y"},
        (),
        ("p{outsider}-mentor", "p{outsider}-leader", "p{outsider}-manager"),
    ),
    Fuzzed(
        # A browser sends the file as multipart; any text sent as a plain field is refused with a message.
        "import upload",
        "manager",
        lambda w: "/programme/people/import",
        lambda w, c: {"file": "employee_id,email\nE1,e1@example.com\n", "leavers_absent": "y"},
        (),
        ("file", "leavers_absent"),
        valid=False,
    ),
    Fuzzed(
        "import commit",
        "manager",
        lambda w: staged_import(w) + "/commit",
        lambda w, c: import_digest(w),
        (),
        ("digest",),
        setup=stage_import,
    ),
    Fuzzed(
        "participants filter",
        "manager",
        lambda w: f"/programme/cohorts/{w.cohort}/participants",
        lambda w, c: {"role": "", "department": "", "missing": "y"},
        (),
        ("role", "department", "missing"),
        method="GET",
    ),
    Fuzzed(
        "people search",
        "manager",
        lambda w: "/programme/people",
        lambda w, c: {"q": "", "role": ""},
        ("q",),
        ("role",),
        method="GET",
    ),
    Fuzzed(
        "audit filter",
        "manager",
        lambda w: "/programme/audit",
        lambda w, c: {"action": ""},
        (),
        ("action",),
        method="GET",
    ),
    Fuzzed(
        "health sorting",
        "manager",
        lambda w: f"/programme/health/{w.cohort}",
        lambda w, c: {"sort": "leader", "dir": "asc"},
        (),
        ("sort", "dir"),
        method="GET",
    ),
    Fuzzed(
        "request cohort",
        "leader",
        lambda w: "/leader/request",
        lambda w, c: {"cohort": str(w.open_cohort)},
        (),
        ("cohort",),
        method="GET",
    ),
]


def send(client, spec: Fuzzed, world: World, body: dict):
    """Send the form's fields the way a browser does (a query string for the GET filters)."""
    path = spec.path(world)
    if spec.method == "GET":
        joiner = "&" if "?" in path else "?"
        return client.get(path + joiner + encoded(body).decode("ascii"))
    return client.post(path, data=encoded(body), content_type="application/x-www-form-urlencoded")


def accepted(response, spec: Fuzzed) -> bool:
    """Whether the form was taken (POST forms redirect when they are; GET filters show their page)."""
    return response.status_code == 302 if spec.method == "POST" else response.status_code == 200


FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("spec", FORMS, ids=str)
def test_any_text_in_any_field_never_gives_a_5xx_and_is_stored_as_accepted(app, world, spec):
    # Given the scenario, the person who uses this form, and high login limits (so sign-in keeps being fuzzed)
    app.config["LOGIN_FAILURES_PER_MINUTE"] = 10**6
    spec.setup(world)
    client = sign_in(app, world.person(spec.role))
    # (the form as given is accepted: each example below changes one field of a good form)
    assert accepted(send(client, spec, world, spec.body(world, client)), spec) == spec.valid

    @FUZZ
    @given(name=st.sampled_from(spec.fields(world)), text=ANY_TEXT)
    def any_text(name: str, text: str) -> None:
        # When any text is put in one field of an otherwise valid form
        body = {**spec.body(world, client), name: text}
        response = send(client, spec, world, body)
        # Then the answer is never a server error
        assert response.status_code < 500, (name, text[:80], response.status_code)
        # And an accepted text is stored as it was accepted
        if name in spec.stored and accepted(response, spec):
            reader, stored_as = spec.stored[name]
            assert reader(world, body) == stored_as(as_received(text))
        db.session.rollback()

    any_text()


def test_every_form_is_fuzzed():
    # Given every POST route whose form has fields
    with_fields = {case.endpoint for case in CASES} - NO_FIELDS
    # Then each has its form here (the GET filters are listed in FORMS as well)
    assert with_fields - FORMS_BY_ENDPOINT.keys() == set()
    assert set(FORMS_BY_ENDPOINT.values()) <= {spec.name for spec in FORMS}


# POST routes whose form has no field but its token: nothing to fuzz.
NO_FIELDS = {
    "auth.logout",
    "programme.resend_invitation",
    "auth.confirm_email",
    "leaders.withdraw_request",
    "sessions.accept",
    "sessions.decline",
    "sessions.cancel",
    "programme.run_matching",
    "programme.cancel_run",
    "programme.reopen_cohort",
    "programme.close_cohort",
    "programme.pin_pair",
    "programme.forbid_pair",
    "programme.remove_pair_rule",
    "programme.retire_skill",
    "programme.unretire_skill",
    "programme.disable_person",
    "programme.enable_person",
    "health.send_nudges",
    "health.request_export",
    "programme.import_discard",
    "programme.refresh_choice",
    "programme.close_choice",
    "leaders.pick_mentor",
    "mentors.accept_choice",
    "mentors.decline_choice",
    "programme.replace_mentor",
    "programme.place_late_joiners",
    "programme.offer_waitlist",
    "programme.remove_from_waitlist",
}
FORMS_BY_ENDPOINT = {
    "auth.register": "register",
    "auth.login": "login",
    "auth.forgot_password": "forgot password",
    "auth.reset_password": "reset password",
    "auth.accept_invitation": "accept invitation",
    "programme.invite": "invite people",
    "account.change_password": "change password",
    "account.delete": "delete account",
    "mentors.profile": "mentor profile",
    "leaders.request_mentor": "leader request",
    "sessions.propose": "propose a session",
    "sessions.record_past": "record a past session",
    "programme.change_pair": "end a pair",
    "sessions.log": "log a session",
    "sessions.feedback": "feedback",
    "sessions.fit_check": "fit check",
    "programme.new_cohort": "new cohort",
    "programme.edit_cohort": "edit cohort",
    "programme.rules": "matching rules",
    "programme.add_pair_rule": "pin or forbid",
    "programme.publish": "publish",
    "programme.repair": "re-pair",
    "programme.add_skill": "add a skill",
    "programme.edit_skill": "rename a skill",
    "programme.person_roles": "roles",
    "programme.import_upload": "import upload",
    "programme.import_commit": "import commit",
    "programme.start_choice": "start leader choice",
}


@pytest.mark.parametrize(
    "spec, name", [(spec, name) for spec in FORMS for name in spec.texts], ids=lambda item: str(item)
)
def test_nul_in_any_free_text_field_is_refused_with_a_message(app, world, spec, name):
    # Given a form filled in correctly but for a NUL character in one free-text field
    client = sign_in(app, world.person(spec.role))
    body = {**spec.body(world, client), name: "before\x00after"}
    before = snapshot()
    # When it is sent
    response = send(client, spec, world, body)
    # Then it is refused with a message the person can act on, and nothing is stored
    assert response.status_code in (200, 400), response.status_code
    assert NUL_MESSAGE in response.get_data(as_text=True)
    assert changes(before, snapshot()) == {}
