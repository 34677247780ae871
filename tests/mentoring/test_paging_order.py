"""Pages read by the name index still list everyone once, in name order, and the review reads a stored summary."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mentoring.extensions import db
from mentoring.models import MatchRun, Person, RunPair
from mentoring.services.readmodels import participants, review_loads, run_review
from mentoring.services.readmodels.review_filters import ReviewFilters
from mentoring.services.usecases import matching_runs

NAMES = ["bea", "Al", "carl", "Bea", "al", "Dora", "eve", "Finn", "gus", "Hana", "ivy"]


@pytest.fixture
def matched(make_manager, make_cohort, make_leader, make_mentor):
    """A matched cohort whose names differ in case and repeat, so the order needs lower(name) then id."""
    manager = make_manager()
    cohort = make_cohort()
    for index, name in enumerate(NAMES):
        make_leader(cohort, goals=[("linkedin/personal-branding", 3, 2)], name=f"{name} Lead", department="Sales")
        make_mentor({"linkedin/personal-branding": 4}, capacity=2, cohort=cohort, name=f"{name} Mentor {index}")
    matching_runs.run_matching(cohort.id, manager)
    return manager, cohort


def _by_name(ids: list[int]) -> list[int]:
    people = db.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all()
    return [pid for pid, _ in sorted(people, key=lambda p: (p.name.lower(), p.id))]


def test_participants_pages_list_leaders_then_mentors_by_name_each_once(matched):
    _, cohort = matched
    # When the table is read four rows a page
    first = participants.participants(cohort.id, per_page=4)
    rows = [
        row
        for number in range(1, first.page.pages + 1)
        for row in participants.participants(cohort.id, page=number, per_page=4).rows
    ]
    # Then every participant is there once: leaders by name (then id), then mentors by name
    leaders = [row.person.id for row in rows if row.role == "leader"]
    mentors = [row.person.id for row in rows if row.role == "mentor"]
    assert [row.role for row in rows] == ["leader"] * len(NAMES) + ["mentor"] * len(NAMES)
    assert leaders == _by_name(leaders) and mentors == _by_name(mentors)
    assert first.page.total == first.counts["shown"] == 2 * len(NAMES)
    # And a filter counts and pages what it keeps
    found = participants.participants(cohort.id, participants.Filters(role="mentor", text="bea"), per_page=4)
    assert found.page.total == 2 and {row.person.name.lower()[:3] for row in found.rows} == {"bea"}
    # And the department filter offers the departments of the cohort's people only (not the manager's)
    assert "Sales" in participants.departments(cohort.id) and "People" not in participants.departments(cohort.id)


def test_review_pages_list_every_pair_once_by_leader_then_mentor_name(matched):
    _, cohort = matched
    run = run_review.latest_run(cohort.id)
    pairs = db.session.execute(select(func.count(RunPair.id)).where(RunPair.run_id == run.id)).scalar_one()
    # When the review is read three pairs a page
    seen = []
    for number in range(1, -(-pairs // 3) + 1):
        page = run_review.review(cohort.id, ReviewFilters(), page=number, per_page=3).pair_page
        assert page.total == pairs
        seen += [(p.leader.name.lower(), p.leader.id, p.mentor.name.lower(), p.mentor.id) for p in page.items]
    # Then every pair of the run is there once, in leader-then-mentor name order
    assert len(set(seen)) == len(seen) == pairs
    assert [(a, c) for a, _, c, _ in seen] == sorted((a, c) for a, _, c, _ in seen)


def test_a_run_stores_the_load_summary_the_review_would_work_out(matched):
    _, cohort = matched
    cohort_id = cohort.id
    db.session.expunge_all()
    run = db.session.execute(select(MatchRun).where(MatchRun.cohort_id == cohort_id)).scalar_one()
    # Then the stored summary is what the run's own lists give
    stored = run.stats[review_loads.SUMMARY_KEY]
    assert stored == review_loads.load_summary(run.mentor_loads, run.unmatched)
    assert stored["full"] + stored["room"] + stored["none"] == len(NAMES)
    # And a run stored before the summary existed shows the same busy mentors, worked out from its lists
    with_summary = review_loads.busy_mentors(run, cohort_id)
    run.stats = {key: value for key, value in run.stats.items() if key != review_loads.SUMMARY_KEY}
    assert review_loads.busy_mentors(run, cohort_id) == with_summary
