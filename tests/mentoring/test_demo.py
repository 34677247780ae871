"""seed-demo: a realistic organisation, a finished cohort with history, an open cohort to match."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from mentoring.models import Cohort, Feedback, FitCheck, LeaderRequest, Match, Meeting, MentorEnrolment, Person
from mentoring.services.demo import loader as demo

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def count(db, column, *where):
    return db.execute(select(func.count(column)).where(*where)).scalar_one()


def test_seed_demo_builds_the_organisation_and_both_cohorts(app, db):
    summary = demo.seed_demo(now=NOW)

    assert (summary.mentors, summary.leaders, summary.managers) == (40, 15, 2)
    assert count(db, Person.id, Person.is_mentor) == 40
    assert count(db, Person.id, Person.is_leader) == 15
    assert count(db, Person.id, Person.is_manager) == 2
    departments = set(db.execute(select(Person.department).where(Person.is_mentor)).scalars())
    grades = set(db.execute(select(Person.grade).where(Person.is_leader)).scalars())
    assert len(departments) >= 6 and len(grades) >= 3
    with_line = count(db, Person.id, Person.manager_id.is_not(None) | Person.manager_external_id.is_not(None))
    assert with_line >= 55  # everyone but the managers has a reporting line

    finished, upcoming = db.execute(select(Cohort).order_by(Cohort.id)).scalars().all()
    assert finished.status == "published" and upcoming.status == "open"
    assert count(db, LeaderRequest.id, LeaderRequest.cohort_id == upcoming.id) == 15
    assert count(db, MentorEnrolment.id, MentorEnrolment.cohort_id == upcoming.id) == 40
    pairs = count(db, Match.id, Match.cohort_id == finished.id)
    assert pairs == summary.pairs == count(db, LeaderRequest.id, LeaderRequest.cohort_id == finished.id)


def test_the_finished_cohort_has_months_of_sessions_feedback_and_a_flagged_pair(app, db):
    demo.seed_demo(now=NOW)

    held = db.execute(select(Meeting).where(Meeting.status == "held")).scalars().all()
    assert len(held) >= 40
    assert min(m.starts_at for m in held) < NOW.replace(month=6)
    assert all(m.starts_at < NOW for m in held)
    assert count(db, Meeting.id, Meeting.status == "cancelled") > 0
    assert count(db, Meeting.id, Meeting.status == "proposed") >= 1
    assert count(db, Feedback.id, Feedback.visibility == "manager") > 0
    assert count(db, Feedback.id, Feedback.visibility == "pair") > 0
    assert count(db, FitCheck.id, FitCheck.good_fit.is_(False)) >= 1


def test_the_demo_is_the_same_every_time(app, db):
    demo.seed_demo(now=NOW)
    first = db.execute(select(Person.name, Person.email, Person.grade).order_by(Person.id)).all()
    from tests.conftest import clean_database

    clean_database()
    demo.seed_demo(now=NOW)
    assert db.execute(select(Person.name, Person.email, Person.grade).order_by(Person.id)).all() == first


def test_seed_demo_command_loads_once_and_if_empty_is_safe_to_repeat(app, db):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed-demo", "--if-empty"])
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    forced = runner.invoke(args=["seed-demo"])

    assert first.exit_code == 0 and "Demo loaded" in first.output
    assert again.exit_code == 0 and "not loaded again" in again.output
    assert forced.exit_code != 0 and "only fills an empty database" in forced.output
    assert count(db, Person.id, Person.is_mentor) == 40


def test_demo_logins_work(app, client):
    demo.seed_demo(now=NOW)
    for _role, email in demo.DEMO_LOGINS:
        response = client.post("/auth/login", data={"email": email, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.post("/auth/logout")
    listing = app.test_cli_runner().invoke(args=["demo-logins"])
    assert "leader@demo.example" in listing.output and demo.DEMO_PASSWORD in listing.output


def test_demo_sessions_fall_in_both_sides_working_hours(app, db):
    from mentoring.services.demo.history import STRETCHED, in_working_hours

    def fits(start, length, zones, hours):
        return all(in_working_hours(start, zone, length, hours) for zone in zones)

    # Given the demo
    demo.seed_demo(now=NOW)
    meetings = db.execute(select(Meeting)).scalars().all()
    # Then every session lies within a weekday's 9-to-5 for the leader and for the mentor, or, for a pair whose
    # time zones share no 9-to-5 hour on that day, within the shortest stretched day that they share
    outside = []
    for m in meetings:
        zones, length = (m.match.leader.timezone, m.match.mentor.timezone), timedelta(minutes=m.duration_minutes)
        day = m.starts_at.replace(hour=0, minute=0) - timedelta(days=m.starts_at.weekday() - 2)  # that week's Wednesday
        shared = next(
            (
                hours
                for hours in STRETCHED
                if any(fits(day + timedelta(minutes=30 * k), timedelta(hours=1), zones, hours) for k in range(48))
            ),
            None,
        )
        if shared is None:  # no shared hour even in a long day: the leader's 9 o'clock
            if m.starts_at.astimezone(ZoneInfo(zones[0])).hour != 9:
                outside.append((m.id, m.starts_at.isoformat(), zones))
        elif not fits(m.starts_at, length, zones, shared):
            outside.append((m.id, m.starts_at.isoformat(), zones))
    assert len(meetings) > 50 and outside == []


def test_every_demo_login_shows_a_populated_role(app, db):
    # Given the demo
    demo.seed_demo(now=NOW)
    mentor = db.execute(select(Person).where(Person.email == "mentor@demo.example")).scalar_one()
    leader = db.execute(select(Person).where(Person.email == "leader@demo.example")).scalar_one()
    # Then the demo mentor and the demo leader each have an active pair with sessions
    for person, column in ((mentor, Match.mentor_id), (leader, Match.leader_id)):
        pairs = db.execute(select(Match.id).where(column == person.id, Match.status == "active")).scalars().all()
        assert pairs, person.email
        assert count(db, Meeting.id, Meeting.match_id.in_(pairs)) > 0, person.email
