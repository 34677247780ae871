"""Data safety under concurrency: SQLite pragmas and write locks; no lost update with 8 threads."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

from mentoring.database import SQLITE_BUSY_TIMEOUT_MS, locked
from mentoring.extensions import db as database
from mentoring.models import Cohort

THREADS = 8
ROUNDS = 25


@pytest.fixture
def sqlite_app(make_app, tmp_path: Path) -> Flask:
    """An app on its own SQLite file (in both the SQLite and the PostgreSQL pass of the suite)."""
    return make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'pragmas.db'}")


def test_sqlite_runs_with_wal_a_busy_timeout_and_foreign_keys(sqlite_app):
    # When the app opens a connection
    with sqlite_app.app_context():
        pragma = {
            name: database.session.execute(text(f"PRAGMA {name}")).scalar_one()
            for name in ("journal_mode", "busy_timeout", "foreign_keys")
        }
        database.session.rollback()
    # Then it is in WAL mode, waits at least 5 s for a lock, and enforces foreign keys
    assert pragma == {"journal_mode": "wal", "busy_timeout": SQLITE_BUSY_TIMEOUT_MS, "foreign_keys": 1}
    assert SQLITE_BUSY_TIMEOUT_MS >= 5000


def test_every_sqlite_transaction_takes_the_write_lock_at_its_start(sqlite_app, tmp_path):
    other = sqlite3.connect(tmp_path / "pragmas.db", timeout=0, isolation_level=None)
    with sqlite_app.app_context():
        # Given a transaction of the app that has only read so far
        database.session.execute(select(1))
        # Then nobody else can start writing: the app's BEGIN IMMEDIATE holds the write lock already,
        # so its own later write can never fail half-way with "database is locked"
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        database.session.rollback()
    # And once it ends, others can write
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


def add_one_to_each(app: Flask, cohort_ids: list[int]) -> None:
    """A read-then-write use case in the services' style: read the rows (locked), add one, commit."""
    with app.app_context():
        cohorts = (
            database.session.execute(locked(select(Cohort).where(Cohort.id.in_(cohort_ids)).order_by(Cohort.id)))
            .scalars()
            .all()
        )
        for cohort in cohorts:
            cohort.stall_days = cohort.stall_days + 1  # read in Python, written back: a lost update if unlocked
        database.session.commit()


def test_eight_threads_reading_then_writing_the_same_rows_lose_no_update(app, db, make_cohort):
    # Given two rows holding counters
    ids = [make_cohort(stall_days=0).id, make_cohort(stall_days=1000).id]
    db.commit()
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def worker() -> None:
        start.wait()
        try:
            for _ in range(ROUNDS):
                add_one_to_each(app, ids)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)

    # When 8 threads each add one to both, 25 times, all at once
    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then no thread met "database is locked" (or any error), and every update is there
    assert errors == []
    db.expire_all()
    counters = db.execute(select(Cohort.stall_days).where(Cohort.id.in_(ids)).order_by(Cohort.id)).scalars().all()
    assert counters == [THREADS * ROUNDS, 1000 + THREADS * ROUNDS]


def test_locked_adds_for_update_on_postgresql(app):
    statement = locked(select(Cohort).where(Cohort.id == 1))
    if database.engine.dialect.name == "postgresql":
        assert "FOR UPDATE" in str(statement.compile(dialect=database.engine.dialect))
    else:
        # SQLite has no row locks; BEGIN IMMEDIATE (tested above) serialises writers instead
        assert "FOR UPDATE" not in str(statement.compile(dialect=database.engine.dialect))


def test_simultaneous_proposals_for_the_same_slot_leave_one_session(app, db, make_pair, skills):
    # Given a published pair, and both people about to propose the same hour at the same moment
    from datetime import datetime, timedelta

    from mentoring.models import Meeting, Person
    from mentoring.services import ServiceError
    from mentoring.services.usecases import meetings

    match = make_pair()
    people = [match.leader_id, match.mentor_id]
    when = (datetime.now() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    skill, match_id = skills["linkedin/personal-branding"], match.id
    db.commit()  # end this thread's transaction: on SQLite it would hold the write lock
    outcomes: list[str] = []
    start = threading.Barrier(len(people))

    def propose(person_id: int) -> None:
        with app.app_context():
            person = database.session.get(Person, person_id)
            database.session.commit()  # on SQLite even a read holds the write lock until its transaction ends
            start.wait(timeout=30)
            try:
                meetings.propose(person, match_id, when, 60, "remote", [skill])
                outcomes.append("proposed")
            except ServiceError:
                database.session.rollback()
                outcomes.append("refused")

    # When both propose at once (each in its own thread and database session)
    threads = [threading.Thread(target=propose, args=(person_id,)) for person_id in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Then one proposal is stored and the other is refused as a clash
    assert sorted(outcomes) == ["proposed", "refused"]
    assert len(db.execute(select(Meeting).where(Meeting.match_id == match_id)).scalars().all()) == 1
