"""The route × role matrix: every URL rule, every method, every kind of person, against an explicit table.

Roles: anonymous; `outsider` (signed in, no role); `mentor` and `leader` (the two people of the pair the URL
ids name); `other_mentor` and `other_leader` (a mentor and a leader of another pair, using those same URLs);
`manager`. POSTs carry an empty body (CSRF is off under the testing config; test_csrf.py covers tokens).
A route missing from EXPECTED fails the test, so every new route must be added here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import LoginSession
from tests.conftest import DEFAULT_PASSWORD
from tests.mentoring.world import fill, route_values, routes, sign_in

ROLES = ("anonymous", "outsider", "mentor", "leader", "other_mentor", "other_leader", "manager")
SIGNED_IN = ROLES[1:]

OK = "ok"  # 2xx, or a redirect that is not to the sign-in page
LOGIN = "login"  # a redirect to the sign-in page
INVALID = 400  # the view ran and refused the empty form
FORBIDDEN = 403
MISSING = 404


def everyone(outcome: str | int) -> dict[str, str | int]:
    """The same outcome for every role."""
    return dict.fromkeys(ROLES, outcome)


def signed_in(outcome: str | int) -> dict[str, str | int]:
    """`outcome` for anyone signed in; anonymous people are sent to sign in."""
    return {"anonymous": LOGIN, **dict.fromkeys(SIGNED_IN, outcome)}


def holders(roles: tuple[str, ...], outcome: str | int) -> dict[str, str | int]:
    """`outcome` for the roles holding the page's role, 403 for the other signed-in roles."""
    return {**signed_in(FORBIDDEN), **dict.fromkeys(roles, outcome)}


def managers(outcome: str | int = OK) -> dict[str, str | int]:
    """A programme manager page."""
    return holders(("manager",), outcome)


def mentors(outcome: str | int = OK) -> dict[str, str | int]:
    """A mentor page (their own things only)."""
    return holders(("mentor", "other_mentor"), outcome)


def leaders(outcome: str | int = OK) -> dict[str, str | int]:
    """A leader page (their own things only)."""
    return holders(("leader", "other_leader"), outcome)


def pair_members(outcome: str | int = OK) -> dict[str, str | int]:
    """A page of one pair: its two people only; anyone else signed in (manager included) gets 404."""
    return {**signed_in(MISSING), "mentor": outcome, "leader": outcome}


PROGRAMME_GETS = (
    "programme.cohorts",
    "programme.cohort",
    "programme.attention",
    "programme.changes",
    "programme.participants",
    "programme.review",
    "programme.people",
    "programme.person",
    "programme.skills",
    "programme.audit_log",
    "programme.run_progress_json",
    "health.index",
    "health.dashboard",
    "health.pair",
    "health.export_csv",  # old URLs: a redirect to the dashboard's exports
    "health.export_graphml",
    "health.programme_graph_page",
)
PROGRAMME_POSTS = (
    "programme.close_cohort",
    "programme.add_pair_rule",
    "programme.remove_pair_rule",
    "programme.forbid_pair",
    "programme.pin_pair",
    "programme.publish",
    "programme.reopen_cohort",
    "programme.repair",
    "programme.run_matching",
    "programme.disable_person",
    "programme.enable_person",
    "programme.person_roles",
    "programme.retire_skill",
    "programme.unretire_skill",
    "programme.add_skill",
    "health.send_nudges",
    "programme.replace_mentor",
    "programme.place_late_joiners",
    "programme.offer_waitlist",
)
PROGRAMME_FORMS = (
    "programme.new_cohort",
    "programme.edit_cohort",
    "programme.rules",
    "programme.edit_skill",
    "programme.change_pair",
)

# endpoint -> method -> role -> outcome
EXPECTED: dict[str, dict[str, dict[str, str | int]]] = {
    "main.home": {"GET": everyone(OK)},
    "probes.healthz": {"GET": everyone(OK)},
    "probes.readyz": {"GET": everyone(OK)},
    # Signed-in people are sent home; anonymous ones see the form (again, with errors, for an empty POST).
    "auth.login": {"GET": everyone(OK), "POST": everyone(OK)},
    "auth.register": {"GET": everyone(OK), "POST": everyone(OK)},
    "auth.logout": {"POST": signed_in(OK)},
    # One-time links: the sweep's placeholder token is no link of ours (410 Gone) for everyone.
    "auth.forgot_password": {"GET": everyone(OK), "POST": everyone(OK)},
    "auth.reset_password": {"GET": everyone(410), "POST": everyone(410)},
    "auth.confirm_email": {"GET": everyone(410), "POST": everyone(410)},
    "auth.accept_invitation": {"GET": everyone(410), "POST": everyone(410)},
    # Company sign-in is not configured in the scenario (test_oidc.py covers it).
    "auth.oidc_start": {"GET": everyone(MISSING)},
    "auth.oidc_callback": {"GET": everyone(MISSING)},
    "programme.invite": {"GET": managers(), "POST": managers()},
    "programme.invitations": {"GET": managers()},
    # The scenario's cohort has no invitation of that id.
    "programme.resend_invitation": {"POST": managers(MISSING)},
    "account.overview": {"GET": signed_in(OK)},
    "account.download_data": {"GET": signed_in(OK)},
    "account.change_password": {"POST": signed_in(OK)},
    "account.delete": {"POST": signed_in(OK)},
    "mentors.profile": {"GET": mentors(), "POST": mentors()},
    "mentors.my_leaders": {"GET": mentors()},
    "leaders.request_mentor": {"GET": leaders(), "POST": leaders()},
    "leaders.my_mentor": {"GET": leaders()},
    # The leader's own request; another leader has none in that cohort.
    "leaders.withdraw_request": {"POST": {**leaders(), "other_leader": MISSING}},
    **{endpoint: {"GET": managers()} for endpoint in PROGRAMME_GETS},
    **{endpoint: {"POST": managers()} for endpoint in PROGRAMME_POSTS},
    # The world's outsider is on no waitlist.
    "programme.remove_from_waitlist": {"POST": managers(MISSING)},
    **{endpoint: {"GET": managers(), "POST": managers()} for endpoint in PROGRAMME_FORMS},
    # The HR import: the sweep names no kept upload, so its preview is missing; empty forms are refused politely.
    "programme.import_people": {"GET": managers()},
    "programme.import_upload": {"POST": managers()},
    "programme.import_preview": {"GET": managers(MISSING)},
    "programme.import_commit": {"POST": managers()},
    "programme.import_discard": {"POST": managers()},
    "programme.cancel_run": {"POST": managers(MISSING)},
    # Exports: asking queues one (it runs inline); no export has the id the download URL names.
    "health.request_export": {"POST": managers()},
    "health.download_export": {"GET": managers(MISSING)},
    "sessions.overview": {"GET": signed_in(OK)},
    "sessions.pair": {"GET": pair_members()},
    "sessions.invite": {"GET": pair_members()},
    "sessions.feedback": {"GET": pair_members(), "POST": pair_members(INVALID)},
    "sessions.propose": {"POST": pair_members(INVALID)},
    "sessions.record_past": {"POST": pair_members(INVALID)},
    "sessions.fit_check": {"POST": pair_members(INVALID)},
    "sessions.log": {"POST": pair_members(INVALID)},
    "sessions.accept": {"POST": pair_members()},
    "sessions.decline": {"POST": pair_members()},
    "sessions.cancel": {"POST": pair_members()},
    # Leader choice: the scenario's published cohort runs by the optimum, and nobody has picked anyone.
    "programme.choice": {"GET": managers()},
    "programme.start_choice": {"POST": managers(INVALID)},
    "programme.refresh_choice": {"POST": managers()},
    "programme.close_choice": {"POST": managers()},
    "leaders.choose": {"GET": leaders()},
    "leaders.pick_mentor": {"POST": leaders(MISSING)},
    "mentors.accept_choice": {"POST": mentors(MISSING)},
    "mentors.decline_choice": {"POST": mentors(MISSING)},
}


def outcome_of(response) -> str | int:
    """What a response means for access: ok, login, or the refusal status."""
    if response.status_code in (301, 302, 303, 307, 308):
        return LOGIN if "/auth/login" in response.headers["Location"] else OK
    if 200 <= response.status_code < 300:
        return OK
    return response.status_code


def test_every_route_is_in_the_table_and_the_table_names_only_routes(app):
    # Given the app's routes and the expected table
    found = {(rule.endpoint, method) for rule, method in routes(app)}
    listed = {(endpoint, method) for endpoint, methods in EXPECTED.items() for method in methods}
    # Then each route (and method) is listed, and nothing listed is gone
    assert found - listed == set(), "add these routes to EXPECTED"
    assert listed - found == set(), "these routes no longer exist"
    for methods in EXPECTED.values():
        for outcomes in methods.values():
            assert set(outcomes) == set(ROLES)


def _sweep(app, world, role: str, touch: bool) -> list[tuple]:
    client = sign_in(app, world.person(role))
    wrong = []
    for rule, method in routes(app):
        if touch:
            # The login session was last seen over a minute ago: it is touched (a commit) before the view runs.
            db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=2)))
            db.session.commit()
        path = fill(rule, route_values(world, rule.endpoint))
        response = client.open(path, method=method, data={} if method == "POST" else None)
        expected = EXPECTED[rule.endpoint][method][role]
        if outcome_of(response) != expected:
            wrong.append((method, path, expected, response.status_code, response.headers.get("Location")))
    return wrong


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_table_says(app, world, role):
    # Given the scenario and a person of `role` (or nobody) signed in
    # When they send every method of every route, with the scenario's ids
    wrong = _sweep(app, world, role, touch=False)
    # Then every answer is the expected one
    assert wrong == []


@pytest.mark.parametrize("role", SIGNED_IN)
def test_every_route_answers_the_same_right_after_the_login_session_is_touched(app, world, role):
    # Given a login session idle for over a minute before each request, so it is touched and committed first
    # (which expires every row the request had loaded, the signed-in person included)
    # When the person sends every route
    wrong = _sweep(app, world, role, touch=True)
    # Then the answers are still those of the table (no stale-row errors)
    assert wrong == []


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t/evil.example/",
        " //evil.example/",
        "http:evil.example",
        "javascript:alert(1)",
        "evil.example",
        # line breaks and other controls: never a 500, never a header of their own
        "/\r\nSet-Cookie: a=1",
        "/home\n",
        "/\x00x",
        "/\x7f",
    ],
)
def test_signing_in_never_redirects_off_the_site(app, world, target):
    # Given a sign-in link whose next= points elsewhere
    client = app.test_client()
    # When the person signs in through it
    response = client.post(
        "/auth/login", query_string={"next": target}, data={"email": world.mentor.email, "password": DEFAULT_PASSWORD}
    )
    # Then they land on the home page of this site
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_signing_in_follows_next_within_the_site(app, world):
    response = app.test_client().post(
        "/auth/login",
        query_string={"next": "/sessions/?a=1"},
        data={"email": world.mentor.email, "password": DEFAULT_PASSWORD},
    )
    assert response.headers["Location"] == "/sessions/?a=1"
