"""Extra form fields are ignored: a POST with `role`, `user_id`, `person_id`, `is_manager`, `published`,
`cohort_id` and `status` added does exactly what the same POST without them does.

Each case is run twice on the same freshly built scenario (same ids, same clock): once as a browser sends
the form, once with the extra fields. The answers and the whole database (roles, owners, statuses, cohorts,
sessions, emails, audit) must be the same; and the form must have changed something, so the case is real.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.conftest import clean_database
from tests.mentoring.form_cases import CASES, Case
from tests.mentoring.world import World, build_world, changes, comparable, routes, sign_in


def extras(world: World, case: Case) -> dict[str, str]:
    """The extra fields, naming another person, another cohort and powers the sender does not have."""
    other = world.other_mentor if case.role == "manager" else world.manager
    values = {
        "role": "manager",
        "user_id": str(other.id),
        "person_id": str(other.id),
        "is_manager": "y",
        "published": "y",
        "cohort_id": str(world.other_open_cohort),
        "status": "published",
    }
    prefix = case.prefix(world)
    return {**values, **({f"{prefix}{name}": value for name, value in values.items()} if prefix else {})}


@pytest.fixture
def replay(app, make_cohort, make_manager, make_mentor, make_leader, make_person, skills, password_hash):
    """Build the scenario afresh, send one case's POST (with `extra` fields), return the answer and the database."""
    now = datetime.now(UTC)

    def run(case: Case, with_extras: bool) -> tuple[tuple, dict, dict]:
        clean_database()
        world = build_world(make_cohort, make_manager, make_mentor, make_leader, make_person, skills, now=now)
        case.setup(world)
        client = sign_in(app, world.person(case.role))
        body = case.body(world, client)
        before = comparable({password_hash: "default"})
        data = {**body, **{k: v for k, v in extras(world, case).items() if k not in body}} if with_extras else body
        response = client.post(case.path(world), data=data)
        # An uploaded HR file is kept under a new random id, which the redirect to its preview names.
        location = re.sub(r"/people/import/[\w-]+$", "/people/import/<kept>", response.headers.get("Location") or "")
        answer = (response.status_code, location)
        return answer, before, comparable({password_hash: "default"})

    return run


def test_every_post_route_has_a_case(app):
    # Given every route that accepts POST
    posts = {rule.endpoint for rule, method in routes(app) if method == "POST"}
    # Then each has an extra-fields case
    assert posts - {case.endpoint for case in CASES} == set()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_extra_fields_change_nothing_the_form_would_not(replay, case):
    # Given the scenario, when the form is sent as a browser sends it
    plain_answer, before, plain_after = replay(case, with_extras=False)
    # Then it did something (the case is real)
    assert changes(before, plain_after) != {}, "the form changed nothing: fix the case"
    # When the same form is sent again on the same scenario, with extra fields
    extra_answer, _, extra_after = replay(case, with_extras=True)
    # Then the answer and every row are the same as without them
    assert extra_answer == plain_answer
    diff = changes(plain_after, extra_after)
    assert diff == {}
