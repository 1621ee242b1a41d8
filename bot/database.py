"""Opening the database engine and bringing its schema up to date."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

import migrations

log = logging.getLogger(__name__)


def create_engine(url: str) -> AsyncEngine:
    """An async engine; for SQLite, a file with WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
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


def alembic_config(url: str) -> Config:
    """An Alembic config that finds the migrations inside the installed package."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine) -> str | None:
    """Apply every pending migration; returns the revision the database is at."""

    def run(connection: Connection) -> str | None:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        # SQLite rebuilds a table to alter it; with foreign keys on, dropping the old
        # table would cascade into the rows that point at it (a schedule's deliveries).
        if sqlite:
            await _sqlite_foreign_keys(connection, enabled=False)
        try:
            async with connection.begin():
                revision = await connection.run_sync(run)
                if sqlite:
                    dangling = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if dangling:
                        raise RuntimeError(f"migration left dangling references: {dangling[:5]}")
        finally:
            if sqlite:
                await _sqlite_foreign_keys(connection, enabled=True)
    log.info("database schema at revision %s", revision)
    return revision


async def _sqlite_foreign_keys(connection: AsyncConnection, *, enabled: bool) -> None:
    # The pragma is silently ignored inside a transaction, so it runs between two.
    await connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")
    await connection.commit()


def head_revision() -> str | None:
    """The newest revision the code ships."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
