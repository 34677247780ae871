"""SQLite readers never wait for the write lock; writers still take it before their first read (issue 8).

These tests build their own SQLite file (so they run in both passes of the suite) and hold the write
lock from a second, raw connection, as a long write of another worker would.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from mentoring.database import writing
from mentoring.extensions import db as database
from mentoring.models import Cohort, Person
from tests.conftest import DEFAULT_PASSWORD


@pytest.fixture
def sqlite_file(make_app, tmp_path: Path, password_hash: str) -> tuple[Flask, Path]:
    """An app on its own SQLite file with the schema, a manager and a cohort."""
    path = tmp_path / "readers.db"
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        database.metadata.create_all(database.engine)
        database.session.add(
            Person(
                name="Mia Manager",
                email="mia@example.com",
                password_hash=password_hash,
                is_manager=True,
                languages=["en"],
                formats=["remote"],
            )
        )
        database.session.add(Cohort(name="Spring 2027", status="open", rules={}))
        database.session.commit()
    return app, path


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another connection in the middle of a write: it holds the write lock until it ends."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE cohort SET stall_days = stall_days + 1")
    return other


def test_a_signed_in_page_loads_while_another_connection_holds_the_write_lock(sqlite_file):
    app, path = sqlite_file
    client = app.test_client()
    response = client.post("/auth/login", data={"email": "mia@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302

    # Given another worker in the middle of a write
    other = hold_write_lock(path)
    try:
        # When a manager loads pages that only read
        pages = [client.get(url) for url in ("/programme/cohorts", "/programme/cohorts/1/participants")]
        # Then they are served from the last committed state, without waiting for the lock
        assert [page.status_code for page in pages] == [200, 200]
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_read_only_request_takes_no_write_lock_but_a_form_post_does(sqlite_file):
    app, path = sqlite_file
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    # A GET reads in a deferred transaction: someone else can still start writing
    with app.test_request_context("/programme/cohorts", method="GET"):
        database.session.execute(select(Cohort)).all()
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        database.session.rollback()
    # A POST reads and then writes: its transaction holds the write lock from its first read
    with app.test_request_context("/programme/cohorts/new", method="POST"):
        database.session.execute(select(Cohort)).all()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        database.session.rollback()
    other.close()


def test_a_write_inside_a_read_only_request_takes_the_lock_in_a_transaction_of_its_own(sqlite_file):
    app, path = sqlite_file
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with app.test_request_context("/programme/cohorts", method="GET"):
        database.session.execute(select(Cohort)).all()
        with writing():
            # the read transaction ended; the write's transaction holds the lock from its first statement
            cohort = database.session.execute(select(Cohort)).scalar_one()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            cohort.stall_days = 7
            database.session.commit()
    other.close()
    with app.app_context():
        assert database.session.execute(select(Cohort.stall_days)).scalar_one() == 7


def test_a_form_post_waits_for_the_lock_and_then_succeeds(sqlite_file):
    app, path = sqlite_file
    client = app.test_client()
    client.post("/auth/login", data={"email": "mia@example.com", "password": DEFAULT_PASSWORD})
    other = hold_write_lock(path)
    answers: list[int] = []
    # Given a manager creating a cohort while another worker writes
    form = {"name": "Autumn 2027", "stall_days": "30"}
    poster = threading.Thread(
        target=lambda: answers.append(client.post("/programme/cohorts/new", data=form).status_code)
    )
    poster.start()
    time.sleep(0.2)  # let the post reach the lock (it passes either way; this only makes it wait)
    # When the other write ends, the post goes through (it waited for the lock instead of failing)
    other.execute("COMMIT")
    other.close()
    poster.join()
    assert answers == [302]
    with app.app_context():
        assert database.session.execute(select(Cohort.stall_days).where(Cohort.name == "Spring 2027")).scalar_one()
        assert database.session.execute(select(Cohort.id).where(Cohort.name == "Autumn 2027")).first() is not None
