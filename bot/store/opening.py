"""Opening the database: bring its schema up to date, then start the store's runner.

On SQLite the schema revision is read with `sqlite3` itself; Alembic (and SQLAlchemy
under it) is loaded only when a migration is actually due, and the bot can run that
migration in a child process so the serving process never carries their memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
from pathlib import Path

from bot.store import Store
from bot.store.sqlite_runner import SqliteRunner

# The newest migration the code ships (a test holds it equal to Alembic's head).
SCHEMA_REVISION = "0004"


class MigrationFailed(Exception):
    """The schema could not be brought up to date; the message is one readable line."""


def sqlite_path(url: str) -> str | None:
    """The file of a `sqlite[+driver]:///path` URL, or None for any other database."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.split("+")[0] != "sqlite":
        return None
    path = rest.removeprefix("/").split("?")[0]
    return path or ":memory:"


def schema_revision(path: str) -> str | None:
    """The revision Alembic recorded in the file; None for a new or empty database."""
    if not Path(path).exists():
        return None
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            return None
    return None if row is None else str(row[0])


async def open_store(database_url: str, *, migrate_in_child: bool = False) -> Store:
    """A started store on an up-to-date schema."""
    path = sqlite_path(database_url)
    if path is None:
        return await _open_with_sqlalchemy(database_url)
    if path == ":memory:":
        raise MigrationFailed("an in-memory SQLite database can't be shared; use a file")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if await asyncio.to_thread(schema_revision, path) != SCHEMA_REVISION:
        if migrate_in_child:
            await _migrate_in_child(database_url)
        else:
            await _migrate_here(database_url)
    runner = SqliteRunner(path)
    await runner.start()
    return Store(runner)


async def _migrate_here(database_url: str) -> None:
    from bot import database  # Alembic and SQLAlchemy: only when a migration is due

    engine = database.create_engine(database_url)
    try:
        await database.upgrade(engine)
    finally:
        await engine.dispose()


async def _migrate_in_child(database_url: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "db",
        "upgrade",
        env={**os.environ, "DATABASE_URL": database_url},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, error = await process.communicate()
    if process.returncode != 0:
        lines = error.decode(errors="replace").strip().splitlines()
        raise MigrationFailed(lines[-1] if lines else f"migration exited {process.returncode}")


async def _open_with_sqlalchemy(database_url: str) -> Store:
    from bot import database
    from bot.store.sa_runner import SqlAlchemyRunner

    engine = database.create_engine(database_url)
    try:
        await database.upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    runner = SqlAlchemyRunner(engine)
    await runner.start()
    return Store(runner)
