"""`flask --app mentoring backup PATH`: a consistent, checked copy of the live SQLite database."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from mentoring.extensions import db as database
from mentoring.models import AuditEvent
from mentoring.services.infra import audit

BATCH = 10


@pytest.fixture
def live_site(make_app, tmp_path: Path) -> Flask:
    """A site on its own migrated SQLite file (so this runs in the PostgreSQL pass of the suite too)."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")
    with app.app_context():
        upgrade()
    return app


def _backup(app: Flask, target: Path | str):
    return app.test_cli_runner().invoke(args=["backup", str(target)])


def _write_batches(app: Flask, started: threading.Event, stop: threading.Event) -> None:
    """Keep writing: each transaction adds BATCH audit events, so a consistent copy holds a multiple of BATCH."""
    with app.app_context():
        while not stop.is_set():
            for n in range(BATCH):
                audit.record("test.batch", object_type="n", object_id=n)
            database.session.commit()
            started.set()


def test_backup_copies_a_live_database_consistently(live_site, tmp_path):
    # Given a site that keeps writing while the backup runs
    started, stop = threading.Event(), threading.Event()
    writer = threading.Thread(target=_write_batches, args=(live_site, started, stop))
    writer.start()
    try:
        assert started.wait(10)
        # When the backup command runs
        result = _backup(live_site, tmp_path / "copy.db")
    finally:
        stop.set()
        writer.join()
    # Then it succeeds, and the copy passes SQLite's integrity check on its own
    assert result.exit_code == 0, result.output
    assert "integrity check ok" in result.output
    copy = sqlite3.connect(tmp_path / "copy.db")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # And it is one consistent moment: only whole transactions, and the schema at head
        copied = copy.execute("SELECT count(*) FROM audit_event WHERE action = 'test.batch'").fetchone()[0]
        assert copied > 0 and copied % BATCH == 0
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [(_head_revision(),)]
        assert copy.execute("SELECT count(*) FROM skill").fetchone()[0] > 0
    finally:
        copy.close()
    # While the live site went on writing after it
    with live_site.app_context():
        live = database.session.execute(select(func.count(AuditEvent.id))).scalar_one()
    assert live >= copied


def _one_sentence_refusal(result) -> str:
    assert result.exit_code != 0
    message = result.output.strip()
    assert message.startswith("Error: ")
    assert len(message.splitlines()) == 1 and message.endswith(".")
    return message


def test_backup_refuses_to_overwrite_an_existing_file(live_site, tmp_path):
    existing = tmp_path / "earlier-backup.db"
    existing.write_bytes(b"an earlier backup")
    message = _one_sentence_refusal(_backup(live_site, existing))
    assert "already exists" in message
    assert existing.read_bytes() == b"an earlier backup"


def test_backup_refuses_a_folder_that_does_not_exist(live_site, tmp_path):
    message = _one_sentence_refusal(_backup(live_site, tmp_path / "missing" / "copy.db"))
    assert "does not exist" in message


def test_backup_refuses_a_place_it_cannot_write(live_site, tmp_path):
    if os.geteuid() == 0:
        target = Path("/proc/copy.db")  # root may write anywhere except such a filesystem
    else:
        locked_folder = tmp_path / "read-only"
        locked_folder.mkdir(mode=0o500)
        target = locked_folder / "copy.db"
    message = _one_sentence_refusal(_backup(live_site, target))
    assert "writable" in message or "cannot be created" in message
    assert not target.exists()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql+psycopg://postgres@127.0.0.1:5432/anything", "SQLite databases only"),
        ("sqlite://", "in memory"),
    ],
)
def test_backup_refuses_a_database_that_is_not_a_sqlite_file(make_app, tmp_path, url, words):
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    message = _one_sentence_refusal(_backup(app, tmp_path / "copy.db"))
    assert words in message
    assert not (tmp_path / "copy.db").exists()


def _head_revision() -> str:
    """The newest migration's revision id."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from mentoring import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()
