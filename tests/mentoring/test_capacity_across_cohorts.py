"""A mentor's capacity is theirs across cohorts: pairs still running elsewhere use places up (issue 8)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from mentoring.models import Cohort, Match, MentorProfile, Person
from mentoring.services.demo import loader as demo
from mentoring.services.readmodels import run_review
from mentoring.services.readmodels.mentor_loads import running_loads
from mentoring.services.usecases import matching_runs, people, profiles, publishing
from mentoring.services.usecases.cohorts import open_cohorts
from tests.mentoring.journey_helpers import publish_pair

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BRANDING = "linkedin/personal-branding"


def _save_unchanged(person: Person) -> None:
    """Save the mentor's profile exactly as it is, the way the profile page would."""
    profile = profiles.mentor_profile(person)
    details = people.Details(
        name=person.name,
        department=person.department,
        grade=person.grade,
        timezone=person.timezone,
        languages=list(person.languages or []),
        formats=list(person.formats or []),
    )
    offer = profiles.MentorOffer(
        capacity=profile.capacity,
        hours_per_month=profile.hours_per_month,
        bio=profile.bio,
        skill_levels={item.skill_id: item.proficiency for item in profile.skills},
        # the page lists open cohorts only
        cohort_ids=frozenset(profiles.enrolled_cohort_ids(person) & {c.id for c in open_cohorts()}),
    )
    profiles.save_mentor_profile(person, details, offer)


def test_the_demo_round_leaves_no_mentor_over_capacity_and_every_profile_saveable(app, db):
    # Given the demo, whose finished cohort still has active pairs
    demo.seed_demo(now=NOW)
    upcoming = db.execute(select(Cohort).where(Cohort.name == "Round 2027-01")).scalar_one()
    manager = db.execute(select(Person).where(Person.is_manager).order_by(Person.id)).scalars().first()

    # When "Round 2027-01" is matched with default rules and published
    run = matching_runs.run_matching(upcoming.id, manager, now=NOW)
    assert run.status in matching_runs.SUCCESSFUL
    publishing.publish(manager, upcoming.id, run.id, now=NOW, deliver=False)

    # Then no mentor has more active leaders across running cohorts than their capacity
    loads = running_loads()
    capacities = dict(db.execute(select(MentorProfile.person_id, MentorProfile.capacity)).all())
    over = {mentor: (load, capacities[mentor]) for mentor, load in loads.items() if load > capacities[mentor]}
    assert over == {}
    assert db.execute(select(func.count(Match.id)).where(Match.cohort_id == upcoming.id)).scalar_one() > 0

    # And every mentor can save their profile unchanged
    for mentor in db.execute(select(Person).where(Person.is_mentor).order_by(Person.id)).scalars():
        if profiles.mentor_profile(mentor) is not None:
            _save_unchanged(mentor)


def test_a_mentor_full_in_another_cohort_gets_no_new_leader_and_the_review_says_why(
    app, db, make_cohort, make_mentor, make_leader
):
    # Given Ada (capacity 1) still mentoring a leader in a running cohort
    running = make_cohort(name="Spring 2026")
    ada = make_mentor(name="Ada Busy", capacity=1, skill_levels={BRANDING: 5})
    publish_pair(running, make_leader(running), ada)
    new = make_cohort(name="Autumn 2027")
    make_mentor(name="Ben Free", capacity=1, skill_levels={BRANDING: 5}, cohort=new)
    from mentoring.models import MentorEnrolment

    db.add(MentorEnrolment(cohort_id=new.id, person_id=ada.id))
    db.commit()
    make_leader(new, name="Lena One", goals=[(BRANDING, 3, 4)])
    make_leader(new, name="Lena Two", goals=[(BRANDING, 3, 4)])

    # When the new cohort is matched
    run = matching_runs.run_matching(new.id, None, now=NOW)

    # Then Ada gets nobody: her one place is used in Spring 2026
    assert ada.id not in {pair.mentor_id for pair in run.pairs} and len(run.pairs) == 1

    # And the review shows her load across cohorts and says why the other leader is unmatched
    page = run_review.review(new.id)
    ada_load = next(load for load in page.loads if load.mentor.id == ada.id)
    assert (ada_load.load, ada_load.capacity, ada_load.elsewhere, ada_load.total) == (0, 0, 1, 1)
    assert ada_load.elsewhere_in == ("Spring 2026",)
    [unmatched] = page.unmatched
    assert "Ada Busy (Spring 2026)" in unmatched.note
    assert "No room because of their pairs in another running cohort" in unmatched.note


def test_a_closed_cohort_no_longer_uses_places(app, db, make_cohort, make_mentor, make_leader):
    finished = make_cohort(name="Spring 2025")
    ada = make_mentor(capacity=1)
    publish_pair(finished, make_leader(finished), ada)
    assert running_loads([ada.id]) == {ada.id: 1}
    finished.status = "closed"
    db.commit()
    assert running_loads([ada.id]) == {}


def test_the_review_page_shows_loads_across_cohorts(
    app, db, login_as, make_manager, make_cohort, make_mentor, make_leader
):
    running = make_cohort(name="Spring 2026")
    ada = make_mentor(name="Ada Busy", capacity=2, skill_levels={BRANDING: 5})
    publish_pair(running, make_leader(running), ada)
    new = make_cohort(name="Autumn 2027")
    from mentoring.models import MentorEnrolment

    db.add(MentorEnrolment(cohort_id=new.id, person_id=ada.id))
    db.commit()
    make_leader(new, goals=[(BRANDING, 3, 4)])
    matching_runs.run_matching(new.id, None, now=NOW)

    page = login_as(make_manager()).get(f"/programme/cohorts/{new.id}/review")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Leaders in other cohorts" in text and "Spring 2026" in text
