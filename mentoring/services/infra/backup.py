"""Backups of the embedded SQLite database, taken while the site runs.

The copy goes through SQLite's online backup API (`sqlite3.Connection.backup`), which reads a
consistent snapshot even while other connections write; copying the file could catch a
half-written page or miss the WAL file. The copy is checked with `PRAGMA integrity_check`.
PostgreSQL has its own tools (pg_dump), so the command refuses other databases.

`flask --app mentoring backup PATH` (mentoring/cli.py) calls `backup_database`.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from mentoring.services import ServiceError

BUSY_TIMEOUT_SECONDS = 30


class BackupError(ServiceError):
    """The backup cannot be made; the message says why in one sentence."""


@dataclass(frozen=True)
class BackupResult:
    """A finished backup: where it went and how big it is."""

    source: Path
    target: Path
    pages: int
    size_bytes: int


def sqlite_file(database_url: str) -> Path:
    """The file of a SQLite database URL; refuses other databases and in-memory ones."""
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise BackupError("The database URL cannot be read, so there is nothing to back up.") from exc
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"The backup command copies SQLite databases only; this site uses {url.get_backend_name()}, "
            "so use its own tools (for PostgreSQL, pg_dump)."
        )
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        raise BackupError("The database is in memory, so there is no file to back up.")
    return Path(url.database)


def _check_target(target: Path) -> None:
    if target.exists():
        raise BackupError(f"{target} already exists; give a new file name so no earlier backup is overwritten.")
    folder = target.parent
    if not folder.is_dir():
        raise BackupError(f"The folder {folder} does not exist; create it first or choose another path.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BackupError(f"The folder {folder} is not writable by this user; choose another path.")


def backup_sqlite(source: Path, target: Path) -> BackupResult:
    """Copy the live SQLite database `source` into the new file `target`, then check the copy."""
    _check_target(target)
    if not source.is_file():
        raise BackupError(f"The database file {source} does not exist, so there is nothing to back up.")
    try:
        # Create the target exclusively: a file that appeared meanwhile is never overwritten.
        target.open("xb").close()
    except FileExistsError as exc:
        raise BackupError(f"{target} already exists; give a new file name.") from exc
    except OSError as exc:
        raise BackupError(f"{target} cannot be created: {exc.strerror}.") from exc
    try:
        pages = _copy(source, target)
    except (sqlite3.Error, BackupError):
        target.unlink(missing_ok=True)
        raise
    return BackupResult(source=source, target=target, pages=pages, size_bytes=target.stat().st_size)


def _copy(source: Path, target: Path) -> int:
    with (
        closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)) as live,
        closing(sqlite3.connect(target)) as copy,
    ):
        # One step (pages=-1): the whole database is read under one read lock, so the copy is one
        # consistent moment even while the site keeps writing (WAL lets writers go on meanwhile).
        live.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        verdict = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        if verdict != ["ok"]:
            raise BackupError(f"The copy failed its integrity check ({'; '.join(verdict)[:200]}).")
        return int(copy.execute("PRAGMA page_count").fetchone()[0])


def backup_database(database_url: str, target: Path) -> BackupResult:
    """Back up the site's database (it must be SQLite) to `target`."""
    return backup_sqlite(sqlite_file(database_url), target)
