"""Opening the database engine and bringing its schema up to date."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

import migrations
from bot.config import sqlite_file
from bot.failures import DatabaseUnusable, os_reason

log = logging.getLogger(__name__)

# Seconds to wait for PostgreSQL to accept a connection (asyncpg's default is 60).
CONNECT_TIMEOUT = 10
# Connections this engine keeps open to PostgreSQL, and no more. It migrates and copies
# (`db copy-to`) on one connection; the bot's store has its own on threads of its own
# (bot.store.pg_runner.THREADS).
POOL_SIZE = 20


def create_engine(url: str) -> AsyncEngine:
    """An async engine, not connected yet; for SQLite, WAL, foreign keys, a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(
            url,
            pool_size=POOL_SIZE,
            max_overflow=0,
            pool_timeout=60,
            connect_args={"timeout": CONNECT_TIMEOUT},
        )
    engine = create_async_engine(url)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Writers queue behind each other instead of failing with "database is locked".
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def describe(url: str) -> str:
    """Where the data lives, for the log and for errors; never the password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(url)
        return f"SQLite database {path}" if path else "in-memory SQLite database"
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"
    return f"PostgreSQL database at {where}"


async def open_database(url: str) -> AsyncEngine:
    """An engine on a reachable database with the newest schema, or DatabaseUnusable.
    (A SQLite folder is checked before this, without SQLAlchemy: `bot.store.opening`.)"""
    log.info("using the %s", describe(url))
    engine = create_engine(url)
    try:
        await upgrade(engine)
    except BaseException as exc:
        await engine.dispose()
        reason = unusable_reason(exc)
        if reason is None:
            raise
        raise DatabaseUnusable(f"cannot use the {describe(url)}: {reason}") from None
    return engine


def unusable_reason(error: BaseException) -> str | None:
    """Why the database cannot be used, in a few words; None for a bug (not its fault)."""
    if isinstance(error, socket.gaierror):
        return "its host name could not be resolved"
    if isinstance(error, TimeoutError):
        return f"no answer within {CONNECT_TIMEOUT} s"
    if isinstance(error, OSError):
        return os_reason(error)
    if isinstance(error, DBAPIError):
        # The database's own message (SQLite's or PostgreSQL's), e.g. `role "x" does not exist`.
        lines = str(error.orig).strip().splitlines()
        return lines[0] if lines else "the database refused the connection"
    if isinstance(error, CommandError):
        return "its schema is at a revision this version of legday does not know"
    return None


# The key of the PostgreSQL advisory lock migrations hold: "legday" in ASCII.
MIGRATION_LOCK = int.from_bytes(b"legday", "big")


def alembic_config(url: str) -> Config:
    """An Alembic config that finds the migrations inside the installed package."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> str | None:
    """Apply every pending migration (up to `revision`: the tests walk them one by one);
    returns the revision the database is at."""

    def run(connection: Connection) -> str | None:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        # SQLite rebuilds a table to alter it; with foreign keys on, dropping the old
        # table would cascade into the rows that point at it (a schedule's deliveries).
        if sqlite:
            await _sqlite_foreign_keys(connection, enabled=False)
        try:
            async with connection.begin():
                if connection.dialect.name == "postgresql":
                    # Several processes may start at once on a new database (the shards):
                    # one migrates while the others wait here, then find nothing to do.
                    # The lock is the transaction's: the commit (or a crash) lets go of it.
                    await connection.exec_driver_sql(
                        f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"
                    )
                reached = await connection.run_sync(run)
                if sqlite:
                    dangling = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if dangling:
                        raise RuntimeError(f"migration left dangling references: {dangling[:5]}")
        finally:
            if sqlite:
                await _sqlite_foreign_keys(connection, enabled=True)
    log.info("database schema at revision %s", reached)
    return reached


async def _sqlite_foreign_keys(connection: AsyncConnection, *, enabled: bool) -> None:
    # The pragma is silently ignored inside a transaction, so it runs between two.
    await connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")
    await connection.commit()


def head_revision() -> str | None:
    """The newest revision the code ships."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
