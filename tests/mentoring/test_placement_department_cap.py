"""The cohort's department cap holds for a mentor's existing and new pairs together when several leaders are placed."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from mentoring.extensions import db
from mentoring.models import Match, Person, WaitlistEntry, WaitlistStatus
from mentoring.services.translators.placement import build_placement
from mentoring.services.usecases import pair_changes, publishing
from tests.mentoring.programme_fixtures import VIDEO

pytestmark = pytest.mark.usefixtures("app")


def _departments_per_mentor(cohort_id: int) -> Counter[tuple[int, str]]:
    """(mentor, leader department) -> active pairs in the cohort."""
    rows = db.session.execute(
        select(Match.mentor_id, Person.department)
        .join(Person, Person.id == Match.leader_id)
        .where(Match.cohort_id == cohort_id, Match.status == "active")
    ).all()
    return Counter((mentor, department) for mentor, department in rows)


@pytest.fixture
def crowded(make_cohort, make_manager, make_mentor, make_leader):
    """A published cohort, cap `max_per_department_per_mentor`; one video mentor with room for 3 and one pair."""

    def build(cap: int, held: int, newcomers: list[str]):
        cohort = make_cohort(name="Autumn 2027", rules={"max_per_department_per_mentor": cap})
        manager = make_manager(name="Mia Manager")
        vera = make_mentor(cohort=cohort, skill_levels={VIDEO: 5}, capacity=3, name="Vera Video")
        cohort.status = "published"
        for n in range(held):
            leader = make_leader(cohort, goals=[(VIDEO, 3, 4)], name=f"Ann Held {n}", department="Accounts")
            db.session.add(Match(cohort_id=cohort.id, leader_id=leader.id, mentor_id=vera.id, status="active"))
        db.session.commit()
        late = [
            make_leader(cohort, goals=[(VIDEO, 3, 4)], name=f"Late {n} of {department}", department=department)
            for n, department in enumerate(newcomers)
        ]
        return SimpleNamespace(cohort=cohort, manager=manager, vera=vera, late=late)

    return build


def test_two_late_joiners_of_a_department_the_mentor_already_has_do_not_both_land_with_her(crowded):
    # Given cap 1, Vera (room for 3) already mentoring a leader of Accounts,
    # and late joiners: two of Accounts, one of Bids
    scene = crowded(cap=1, held=1, newcomers=["Accounts", "Accounts", "Bids"])
    cohort, manager, vera, late = scene.cohort, scene.manager, scene.vera, scene.late
    # When the manager places the late joiners and publishes the change
    run = pair_changes.propose_late_joiners(manager, cohort.id)
    publishing.publish(manager, cohort.id, run_id=run.id)
    # Then no mentor has two leaders of one department: only the Bids leader joined Vera, the others wait
    counts = _departments_per_mentor(cohort.id)
    assert max(counts.values()) == 1
    assert counts == Counter({(vera.id, "Accounts"): 1, (vera.id, "Bids"): 1})
    waiting = set(
        db.session.execute(
            select(WaitlistEntry.person_id).where(WaitlistEntry.status == WaitlistStatus.WAITING)
        ).scalars()
    )
    assert waiting == {late[0].id, late[1].id}


def test_with_cap_two_the_existing_pair_and_the_new_ones_are_counted_together(crowded):
    # Given cap 2, Vera (room for 3) with one Accounts leader, and three Accounts late joiners
    scene = crowded(cap=2, held=1, newcomers=["Accounts", "Accounts", "Accounts"])
    cohort, manager, vera = scene.cohort, scene.manager, scene.vera
    # When they are placed in one change and published
    run = pair_changes.propose_late_joiners(manager, cohort.id)
    # Then the proposal holds only one new Accounts leader for Vera: one existing plus one new makes the cap of 2
    assert [p.mentor_id for p in run.pairs] == [vera.id]
    publishing.publish(manager, cohort.id, run_id=run.id)
    assert _departments_per_mentor(cohort.id) == Counter({(vera.id, "Accounts"): 2})


def test_departments_compare_as_the_library_does(crowded, make_leader):
    # Given cap 2 and an existing leader of "Accounts"; the late joiners write it " accounts" and "ACCOUNTS"
    scene = crowded(cap=2, held=1, newcomers=[" accounts", "ACCOUNTS"])
    cohort, manager = scene.cohort, scene.manager
    run = pair_changes.propose_late_joiners(manager, cohort.id)
    # Then they count as one department: only one of them joins Vera
    assert len(run.pairs) == 1


def test_waitlist_offers_keep_the_cap_too(crowded):
    # Given cap 2, Vera with one Accounts leader, two Accounts leaders on the waitlist
    scene = crowded(cap=2, held=1, newcomers=["Accounts", "Accounts"])
    cohort, manager, vera, late = scene.cohort, scene.manager, scene.vera, scene.late
    for leader in late:
        db.session.add(WaitlistEntry(cohort_id=cohort.id, person_id=leader.id, reason="Nobody had room."))
    db.session.commit()
    # When mentors are offered to the waitlist
    run = pair_changes.propose_waitlist_offers(manager, cohort.id)
    # Then only one of them is offered Vera
    assert [p.mentor_id for p in run.pairs] == [vera.id]


def test_existing_pairs_are_pinned_in_the_problem_and_never_proposed_again(crowded):
    # Given cap 2, Vera with one Accounts leader, two Accounts late joiners
    scene = crowded(cap=2, held=1, newcomers=["Accounts", "Accounts"])
    cohort, vera, late = scene.cohort, scene.vera, scene.late
    problem = build_placement(cohort, {leader.id: 1 for leader in late}).problem
    # Then the held pair is pinned (so the library's cap counts it) and Vera's capacity includes it
    held = db.session.execute(select(Match.leader_id).where(Match.cohort_id == cohort.id)).scalar_one()
    assert problem.pinned == ((str(held), str(vera.id)),)
    assert [m.capacity for m in problem.mentors] == [3]
    assert {x.id: x.mentors_wanted for x in problem.leaders} == {str(held): 1, str(late[0].id): 1, str(late[1].id): 1}


def test_an_existing_pair_that_breaks_a_rule_today_holds_the_department_full_instead(crowded):
    # Given cap 2, Vera with one Accounts leader who now speaks only German (no common language: a hard rule),
    # and two Accounts late joiners (both with Vera would pass the cap)
    scene = crowded(cap=2, held=1, newcomers=["Accounts", "Accounts"])
    cohort, manager, late = scene.cohort, scene.manager, scene.late
    held = db.session.execute(select(Match.leader_id).where(Match.cohort_id == cohort.id)).scalar_one()
    db.session.get(Person, held).languages = ["de"]
    db.session.commit()
    # When the late joiner is placed
    run = pair_changes.propose_late_joiners(manager, cohort.id)
    # Then the change is still proposed: that pair cannot be pinned, so Vera's Accounts places count as full
    # (the cap holds; a place may go unused) and neither late joiner is placed with her
    assert run.stats["change"] == "late" and run.pairs == []
    assert sorted(u["leader_id"] for u in run.unmatched) == [late[0].id, late[1].id]


def test_nothing_is_pinned_where_the_newcomers_cannot_pass_the_cap(crowded):
    # Given cap 2, Vera with one Accounts leader and a single Accounts late joiner
    scene = crowded(cap=2, held=1, newcomers=["Accounts"])
    cohort, manager, vera, late = scene.cohort, scene.manager, scene.vera, scene.late
    # Then the problem is only the late joiner against spare capacity, and she may join Vera (2 is the cap)
    problem = build_placement(cohort, {late[0].id: 1}).problem
    assert problem.pinned == () and [x.id for x in problem.leaders] == [str(late[0].id)]
    run = pair_changes.propose_late_joiners(manager, cohort.id)
    assert [(p.leader_id, p.mentor_id) for p in run.pairs] == [(late[0].id, vera.id)]
