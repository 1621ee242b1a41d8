"""Opening the database: bring its schema up to date, then start the store's runner.

On SQLite the schema revision is read with `sqlite3` itself; Alembic (and SQLAlchemy
under it) is loaded only when a migration is actually due, and the bot can run that
migration in a child process so the serving process never carries their memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import sys
from pathlib import Path

from bot.store import Store
from bot.store.sqlite_runner import SqliteRunner
from bot.urls import sqlite_database

log = logging.getLogger(__name__)

# The newest migration the code ships (a test holds it equal to Alembic's head).
SCHEMA_REVISION = "0006"


class DatabaseUnavailable(Exception):
    """The database can't be opened or brought up to date; the message is one line."""


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
    """A started store on an up-to-date schema, or DatabaseUnavailable."""
    path = sqlite_database(database_url)
    if path is None:
        return await _open_with_sqlalchemy(database_url)
    if path == ":memory:":
        raise DatabaseUnavailable("an in-memory SQLite database can't be shared; use a file")
    log.info("using the SQLite database %s", prepare_folder(Path(path)))
    try:
        revision = await asyncio.to_thread(schema_revision, path)
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(f"cannot use the SQLite database {path}: {exc}") from None
    if revision != SCHEMA_REVISION:
        if migrate_in_child:
            await _migrate_in_child(database_url)
        else:
            await _migrate_here(database_url)
    runner = SqliteRunner(path)
    try:
        await runner.start()
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(f"cannot use the SQLite database {path}: {exc}") from None
    return Store(runner)


def prepare_folder(path: Path) -> Path:
    """The database's folder exists and is writable (SQLite writes its -wal and -shm
    files beside the database, so the folder must be writable even when the file exists)."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise DatabaseUnavailable(f"the data folder {folder} is a file, not a folder") from None
    except OSError as exc:
        reason = os.strerror(exc.errno).lower() if exc.errno else "cannot create it"
        raise DatabaseUnavailable(f"cannot create the data folder {folder}: {reason}") from None
    if path.is_dir():
        raise DatabaseUnavailable(f"the SQLite database {path} is a folder, not a file")
    if not os.access(folder, os.W_OK):
        raise DatabaseUnavailable(f"the data folder {folder} is not writable by this user")
    return path.absolute()


async def _migrate_here(database_url: str) -> None:
    from bot import database  # Alembic and SQLAlchemy: only when a migration is due

    engine = database.create_engine(database_url)
    try:
        await database.upgrade(engine)
    except Exception as exc:
        reason = database.unusable_reason(exc)
        if reason is None:
            raise
        raise DatabaseUnavailable(
            f"cannot use the {database.describe(database_url)}: {reason}"
        ) from None
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
        last = lines[-1].removeprefix("legday: ") if lines else ""
        raise DatabaseUnavailable(last or f"the migration stopped with code {process.returncode}")


async def _open_with_sqlalchemy(database_url: str) -> Store:
    # Alembic (on SQLAlchemy) brings the schema up to date; the bot then serves through
    # psycopg on threads of its own (bot.store.pg_runner), not through the engine.
    from bot import database
    from bot.store.pg_runner import PgRunner, Unreachable, postgres_dsn

    engine = await database.open_database(database_url)  # its errors are one line already
    await engine.dispose()
    runner = PgRunner(postgres_dsn(database_url))
    try:
        await runner.start()
    except Unreachable as exc:
        raise DatabaseUnavailable(
            f"cannot use the {database.describe(database_url)}: {exc}"
        ) from None
    return Store(runner)
