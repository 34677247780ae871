"""Stored XSS: payloads typed into every free-text field, through the real forms, are shown as text on every
page that shows them (to every role that can see them) and in every export and email.

Each field gets "<field>:<payload>", so a page can be searched for each field's value. HTML pages must hold
no injected script, no event-handler attribute and no `javascript:` link, and must show each value escaped;
`{{7*7}}` must never become 49. Exports keep the text as data in their own format (CSV cells, JSON strings,
XML text, calendar text, plain-text email), which is what makes them safe: none of them is served as HTML.
"""

from __future__ import annotations

import csv
import email
import html
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from email import policy
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from icalendar import Calendar
from sqlalchemy import select, update

from mentoring.extensions import db
from mentoring.models import ExportFile, Match, MatchRun, Meeting, MentorProfile
from tests.mentoring.form_cases import IN_TEN_DAYS
from tests.mentoring.world import export_text, fill, page_form, route_values, routes, sign_in

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "link": "javascript:alert(1)",
    "template": "{{7*7}}",
}
ROLES = ("anonymous", "outsider", "mentor", "leader", "other_mentor", "other_leader", "manager")
# Fields whose value must show on at least one HTML page (each is shown to its author at least).
HTML_FIELDS = (
    "register.name",
    "mentor.name",
    "mentor.department",
    "mentor.location",
    "mentor.manager",
    "mentor.external_id",
    "mentor.bio",
    "leader.name",
    "leader.department",
    "leader.location",
    "leader.manager",
    "leader.external_id",
    "leader.achieve",
    "leader.about_me",
    "mentor.what_worked",
    "mentor.try_next",
    "mentor.private_note",
    "leader.what_worked",
    "leader.try_next",
    "leader.private_note",
    "cohort.new",
    "cohort.renamed",
    "skill.platform",
    "skill.competency",
    "skill.name",
    "skill.renamed",
)


# What `field:{{7*7}}` would become if a template evaluated it; a clock time such as 12:49 is not that.
EVALUATED = re.compile(r"(?<=[A-Za-z_]):49(?![0-9])")


def value(field: str, payload: str) -> str:
    """What is typed into `field`."""
    return f"{field}:{payload}"


class _Inspector(HTMLParser):
    """Finds what an injected payload would have become in a page: scripts, handlers, script links, images."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._in_script = True
            if not dict(attrs).get("src"):
                self.problems.append("an inline <script>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.problems.append("an injected <img>")
        for name, content in attrs:
            if name.startswith("on"):
                self.problems.append(f"an event handler {name}= on <{tag}>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and (
                content or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"a javascript: link on <{tag}>")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("script content")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def html_problems(page: str, payload: str) -> list[str]:
    """What is wrong with a page that may show the payload."""
    inspector = _Inspector()
    inspector.feed(page)
    problems = list(inspector.problems)
    if "<script>alert(1)</script>" in page:
        problems.append("the raw script payload")
    if payload == PAYLOADS["template"] and EVALUATED.search(page):
        problems.append("{{7*7}} evaluated")
    return problems


# ---------------------------------------------------------------- typing the payloads in


def propose(client, match_id: int, time: str) -> object:
    """Propose a session of the pair in ten days at `time`, on the leader's first goal, through the pair page."""
    page = client.get(f"/sessions/pair/{match_id}").get_data(as_text=True)
    goal = re.search(r'name="propose-skills" type="checkbox" value="(\d+)"', page).group(1)
    return client.post(
        f"/sessions/pair/{match_id}/propose",
        data={
            **page_form(page, "propose-date"),
            "propose-date": IN_TEN_DAYS,
            "propose-time": time,
            "propose-skills": goal,
        },
    )


def submit(client, page: str, marker: str, changes: dict, action: str | None = None) -> None:
    """Send the form holding `marker` on `page`, as shown with `changes`; it must be accepted (a redirect)."""
    shown = client.get(page).get_data(as_text=True)
    response = client.post(action or page, data={**page_form(shown, marker), **changes})
    assert response.status_code == 302, (page, response.get_data(as_text=True)[:3000])


def type_everything(app, world, payload: str) -> dict[str, int]:
    """Every free-text field of every form gets its value; the open cohort is matched and published, and its
    pair plans a session, so names, goals and texts reach every page, export and email. Returns new ids."""

    def about(role: str) -> dict[str, str]:
        return {
            name: value(f"{role}.{name}", payload)
            for name in ("name", "department", "location", "manager", "external_id")
        }

    anonymous = sign_in(app, None)
    response = anonymous.post(
        "/auth/register",
        data={
            "name": value("register.name", payload),
            "email": "new.person@example.com",
            "password": "a brand new pass phrase",
            "as_mentor": "y",
        },
    )
    assert response.status_code == 302

    mentor, leader, manager = (sign_in(app, world.person(role)) for role in ("mentor", "leader", "manager"))
    submit(mentor, "/mentor/profile", "bio", {**about("mentor"), "bio": value("mentor.bio", payload)})
    submit(
        leader,
        f"/leader/request?cohort={world.open_cohort}",
        "achieve",
        {**about("leader"), "achieve": value("leader.achieve", payload), "about_me": value("leader.about_me", payload)},
    )
    for role, client in (("mentor", mentor), ("leader", leader)):
        submit(
            client,
            f"/sessions/meeting/{world.meetings['held']}/feedback",
            "what_worked",
            {
                "rating": "4",
                "visibility": "manager" if role == "mentor" else "pair",
                **{name: value(f"{role}.{name}", payload) for name in ("what_worked", "try_next", "private_note")},
            },
        )
    mentor.post(f"/sessions/pair/{world.match}/fit", data={"fit-good_fit": "no"})

    submit(manager, "/programme/cohorts/new", "stall_days", {"name": value("cohort.new", payload)})
    submit(
        manager,
        f"/programme/cohorts/{world.open_cohort}/edit",
        "stall_days",
        {"name": value("cohort.renamed", payload)},
    )
    submit(
        manager,
        "/programme/skills",
        "platform",
        {
            "platform": value("skill.platform", payload),
            "competency": value("skill.competency", payload),
            "name": value("skill.name", payload),
        },
        action="/programme/skills/new",
    )
    submit(manager, f"/programme/skills/{world.skill}", "name", {"name": value("skill.renamed", payload)})
    # The open cohort's pair met in the published cohort: allow that, and drop the forbid, so they are matched
    # (the mentor takes a second leader: their first is still theirs in the published cohort).
    db.session.execute(update(MentorProfile).where(MentorProfile.person_id == world.mentor.id).values(capacity=2))
    db.session.commit()
    forbid = f"/programme/cohorts/{world.open_cohort}/pair-rules/{world.open_rule}/delete"
    assert manager.post(forbid).status_code == 302
    submit(manager, f"/programme/cohorts/{world.open_cohort}/rules", "objective", {"repeat_pairs": "allow"})
    assert manager.post(f"/programme/cohorts/{world.open_cohort}/run").status_code == 302
    run = db.session.execute(select(MatchRun.id).where(MatchRun.cohort_id == world.open_cohort)).scalar_one()
    db.session.rollback()
    assert manager.post(f"/programme/cohorts/{world.open_cohort}/publish", data={"run_id": str(run)}).status_code == 302

    match = db.session.execute(select(Match.id).where(Match.cohort_id == world.open_cohort)).scalar_one()
    response = propose(leader, match, "11:00")
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = db.session.execute(select(Meeting.id).where(Meeting.match_id == match)).scalar_one()
    db.session.rollback()
    assert mentor.post(f"/sessions/meeting/{meeting}/accept").status_code == 302
    return {"match": match, "meeting": meeting}


# ---------------------------------------------------------------- reading everything back


def pages_to_read(app, world, new: dict[str, int], payload: str) -> list[tuple[str, str]]:
    """(endpoint, path) of every GET route, with the scenario's ids and with the new pair's, plus filters
    and search boxes that echo what is typed."""
    found = []
    for rule, method in routes(app):
        if method != "GET":
            continue
        for values in (
            route_values(world, rule.endpoint),
            {
                **route_values(world, rule.endpoint),
                "cohort_id": world.open_cohort,
                "match_id": new["match"],
                "meeting_id": new["meeting"],
            },
        ):
            path = fill(rule, values)
            if (rule.endpoint, path) not in found:
                found.append((rule.endpoint, path))
    echoed = quote(payload)
    found += [
        ("programme.people", f"/programme/people?q={echoed}"),
        ("programme.people", "/programme/people?q=" + quote(value("mentor.name", payload))),
        ("programme.participants", f"/programme/cohorts/{world.open_cohort}/participants?department={echoed}"),
        ("programme.audit_log", f"/programme/audit?action={echoed}"),
        ("health.dashboard", f"/programme/health/{world.cohort}?sort={echoed}&dir={echoed}"),
        ("auth.login", f"/auth/login?next={echoed}"),
        ("leaders.request_mentor", f"/leader/request?cohort={world.other_open_cohort}"),
    ]
    found += [("health.download_export", f"/programme/health/exports/{export_id}") for export_id in _exports()]
    return found


def _exports() -> list[int]:
    """The ids of the exports asked for so far (the payload test asks for both kinds)."""
    ids = list(db.session.execute(select(ExportFile.id).order_by(ExportFile.id)).scalars())
    db.session.rollback()
    return ids


def check_export(endpoint: str, response, payload: str, seen: dict[str, str]) -> list[str]:
    """Problems of a non-HTML answer; records which values it carries."""
    text = response.get_data(as_text=True)
    kind = response.headers["Content-Type"]
    if endpoint == "programme.run_progress_json":  # fetched by site.js, which writes it with textContent
        assert kind.startswith("application/json") and isinstance(json.loads(text), dict)
        return []
    problems = [] if "attachment" in response.headers.get("Content-Disposition", "") else ["not an attachment"]
    if endpoint == "health.download_export" and kind.startswith("text/csv"):
        assert kind.startswith("text/csv")
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        carried = "\n".join(cells)
    elif endpoint == "health.download_export":
        assert kind.startswith("application/graphml+xml")
        # A raw "<" or "&" in a value would not even parse. (The app's own export, so no XML attack here.)
        root = ElementTree.fromstring(text)
        if any(element.tag.rsplit("}", 1)[-1] in ("script", "img") for element in root.iter()):
            problems.append("markup inside the GraphML")
        carried = "\n".join(element.text or "" for element in root.iter())
    elif endpoint == "sessions.invite":
        assert kind.startswith("text/calendar")
        event = Calendar.from_ical(response.get_data()).walk("VEVENT")[0]
        carried = "\n".join(str(event.get(name, "")) for name in ("summary", "description", "location"))
    elif endpoint == "account.download_data":
        assert kind.startswith("application/json")
        carried = "\n".join(_strings(json.loads(text)))
    elif endpoint.startswith("probes."):
        return []  # the load balancer's probes carry no one's data
    else:
        return [f"unexpected {kind}"]
    for field in HTML_FIELDS:
        if value(field, payload) in carried:
            seen.setdefault(field, endpoint)
    if payload == PAYLOADS["template"] and EVALUATED.search(carried):
        problems.append("{{7*7}} evaluated")
    return problems


def _strings(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [text for item in data.values() for text in _strings(item)]
    if isinstance(data, list):
        return [text for item in data for text in _strings(item)]
    return []


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_payloads_in_every_free_text_field_are_shown_as_text_everywhere(app, world, payload):
    # Given every free-text field filled with a payload through the real forms
    new = type_everything(app, world, payload)
    manager = sign_in(app, world.manager)
    for kind in ("pairs-csv", "graphml"):
        assert manager.post(f"/programme/health/{world.cohort}/exports/{kind}").status_code == 302
    problems, in_html, in_exports = [], {}, {}
    # When every role opens every page and export that could show them
    for role in ROLES:
        client = sign_in(app, world.person(role))
        for endpoint, path in pages_to_read(app, world, new, payload):
            response = client.get(path)
            assert response.status_code < 500, path
            if response.mimetype == "text/html":
                page = response.get_data(as_text=True)
                problems += [(role, path, problem) for problem in html_problems(page, payload)]
                shown = html.unescape(page)
                for field in HTML_FIELDS:
                    if value(field, payload) in shown:
                        in_html.setdefault(field, path)
            elif response.status_code == 200:
                problems += [(role, path, p) for p in check_export(endpoint, response, payload, in_exports)]
    # Then no page holds a script, handler or script link, nothing is evaluated, and every value is shown
    assert problems == []
    assert set(HTML_FIELDS) - set(in_html) == set()
    # And the exports carry the names, cohort and texts as plain data
    for field in ("mentor.name", "leader.name"):
        assert field in in_exports


def test_emails_carry_payloads_as_plain_text(app, world):
    # Given names, a cohort name and skill names holding payloads, and a published pair planning a session
    payload = PAYLOADS["attribute"] + PAYLOADS["template"]
    type_everything(app, world, payload)
    # When the emails are read from the outbox
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))
    ]
    # Then every one is text with an HTML alternative that shows the names escaped, as typed, never evaluated
    assert messages
    bodies = []
    for message in messages:
        assert message.get_content_type() in ("multipart/alternative", "multipart/mixed")
        text, markup = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
        assert "<img" not in markup  # the payload's tag is text (escaped) in the HTML part
        assert html.escape(value("leader.name", payload)) in markup or value("leader.name", payload) not in text
        bodies.append(str(message["Subject"]) + "\n" + text)
    everything = "\n".join(bodies)
    assert value("leader.name", payload) in everything and value("mentor.name", payload) in everything
    assert not EVALUATED.search(everything)


def test_a_name_with_a_line_break_cannot_add_an_email_header_and_the_email_still_goes(app, world):
    # Given a leader whose name holds a line break and a header
    leader = sign_in(app, world.leader)
    submit(
        leader, f"/leader/request?cohort={world.open_cohort}", "achieve", {"name": "Lena\r\nBcc: everyone@example.com"}
    )
    # When they propose a session to their mentor (an email whose subject holds the name)
    response = propose(leader, world.match, "09:00")
    assert response.status_code == 302
    # Then the mentor's email is sent, with one Subject line and no added header
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in Path(app.config["MAIL_OUTBOX"]).glob("*.eml")
    ]
    proposals = [m for m in messages if "proposed a mentoring session" in str(m["Subject"])]
    assert len(proposals) == 1
    assert proposals[0]["Bcc"] is None and proposals[0]["To"] == world.mentor.email


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://x.invalid","x")', "+1+1", "-1+1", "@SUM(A1)"])
def test_a_name_that_looks_like_a_formula_is_not_a_formula_in_the_csv_export(app, world, formula):
    # Given a mentor whose name a spreadsheet would run as a formula
    submit(sign_in(app, world.mentor), "/mentor/profile", "bio", {"name": formula})
    # When the manager downloads the cohort's pairs as CSV
    text = export_text(sign_in(app, world.manager), world.cohort, "pairs-csv")
    # Then the cell holds the name as text, not as a formula
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert formula not in cells
    assert any(cell.endswith(formula) and cell[0] not in "=+-@" for cell in cells)
