"""Migrations: an empty database upgraded to head matches the models exactly, and downgrades to nothing."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from mentoring.extensions import db as database


def _scratch_postgres(test_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database next to the test database, dropped afterwards."""
    url = make_url(test_url)
    scratch = f"{url.database}_migrations"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{scratch}"'))
    try:
        yield url.set(database=scratch).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of each kind (PostgreSQL only in the suite's PostgreSQL pass)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL is tested in the PostgreSQL pass (TEST_DATABASE_URL)")
    yield from _scratch_postgres(database_url)


@pytest.fixture
def site(make_app, empty_database: str) -> Iterator[Flask]:
    """The app on the empty database, its context pushed."""
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        yield app
        database.session.remove()
        database.engine.dispose()


def _schema_differences() -> list:
    with database.engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect an index on an expression (person's lower(name)); Alembic skips comparing those.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, database.metadata)
        connection.rollback()
    return differences


def test_upgrade_to_head_matches_the_models_and_downgrade_removes_everything(site):
    # When an empty database is upgraded to head
    upgrade()
    tables = set(inspect(database.engine).get_table_names())
    # Then every model has its table, and autogenerate finds nothing to change
    assert {table.name for table in database.metadata.sorted_tables} <= tables
    assert _schema_differences() == []
    # And downgrading to base leaves only Alembic's own bookkeeping
    downgrade(revision="base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    # And it can be upgraded again
    upgrade()
    assert _schema_differences() == []
