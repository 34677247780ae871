"""Database plumbing: declarative base, UTC datetimes, SQLite pragmas and write transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import DateTime, MetaData, Select, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model, with stable constraint names for Alembic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC: the app's CLOCK setting when one is set (tests), else the system clock."""
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    return clock() if clock is not None else datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A datetime stored as UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Store aware datetimes converted to UTC; naive ones are taken to be UTC already."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


SQLITE_BUSY_TIMEOUT_MS = 10_000
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITING = "_sqlite_write_transaction"
_READING: ContextVar[bool] = ContextVar("sqlite_read_only", default=False)


def _takes_write_lock() -> bool:
    """Whether a transaction starting now should take SQLite's write lock at its start.

    Yes for anything outside a read-only request (a form post, the CLI, a script, a job), because its
    use case reads and then writes, and only a lock taken before the first read lets it neither fail
    half-way with "database is locked" nor lose another's update. A read-only request (GET, HEAD) reads
    in a deferred transaction, which in WAL mode never waits for a writer; its few writes (the
    once-a-minute login-session touch, an audit line for an export) go through `writing()`.
    """
    if _READING.get():
        return False
    if not has_request_context():
        return True
    return request.method not in READ_METHODS or bool(g.get(_WRITING))


@contextmanager
def writing() -> Iterator[None]:
    """A write inside a read-only request: ends its read transaction, and the next one takes the write lock.

    Elsewhere (a form post, the CLI) every transaction already takes the lock, so this changes nothing.
    """
    if not has_request_context() or request.method not in READ_METHODS or g.get(_WRITING):
        yield
        return
    from mentoring.extensions import db

    if db.session().in_transaction():
        db.session.commit()  # a read so far; a deferred transaction must not be upgraded to a write
    setattr(g, _WRITING, True)
    try:
        yield
    finally:
        g.pop(_WRITING, None)


@contextmanager
def reading() -> Iterator[None]:
    """A long read outside a request (a job computing figures): SQLite's write lock is not taken meanwhile.

    The transactions inside read only; the one in progress is ended before and after, so the write that
    follows takes the lock then. Elsewhere than SQLite this changes nothing.
    """
    from mentoring.extensions import db

    if db.session().in_transaction():
        db.session.commit()
    token = _READING.set(True)
    try:
        yield
    finally:
        if db.session().in_transaction():
            db.session.commit()  # a read: ends the (deferred) transaction
        _READING.reset(token)


def configure_engine(engine: Engine) -> None:
    """Make SQLite safe for concurrent use: WAL, a busy timeout, foreign keys, BEGIN IMMEDIATE for writers."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module so we can say IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the write lock up front (see _takes_write_lock); a reader never waits for it.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _takes_write_lock() else "BEGIN")


def locked(statement: Select) -> Select:
    """A SELECT that locks the rows it reads until the transaction ends (FOR UPDATE).

    Services that read a row and then write it back (a counter, a status check before a change)
    must read through this, so two requests cannot both read the old value and one update be lost.
    PostgreSQL locks the rows; SQLite has no row locks, and instead every transaction that may write
    (everything but a read-only request, see `_takes_write_lock`) holds the database's write lock
    from its start (BEGIN IMMEDIATE above).
    """
    return statement.with_for_update()
