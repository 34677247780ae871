"""Shared fixtures: a migrated test database (SQLite, or PostgreSQL via TEST_DATABASE_URL), app, client, factories."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # tests/matching must run without Flask or SQLAlchemy installed
    from flask import Flask
    from flask.testing import FlaskClient
    from sqlalchemy.orm import Session

DEFAULT_PASSWORD = "a long pass phrase for tests"


def _postgres_reset(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test database, emptied and migrated to head once per test session."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url:
        _postgres_reset(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    from flask_migrate import upgrade

    from mentoring import create_app

    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        from mentoring.extensions import db

        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One argon2 hash of DEFAULT_PASSWORD, shared by factory-made people (hashing is slow on purpose)."""
    from mentoring.services.infra.passwords import hash_password

    return hash_password(DEFAULT_PASSWORD)


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database with config overrides; disposes their engines afterwards."""
    from mentoring import create_app
    from mentoring.extensions import db

    built: list[Flask] = []

    def build(**overrides: object) -> Flask:
        settings = {
            "CONFIG": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
            "SERVER_NAME": None,
        }
        settings.update(overrides)
        app = create_app(settings)
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """The app under the testing config, on a clean database, with an app context pushed."""
    application = make_app()
    with application.app_context():
        clean_database()
        yield application


def clean_database() -> None:
    """Empty every table and re-seed the skill catalogue (inside an app context)."""
    from sqlalchemy import text

    from mentoring.catalogue import default_skills
    from mentoring.extensions import db
    from mentoring.models import Skill

    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
        has_sequence = db.session.execute(text("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")).first()
        if has_sequence:
            db.session.execute(text("DELETE FROM sqlite_sequence"))
    db.session.add_all(Skill(**row, retired=False) for row in default_skills())
    db.session.commit()


@pytest.fixture
def db(app: Flask) -> Session:
    """The Flask-SQLAlchemy session of the test app."""
    from mentoring.extensions import db as database

    return database.session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def skills(app: Flask) -> dict[str, int]:
    """Skill key -> id of the seeded catalogue."""
    from sqlalchemy import select

    from mentoring.extensions import db
    from mentoring.models import Skill

    return dict(db.session.execute(select(Skill.key, Skill.id)).all())


_counter = itertools.count(1)


@pytest.fixture
def make_person(app: Flask, password_hash: str) -> Callable[..., object]:
    """Create a person; keyword arguments override any column. Password is DEFAULT_PASSWORD."""
    from mentoring.extensions import db
    from mentoring.models import Person

    def make(**overrides: object) -> Person:
        number = next(_counter)
        values: dict[str, object] = {
            "name": f"Person {number}",
            "email": f"person{number}@example.com",
            "password_hash": password_hash,
            "department": "Marketing",
            "grade": 3,
            "languages": ["en"],
            "formats": ["remote"],
            "timezone": "Europe/London",
        }
        values.update(overrides)
        person = Person(**values)
        db.session.add(person)
        db.session.commit()
        return person

    return make


@pytest.fixture
def make_cohort(app: Flask) -> Callable[..., object]:
    """Create a cohort (open by default)."""
    from mentoring.extensions import db
    from mentoring.models import Cohort

    def make(**overrides: object) -> Cohort:
        values: dict[str, object] = {
            "name": f"Cohort {next(_counter)}",
            "starts_on": date(2027, 1, 11),
            "ends_on": date(2027, 6, 30),
            "status": "open",
            "rules": {},
        }
        values.update(overrides)
        cohort = Cohort(**values)
        db.session.add(cohort)
        db.session.commit()
        return cohort

    return make


@pytest.fixture
def make_mentor(make_person: Callable[..., object], skills: dict[str, int]) -> Callable[..., object]:
    """Create a mentor with a profile: `skill_levels` maps skill key -> proficiency; `cohort` enrols them."""
    from mentoring.extensions import db
    from mentoring.models import MentorEnrolment, MentorProfile, MentorSkill

    def make(
        skill_levels: dict[str, int] | None = None, capacity: int = 1, cohort: object = None, **overrides: object
    ) -> object:
        overrides.setdefault("grade", 1)
        overrides.setdefault("department", "Digital")
        person = make_person(is_mentor=True, **overrides)
        profile = MentorProfile(person_id=person.id, capacity=capacity, hours_per_month=2, bio="I post every day.")
        levels = skill_levels or {"linkedin/personal-branding": 4}
        profile.skills = [MentorSkill(skill_id=skills[key], proficiency=level) for key, level in levels.items()]
        db.session.add(profile)
        if cohort is not None:
            db.session.add(MentorEnrolment(cohort_id=cohort.id, person_id=person.id))
        db.session.commit()
        return person

    return make


@pytest.fixture
def make_leader(make_person: Callable[..., object], skills: dict[str, int]) -> Callable[..., object]:
    """Create a leader with a request in `cohort`: `goals` is a list of (skill key, priority, level)."""
    from mentoring.extensions import db
    from mentoring.models import Goal, LeaderRequest

    def make(cohort: object, goals: list[tuple[str, int, int]] | None = None, **overrides: object) -> object:
        overrides.setdefault("grade", 6)
        overrides.setdefault("department", "Finance")
        person = make_person(is_leader=True, **overrides)
        request = LeaderRequest(
            cohort_id=cohort.id,
            person_id=person.id,
            achieve="Post weekly on LinkedIn.",
            about_me="I run and bake.",
            formats=["remote"],
        )
        chosen = goals or [("linkedin/personal-branding", 3, 3)]
        request.goals = [
            Goal(skill_id=skills[key], priority=priority, target_level=level) for key, priority, level in chosen
        ]
        db.session.add(request)
        db.session.commit()
        return person

    return make


@pytest.fixture
def make_manager(make_person: Callable[..., object]) -> Callable[..., object]:
    """Create a programme manager."""

    def make(**overrides: object) -> object:
        overrides.setdefault("grade", 5)
        overrides.setdefault("department", "People")
        return make_person(is_manager=True, **overrides)

    return make


def login(client: FlaskClient, person: object, password: str = DEFAULT_PASSWORD) -> None:
    """Sign `person` in through the real login form."""
    response = client.post("/auth/login", data={"email": person.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[[object], FlaskClient]:
    """Sign a person in on the shared test client and return the client."""

    def sign_in(person: object) -> FlaskClient:
        login(client, person)
        return client

    return sign_in
