"""Manager pages load a cohort's rows with a fixed number of queries, however many people take part."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

import matching
from mentoring.extensions import db
from mentoring.models import Person
from mentoring.services.usecases import matching_runs
from tests.conftest import login

GOALS = [("linkedin/personal-branding", 3, 3), ("tiktok/short-video", 2, 2)]
SKILLS = {"linkedin/personal-branding": 4, "tiktok/short-video": 3, "instagram/analytics": 5}


def queries_for(client, path: str) -> int:
    """How many SELECT statements one GET of `path` runs."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):  # not BEGIN: a transaction may already be open
            statements.append(statement)

    db.session.expunge_all()  # as in a fresh request: nothing cached from the test's own set-up
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


def add_people(cohort, make_leader, make_mentor, how_many: int) -> None:
    for index in range(how_many):
        make_leader(cohort, goals=GOALS, department=f"Department {index % 4}")
        make_mentor(SKILLS, capacity=2, cohort=cohort, department=f"Team {index % 3}")


@pytest.mark.parametrize(
    "page",
    [
        "participants",
        "participants?page=2&role=mentor&missing=anything&q=a",
        "review",
        "review?show=short&department=Team+1",
        "review?show=low&page=2",
    ],
)
def test_page_queries_do_not_grow_with_the_cohort(page, login_as, make_manager, make_cohort, make_leader, make_mentor):
    # Given a cohort with a few people, matched, and a manager looking at it
    manager = make_manager()
    cohort = make_cohort()
    add_people(cohort, make_leader, make_mentor, 3)
    matching_runs.run_matching(cohort.id, manager)
    client = login_as(manager)
    path = f"/programme/cohorts/{cohort.id}/{page}"
    client.get(path)  # the first request touches the login session; count the steady state
    few = queries_for(client, path)

    # When four times as many people take part and the matching runs again
    add_people(cohort, make_leader, make_mentor, 9)
    matching_runs.run_matching(cohort.id, manager)
    many = queries_for(client, path)

    # Then the page runs the same number of queries
    assert many == few


# ---------------------------------------------------------------- at company scale: 2,000 people

LEADERS, MENTORS = 800, 1200  # 2,000 people, leaders : mentors = 1 : 1.5 as in `make bench-web`
MANAGER_PAGES = (
    "/programme/cohorts/{cohort}",
    "/programme/cohorts/{cohort}/participants",
    "/programme/cohorts/{cohort}/participants?role=leader&missing=goals",
    "/programme/cohorts/{cohort}/participants?page=20",
    "/programme/cohorts/{cohort}/participants?role=mentor&missing=anything&department=Sales&q=mentor",
    "/programme/cohorts/{cohort}/review",
    "/programme/cohorts/{cohort}/review?page=10",
    "/programme/cohorts/{cohort}/review?show=low",
    "/programme/cohorts/{cohort}/review?show=short",
    "/programme/cohorts/{cohort}/review?show=unmatched",
    "/programme/cohorts/{cohort}/review?department=Sales&q=leader",
    "/programme/people",
    "/programme/people?page=30&role=mentor",
    "/programme/people/{leader}",
    "/programme/audit",
)
PUBLISHED_PAGES = (
    "/programme/health/{cohort}",
    "/programme/health/{cohort}/pairs/{match}",
    "/programme/people/{mentor}",
)
OWN_PAGES = {"leader": ("/leader/mentor", "/sessions/"), "mentor": ("/mentor/leaders", "/sessions/")}
MOST_QUERIES = 40  # a page with a per-row query would run hundreds at this size


@pytest.fixture
def company(app, make_manager, password_hash):
    """A matched cohort of 800 leaders and 1,200 mentors, loaded in bulk, and a manager."""
    from mentoring.services.demo import company as loader

    manager = make_manager()
    cohort = loader.load_cohort(LEADERS, MENTORS, seed=5, password_hash=password_hash)
    loader.fake_run(cohort, run_by_id=manager.id)
    return manager, cohort


def statements_during(action) -> list[str]:
    """Every SQL statement `action()` runs."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return statements


def test_the_problem_is_built_in_a_fixed_number_of_queries(company):
    from mentoring.models import Cohort
    from mentoring.services.translators import matching_problem

    # Given 2,000 people in a cohort
    _, loaded = company
    db.session.expunge_all()
    cohort = db.session.get(Cohort, loaded.cohort_id)
    # When the cohort is turned into a matching problem
    built = []
    statements = statements_during(lambda: built.append(matching_problem.build_problem(cohort)))
    # Then every leader and mentor is in it, read with a handful of set-based queries
    problem = built[0].problem
    assert (len(problem.leaders), len(problem.mentors)) == (LEADERS, MENTORS)
    assert sum(len(x.goals) for x in problem.leaders) > LEADERS
    assert len(statements) <= 10
    # And the people checked column by column are exactly those the constructors build one at a time
    assert problem.leaders == tuple(matching.Leader(**vars(x)) for x in problem.leaders)
    assert problem.mentors == tuple(matching.Mentor(**vars(x)) for x in problem.mentors)
    assert all(x.skills == tuple(sorted(x.skills, key=lambda s: matching.natural_key(s[0]))) for x in problem.mentors)


def test_manager_pages_stay_bounded_at_2000_people(company, login_as):
    manager, loaded = company
    client = login_as(manager)
    ids = {"cohort": loaded.cohort_id, "leader": loaded.leader_ids[0]}
    for template in MANAGER_PAGES:
        path = template.format(**ids)
        assert queries_for(client, path) <= MOST_QUERIES, path
        assert len(client.get(path).data) < 300_000, path


def test_publishing_and_the_published_pages_stay_bounded_at_2000_people(app, company, login_as):
    from mentoring.models import Match, Notification
    from mentoring.services.demo import company as loader
    from mentoring.services.usecases import publishing

    manager, loaded = company
    # When the cohort is published
    statements = statements_during(lambda: publishing.publish(manager, loaded.cohort_id, deliver=False))
    # Then every pair became a match and everyone was told, written with bulk statements
    matches = db.session.execute(select(func.count(Match.id))).scalar_one()
    emails = db.session.execute(select(func.count(Notification.id))).scalar_one()
    assert matches == LEADERS and emails == LEADERS + len(paired_mentors(loaded))
    assert len(statements) <= 40
    # And the pages of a published cohort with sessions stay bounded too
    loader.add_sessions(loaded.cohort_id)
    match = db.session.execute(select(Match.id, Match.leader_id, Match.mentor_id).order_by(Match.id).limit(1)).one()
    ids = {"cohort": loaded.cohort_id, "match": match.id, "mentor": match.mentor_id}
    signed_in = login_as(manager)
    for template in PUBLISHED_PAGES:
        path = template.format(**ids)
        assert queries_for(signed_in, path) <= MOST_QUERIES, path
        assert len(signed_in.get(path).data) < 300_000, path
    for role, person_id in (("leader", match.leader_id), ("mentor", match.mentor_id)):
        client = app.test_client()
        login(client, db.session.get(Person, person_id))
        for path in OWN_PAGES[role]:
            assert queries_for(client, path) <= MOST_QUERIES, path


def paired_mentors(loaded) -> set[int]:
    from mentoring.models import Match

    return set(db.session.execute(select(Match.mentor_id).where(Match.cohort_id == loaded.cohort_id)).scalars())
