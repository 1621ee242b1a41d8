"""`legday db copy-to URL`: every row of the bot's SQLite database into an empty
PostgreSQL one, for the move from one process to several (README, "Growing").

Both databases are brought to the newest schema first, so the copy is table by table with
the same columns; one transaction on the target, so a failed copy leaves it empty. The
bot must be stopped meanwhile: what it wrote during the copy would stay behind.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import database, schema
from bot.config import Config, ConfigError, parse_database_url
from bot.failures import DatabaseUnusable
from bot.runner import open_store, refuse_moved_database
from bot.urls import sqlite_database

BATCH = 5_000


async def copy_to(settings: Config, target_url: str) -> str:
    """Copy, check the counts, and say what was copied where."""
    refuse_moved_database(settings)
    source_path = settings.sqlite_path
    if source_path is None:
        raise ConfigError(
            "db copy-to copies a SQLite database into PostgreSQL, and DATABASE_URL "
            "already names a PostgreSQL one"
        )
    if not source_path.is_file():
        raise DatabaseUnusable(
            f"there is no database at {source_path} to copy (check DATABASE_URL and "
            "LEGDAY_DATA_DIR)"
        )
    try:
        target = parse_database_url(target_url)
    except ValueError as error:
        raise ConfigError(f"the target database: {error}") from None
    if sqlite_database(target) is not None:
        raise ConfigError(
            "the target must be a PostgreSQL database (postgresql://USER@HOST/DB); "
            "to copy the SQLite file itself use `legday db backup`"
        )
    store = await open_store(settings)  # for its migrations: both schemas are the newest
    await store.close()
    source = database.create_engine(settings.database_url)
    destination = await database.open_database(target)
    try:
        async with source.connect() as reading, destination.begin() as writing:
            await _refuse_data(writing)
            counts = {t.name: await _copy_table(t, reading, writing) for t in _tables()}
            for table in _tables():
                await _restart_numbering(table, writing)
            await _check_counts(counts, writing)
    finally:
        await source.dispose()
        await destination.dispose()
    rows = sum(counts.values())
    return (
        f"copied {rows:,} rows of {len(counts)} tables from the "
        f"{database.describe(settings.database_url)}\nto the {database.describe(target)}; "
        "set DATABASE_URL to it and start the bot"
    )


def _tables() -> list[sa.Table]:
    return list(schema.metadata.sorted_tables)  # parents before the rows that point at them


async def _refuse_data(writing: AsyncConnection) -> None:
    for table in _tables():
        if (await writing.execute(sa.select(sa.literal(1)).select_from(table).limit(1))).first():
            raise ConfigError(
                f"the target database already holds data ({table.name} has rows); "
                "copy-to only fills an empty one"
            )


async def _copy_table(table: sa.Table, reading: AsyncConnection, writing: AsyncConnection) -> int:
    copied = 0
    result = await reading.stream(sa.select(table))
    async for batch in result.mappings().partitions(BATCH):
        rows: list[dict[str, Any]] = [dict(row) for row in batch]
        await writing.execute(sa.insert(table), rows)
        copied += len(rows)
    return copied


async def _restart_numbering(table: sa.Table, writing: AsyncConnection) -> None:
    """Rows were copied with their ids: the next id PostgreSQL hands out follows them."""
    column = table.autoincrement_column
    if column is None:
        return
    await writing.execute(
        sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
            f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
        )
    )


async def _check_counts(counts: dict[str, int], writing: AsyncConnection) -> None:
    for table in _tables():
        found = (await writing.execute(sa.select(sa.func.count()).select_from(table))).scalar()
        if found != counts[table.name]:
            raise DatabaseUnusable(
                f"the copy of {table.name} has {found} rows, not {counts[table.name]}; "
                "nothing was kept"
            )
