"""Database plumbing: declarative base, UTC datetimes, SQLite pragmas and write transactions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_app_context
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


def configure_engine(engine: Engine) -> None:
    """Make SQLite safe for concurrent use: WAL, a busy timeout, foreign keys, BEGIN IMMEDIATE."""
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
        # Every transaction takes the write lock up front: a read-then-write can then
        # neither fail with "database is locked" half-way nor lose another's update.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def locked(statement: Select) -> Select:
    """A SELECT that locks the rows it reads until the transaction ends (FOR UPDATE).

    Services that read a row and then write it back (a counter, a status check before a change)
    must read through this, so two requests cannot both read the old value and one update be lost.
    PostgreSQL locks the rows; SQLite has no row locks, and instead every transaction there already
    holds the database's write lock from its start (BEGIN IMMEDIATE above).
    """
    return statement.with_for_update()
