"""Id tampering: every id in every URL, swapped for someone else's real row, 0, -1, 2**63, text or an id that
does not exist, gives 403 or 404 to every signed-in role: never the data, never a change, never a 500.

For mentors and leaders "someone else's row" is the other pair's (its sessions, its pair, the other leader's
request); for the manager, who may see every cohort, it is a row of another cohort than the one in the URL.
"""

from __future__ import annotations

import pytest

from tests.mentoring.programme_fixtures import flashes
from tests.mentoring.world import ID_PARAMETER, changes, fill, route_values, routes, sign_in, snapshot

ROLES = ("outsider", "mentor", "leader", "other_mentor", "other_leader", "manager")
GARBAGE = ("0", "-1", str(2**63), "abc", "999999")
# Manager actions on a pair of the cohort: a pair or rule of people outside the cohort (or gone) is refused
# on the review page with a message, as a double-click on "remove" is; nothing changes either way.
REFUSED_ON_THE_REVIEW_PAGE = {"programme.pin_pair", "programme.forbid_pair", "programme.remove_pair_rule"}


def foreign_values(world, endpoint: str, role: str) -> dict[str, int]:
    """Real rows that are not the role's to use in this URL."""
    mirror = role.startswith("other_")
    if role == "manager":
        # Everything is the manager's to see, so "not theirs" means: not of the cohort in the URL.
        return {
            "cohort_id": world.other_open_cohort,
            "rule_id": world.open_rule,
            "leader_id": world.outsider.id,
            "mentor_id": world.outsider.id,
        }
    theirs = route_values(world, endpoint, mirror=not mirror)
    own = route_values(world, endpoint, mirror=mirror)
    if own["cohort_id"] == theirs["cohort_id"]:
        theirs["cohort_id"] = world.other_open_cohort
    return {**theirs, "rule_id": world.open_rule, "skill_id": 1, "person_id": world.manager.id}


def tampered_urls(app, world, role: str) -> list[tuple[str, str, str, str]]:
    """(endpoint, method, path, what was swapped) for each id of each route, each bad value."""
    found = []
    for rule, method in routes(app):
        names = ID_PARAMETER.findall(rule.rule)
        own = route_values(world, rule.endpoint, mirror=role.startswith("other_"))
        foreign = foreign_values(world, rule.endpoint, role)
        for name in names:
            bad_values = list(GARBAGE)
            if name in foreign and not (role == "manager" and len(names) == 1):
                bad_values.append(str(foreign[name]))
            for value in bad_values:
                found.append((rule.endpoint, method, fill(rule, {**own, name: value}), f"{name}={value}"))
    for value in GARBAGE:  # an id in the query string is checked like one in the path
        found.append(("leaders.request_mentor", "GET", f"/leader/request?cohort={value}", f"cohort={value}"))
    return found


def other_names(world, role: str) -> tuple[str, ...]:
    """Names the role must not read on a refused page: the people of the pair that is not theirs."""
    if role in ("manager", "outsider"):
        return ()
    pair = (world.leader, world.mentor) if role.startswith("other_") else (world.other_leader, world.other_mentor)
    return tuple(person.name for person in pair)


def test_every_route_with_an_id_is_tampered_with():
    # Given the routes, at least the known families of ids are covered (a sanity check of the sweep itself)
    assert {"cohort_id", "match_id", "meeting_id", "leader_id", "mentor_id", "rule_id", "skill_id", "person_id"} <= {
        name for rule_text in _rule_texts() for name in ID_PARAMETER.findall(rule_text)
    }


def _rule_texts() -> list[str]:
    from mentoring import create_app

    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return [rule.rule for rule in app.url_map.iter_rules()]


@pytest.mark.parametrize("role", ROLES)
def test_someone_elses_or_impossible_ids_give_403_or_404_and_change_nothing(app, world, role):
    # Given the scenario and a signed-in person
    client = sign_in(app, world.person(role))
    before = snapshot()
    wrong = []
    # When they send every route with one id swapped for a bad one
    for endpoint, method, path, swapped in tampered_urls(app, world, role):
        response = client.open(path, method=method, data={} if method == "POST" else None)
        text = response.get_data(as_text=True)
        refused_here = (
            role == "manager"
            and endpoint in REFUSED_ON_THE_REVIEW_PAGE
            and response.status_code == 302
            and "/review" in response.headers["Location"]
        )
        if response.status_code not in (403, 404) and not refused_here:
            wrong.append((method, path, swapped, response.status_code))
        leaked = [name for name in other_names(world, role) if name in text]
        if leaked:
            wrong.append((method, path, swapped, "shows", leaked))
    # Then each is refused, without the other pair's names, and the database is as it was
    assert wrong == []
    assert changes(before, snapshot()) == {}


@pytest.mark.parametrize("endpoint", sorted(REFUSED_ON_THE_REVIEW_PAGE))
def test_the_manager_is_told_why_a_pair_outside_the_cohort_is_refused(app, world, endpoint):
    # Given the manager, and a pair action naming a rule or people of another cohort
    client = sign_in(app, world.manager)
    rule = next(rule for rule, _ in routes(app) if rule.endpoint == endpoint)
    values = {**route_values(world, endpoint), "rule_id": world.open_rule, "leader_id": world.outsider.id}
    # When she sends it
    response = client.post(fill(rule, values), follow_redirects=True)
    # Then the review page says why
    assert response.status_code == 200
    assert flashes(response.get_data(as_text=True))
