"""No 500 from races: simultaneous identical creates answer like a sequential duplicate (issue 8).

Each test starts several threads together (a Barrier), each with its own app context and so its own
database session, all doing the same create. Only the friendly answer a sequential duplicate gets may
come back, and exactly one row exists afterwards. The suite runs this on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select

from mentoring.extensions import db as database
from mentoring.models import (
    Cohort,
    Feedback,
    FitCheck,
    LeaderRequest,
    MentorEnrolment,
    MentorProfile,
    PairRule,
    Person,
    Skill,
)
from mentoring.services import ServiceError
from mentoring.services.usecases import accounts, catalogue, cohorts, meetings, pair_rules, people, profiles

THREADS = 6
OK = "ok"


def race(app: Flask, action: Callable[[], object], threads: int = THREADS) -> list[str]:
    """Run `action` in `threads` threads started together; each outcome is "ok" or the refusal's message."""
    database.session.commit()  # end the test's own transaction (on SQLite it could hold the write lock)
    outcomes: list[str] = []
    start = threading.Barrier(threads)

    def worker() -> None:
        with app.app_context():
            start.wait()
            try:
                action()
                outcomes.append(OK)
            except ServiceError as exc:
                outcomes.append(str(exc))
            except BaseException as exc:  # noqa: BLE001 - anything else is what the test looks for
                outcomes.append(f"UNEXPECTED {type(exc).__name__}: {exc}")
            finally:
                database.session.remove()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for worker_thread in workers:
        worker_thread.start()
    for worker_thread in workers:
        worker_thread.join()
    return outcomes


def rows(model: type, *where: object) -> int:
    """How many rows of `model` match."""
    database.session.expire_all()
    return database.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def only(outcomes: list[str], *friendly: str) -> set[str]:
    """The outcomes that are neither success nor one of the friendly answers (should be empty)."""
    return {outcome for outcome in outcomes if outcome != OK and not any(text in outcome for text in friendly)}


def test_adding_the_same_skill_at_once(app, make_manager):
    manager_id = make_manager().id

    def add() -> None:
        catalogue.add_skill(database.session.get(Person, manager_id), "Threads", "Livestreams")

    outcomes = race(app, add)
    assert only(outcomes, "exists already") == set()
    assert outcomes.count(OK) == 1
    assert rows(Skill, Skill.platform == "Threads") == 1


def test_creating_cohorts_with_the_same_name_at_once(app, make_manager):
    manager_id = make_manager().id

    def create() -> None:
        cohorts.create_cohort(database.session.get(Person, manager_id), cohorts.CohortDetails(name="Autumn 2031"))

    outcomes = race(app, create)
    assert only(outcomes, cohorts.NAME_TAKEN) == set()
    assert outcomes.count(OK) == 1
    assert rows(Cohort, Cohort.name == "Autumn 2031") == 1


def test_renaming_two_cohorts_to_the_same_name_at_once(app, make_manager, make_cohort):
    manager_id = make_manager().id
    ids = iter([make_cohort().id for _ in range(THREADS)])
    lock = threading.Lock()

    def rename() -> None:
        with lock:
            cohort_id = next(ids)
        cohorts.update_cohort(
            database.session.get(Person, manager_id), cohort_id, cohorts.CohortDetails(name="Spring 2032")
        )

    outcomes = race(app, rename)
    assert only(outcomes, cohorts.NAME_TAKEN) == set()
    assert rows(Cohort, Cohort.name == "Spring 2032") == 1


def _details(person: Person) -> people.Details:
    return people.details_of(person)


def test_saving_a_first_mentor_profile_and_joining_a_cohort_at_once(app, make_person, make_cohort, skills):
    # Given a mentor without a profile, saving it (and joining a cohort) from several windows at once
    cohort_id = make_cohort().id
    person_id = make_person(is_mentor=True, department="Digital", grade=2).id
    offer = profiles.MentorOffer(
        capacity=2,
        hours_per_month=4,
        bio="",
        skill_levels={skills["x/writing-posts"]: 4},
        cohort_ids=frozenset({cohort_id}),
    )

    def save() -> None:
        person = database.session.get(Person, person_id)
        profiles.save_mentor_profile(person, _details(person), offer)

    outcomes = race(app, save)
    assert only(outcomes, profiles.CLASH) == set()
    assert rows(MentorProfile, MentorProfile.person_id == person_id) == 1
    assert rows(MentorEnrolment, MentorEnrolment.person_id == person_id) == 1


def test_sending_the_same_leader_request_at_once(app, make_person, make_cohort, skills):
    cohort_id = make_cohort().id
    person_id = make_person(is_leader=True, grade=6).id
    ask = profiles.LeaderAsk(
        achieve="Post weekly.",
        about_me="",
        mentors_wanted=1,
        goals=[profiles.GoalChoice(skills["linkedin/writing-posts"], 3, 4)],
    )

    def send() -> None:
        person = database.session.get(Person, person_id)
        profiles.save_leader_request(person, cohort_id, _details(person), ask)

    outcomes = race(app, send)
    assert only(outcomes, profiles.CLASH) == set()
    assert rows(LeaderRequest, LeaderRequest.person_id == person_id) == 1


def test_two_managers_forbidding_the_same_pair_at_once(app, make_manager, make_cohort, make_mentor, make_leader):
    cohort = make_cohort()
    manager_id = make_manager().id
    leader_id, mentor_id = make_leader(cohort).id, make_mentor(cohort=cohort).id
    cohort_id = cohort.id

    def forbid() -> None:
        manager = database.session.get(Person, manager_id)
        pair_rules.set_pair_rule(manager, cohort_id, leader_id, mentor_id, "forbid")

    outcomes = race(app, forbid)
    assert only(outcomes, "at the same moment") == set()
    assert rows(PairRule, PairRule.cohort_id == cohort_id) == 1


def test_leaving_feedback_from_two_windows_at_once(app, make_pair, add_meeting):
    match = make_pair()
    meeting_id = add_meeting(match, datetime.now(UTC) - timedelta(days=2), ratings={}).id
    mentor_id = match.mentor_id

    def leave() -> None:
        person = database.session.get(Person, mentor_id)
        meetings.leave_feedback(person, meeting_id, 5, "Clear steps.", "", "pair")

    outcomes = race(app, leave)
    assert only(outcomes, "saved from another window") == set()
    assert rows(Feedback, Feedback.meeting_id == meeting_id) == 1


def test_answering_the_fit_check_from_two_windows_at_once(app, make_pair, add_meeting):
    match = make_pair()
    add_meeting(match, datetime.now(UTC) - timedelta(days=2), ratings={})
    leader_id, match_id = match.leader_id, match.id

    def answer() -> None:
        meetings.answer_fit_check(database.session.get(Person, leader_id), match_id, True)

    outcomes = race(app, answer)
    assert only(outcomes, "saved from another window") == set()
    assert rows(FitCheck, FitCheck.match_id == match_id) == 1


def test_registering_the_same_email_at_once(app):
    account = accounts.NewAccount("Sam Same", "sam.same@example.com", "a long pass phrase for sam", is_mentor=True)

    outcomes = race(app, lambda: accounts.register(account), threads=4)
    assert outcomes == [OK] * 4  # a taken email is not an error, to avoid revealing who has an account
    assert rows(Person, Person.email == "sam.same@example.com") == 1
