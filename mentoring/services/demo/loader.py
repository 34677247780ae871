"""The demo: an organisation, a finished cohort with months of sessions, and an open cohort to match.

`flask --app mentoring seed-demo` fills an empty database; `make run` calls it with --if-empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from mentoring.catalogue import COMPETENCIES, skill_key
from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import (
    Cohort,
    Goal,
    LeaderRequest,
    MentorEnrolment,
    MentorProfile,
    MentorSkill,
    Person,
    Skill,
)
from mentoring.services import Conflict
from mentoring.services.demo import hr_file
from mentoring.services.demo.people import DEPARTMENTS, DemoOrganisation, DemoPerson
from mentoring.services.infra.passwords import hash_password
from mentoring.services.usecases import people_import

DEMO_PASSWORD = "reverse mentoring demo"  # noqa: S105 - the published demo password
DEMO_LOGINS = (
    ("manager", "manager@demo.example"),
    ("manager", "manager2@demo.example"),
    ("leader", "leader@demo.example"),
    ("mentor", "mentor@demo.example"),
)
CHIEF_EXECUTIVE = DemoPerson(
    key="chief",
    name="Margaret Hale",
    email="margaret.hale@demo.example",
    department="Executive",
    grade=15,
    location="London",
    timezone="Europe/London",
    languages=["en"],
    formats=["in-person"],
    external_id="E0001",
)
MENTOR_COUNT = 40
LEADER_COUNT = 15
SPRING_LEADERS = 10
SPRING_MENTORS = 26


@dataclass(frozen=True)
class DemoSummary:
    """What seed-demo created."""

    people: int
    mentors: int
    leaders: int
    managers: int
    cohorts: list[str]
    pairs: int
    sessions: int


def database_is_empty() -> bool:
    """Whether there are no people yet (the skill catalogue does not count)."""
    return db.session.execute(select(func.count(Person.id))).scalar_one() == 0


def build_organisation(seed: int = 2026) -> DemoOrganisation:
    """The demo people: 2 managers, 15 leaders, 40 mentors, team leads and the chief executive, with reporting lines."""
    org = DemoOrganisation(COMPETENCIES, seed=seed)
    org.person("manager", "People", 9, name="Amara Okafor", email="manager@demo.example").roles.add("manager")
    org.person("manager2", "People", 8, name="Lukas Becker", email="manager2@demo.example").roles.add("manager")
    heads: list[DemoPerson] = []
    for index, department in enumerate(DEPARTMENTS[:8]):
        email = "leader@demo.example" if index == 0 else None
        name = "Helen Marsh" if index == 0 else None
        head = org.person(f"head{index}", department, org.rng.choice([11, 12]), name=name, email=email)
        head.manager = "ext:E0001"  # the chief executive, not a user of the site
        org.leader_goals(head)
        heads.append(head)
    for index in range(LEADER_COUNT - len(heads)):
        boss = heads[index % len(heads)]
        director = org.person(f"director{index}", boss.department, org.rng.choice([8, 9, 10]))
        director.manager = boss.key
        org.leader_goals(director)
    leads: list[DemoPerson] = []
    for index, department in enumerate(DEPARTMENTS):
        lead = org.person(f"lead{index}", department, org.rng.choice([5, 6]))
        boss = next((head for head in heads if head.department == department), None)
        lead.manager = boss.key if boss else "ext:E0001"
        leads.append(lead)
    for index in range(MENTOR_COUNT):
        email = "mentor@demo.example" if index == 0 else None
        name = "Jade Morgan" if index == 0 else None
        lead = leads[(index * 7) % len(leads)]
        mentor = org.person(
            f"mentor{index}", lead.department, org.rng.choice([1, 1, 2, 2, 3, 4]), name=name, email=email
        )
        mentor.manager = lead.key
        org.mentor_skills(mentor)
    org.people.append(CHIEF_EXECUTIVE)  # not a user of the site: the top of every reporting line, from HR
    return org


def _store_people(org: DemoOrganisation, skill_ids: dict[str, int]) -> dict[str, Person]:
    """Import the organisation from its HR file, then add what people say themselves: roles, formats, skills."""
    plan = people_import.plan_import(hr_file.demo_file(org))
    if not plan.ok:
        raise Conflict(f"The demo HR file has problems: {plan.problems[0].message}")
    people_import.apply_plan(plan, None, "demo")
    found = db.session.execute(select(Person).where(Person.external_id.is_not(None))).scalars()
    by_external_id = {person.external_id: person for person in found}
    password_hash = hash_password(DEMO_PASSWORD)
    stored: dict[str, Person] = {}
    for demo in org.people:
        person = stored[demo.key] = by_external_id[demo.external_id]
        person.password_hash = password_hash if demo.roles else None
        person.is_mentor = "mentor" in demo.roles
        person.is_leader = "leader" in demo.roles
        person.is_manager = "manager" in demo.roles
        person.formats = demo.formats
    db.session.flush()
    for demo in org.people:
        if "mentor" in demo.roles:
            profile = MentorProfile(
                person_id=stored[demo.key].id,
                capacity=demo.capacity,
                hours_per_month=demo.hours_per_month,
                bio=demo.bio,
            )
            profile.skills = [
                MentorSkill(skill_id=skill_ids[skill_key(*skill)], proficiency=level)
                for skill, level in sorted(demo.skills.items())
            ]
            db.session.add(profile)
    db.session.flush()
    return stored


def _request(
    cohort: Cohort, demo: DemoPerson, person: Person, skill_ids: dict[str, int], at: datetime
) -> LeaderRequest:
    request = LeaderRequest(
        cohort_id=cohort.id,
        person_id=person.id,
        achieve=demo.achieve,
        about_me=demo.about_me,
        formats=demo.formats,
        mentors_wanted=1,
        created_at=at,
        updated_at=at,
    )
    request.goals = [
        Goal(skill_id=skill_ids[skill_key(*skill)], priority=priority, target_level=level)
        for skill, priority, level in demo.goals
    ]
    db.session.add(request)
    return request


def _enrol(cohort: Cohort, person: Person, at: datetime) -> None:
    db.session.add(MentorEnrolment(cohort_id=cohort.id, person_id=person.id, joined_at=at))


def seed_demo(now: datetime | None = None, seed: int = 2026) -> DemoSummary:
    """Fill an empty database with the demo organisation, a finished cohort with history and an open one."""
    from mentoring.services.demo import history as demo_history

    if not database_is_empty():
        raise Conflict("The database already has people in it; seed-demo only fills an empty database.")
    now = now or utcnow()
    skill_ids = dict(db.session.execute(select(Skill.key, Skill.id)).all())
    org = build_organisation(seed)
    people = _store_people(org, skill_ids)
    leaders = [demo for demo in org.people if "leader" in demo.roles]
    mentors = [demo for demo in org.people if "mentor" in demo.roles]

    spring_start = (now - timedelta(days=240)).date()
    spring = Cohort(
        name=f"Spring {spring_start.year}",
        starts_on=spring_start,
        ends_on=spring_start + timedelta(days=270),
        status="open",
        rules={},
        stall_days=30,
        created_at=_at(spring_start - timedelta(days=30)),
    )
    upcoming_start = _next_monday((now + timedelta(days=45)).date())
    upcoming = Cohort(
        name=f"Round {upcoming_start.year}-{upcoming_start.month:02d}",
        starts_on=upcoming_start,
        ends_on=upcoming_start + timedelta(days=180),
        status="open",
        rules={},
        stall_days=30,
        created_at=now - timedelta(days=10),
    )
    db.session.add_all([spring, upcoming])
    db.session.flush()
    for demo in leaders[:SPRING_LEADERS]:
        _request(spring, demo, people[demo.key], skill_ids, _at(spring_start - timedelta(days=20)))
    for demo in mentors[:SPRING_MENTORS]:
        _enrol(spring, people[demo.key], _at(spring_start - timedelta(days=21)))
    for demo in leaders:
        _request(upcoming, demo, people[demo.key], skill_ids, now - timedelta(days=5))
    for demo in mentors:
        _enrol(upcoming, people[demo.key], now - timedelta(days=6))
    db.session.commit()

    pairs, sessions = demo_history.run_spring_cohort(spring.id, people["manager"].id, now, seed)
    return DemoSummary(
        people=len(org.people),
        mentors=len(mentors),
        leaders=len(leaders),
        managers=sum(1 for demo in org.people if "manager" in demo.roles),
        cohorts=[spring.name, upcoming.name],
        pairs=pairs,
        sessions=sessions,
    )


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def _next_monday(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)
