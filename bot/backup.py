"""`legday db backup PATH`: a verified copy of the SQLite database, safe while the bot runs."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from bot.config import Config, ConfigError
from bot.failures import DatabaseUnusable
from bot.runner import refuse_moved_database


def backup(settings: Config, target: Path) -> str:
    """Copy the database to `target`, check the copy, and describe it in two lines."""
    refuse_moved_database(settings)
    source = settings.sqlite_path
    if source is None:
        raise ConfigError("db backup works for a SQLite database; use pg_dump for PostgreSQL")
    if not source.is_file():
        # sqlite3.connect would create an empty file here and "back it up".
        raise DatabaseUnusable(
            f"there is no database at {source} to back up (check DATABASE_URL and LEGDAY_DATA_DIR)"
        )
    target = target.expanduser().absolute()
    if not target.parent.is_dir():
        raise ConfigError(f"the folder {target.parent} does not exist; create it first")
    if target.is_dir():
        raise ConfigError(f"{target} is a folder; name the backup file, e.g. {target}/legday.db")
    if target.exists() and target.samefile(source):
        raise ConfigError("the backup must go to another file than the database itself")

    # Written beside the target and renamed at the end: a failed copy never replaces a
    # good older backup, and nobody sees a half-written file.
    partial = target.with_name(target.name + ".partial")
    try:
        _copy(source, partial)
        counts = _verify(partial)
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    rows = " · ".join(f"{table} {count:,}" for table, count in counts.items())
    return (
        f"backed up {source} to {target}: {_size(target.stat().st_size)}, integrity ok\n"
        f"rows: {rows or 'no tables'}"
    )


def _copy(source: Path, target: Path) -> None:
    try:
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dest:
            # SQLite's online backup API: a consistent snapshot even while the bot writes.
            src.backup(dest)
            # One self-contained file: no -wal/-shm companions for the copy.
            dest.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise DatabaseUnusable(f"cannot back up {source}: {exc}") from None


def _verify(copy: Path) -> dict[str, int]:
    with closing(sqlite3.connect(copy)) as conn:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise DatabaseUnusable(f"the copy failed its integrity check: {problems[0]}")
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version' ORDER BY name"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
