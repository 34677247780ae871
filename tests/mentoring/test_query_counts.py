"""Manager pages load a cohort's rows with a fixed number of queries, however many people take part."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from mentoring.extensions import db
from mentoring.services.usecases import matching_runs

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


@pytest.mark.parametrize("page", ["participants", "review"])
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
