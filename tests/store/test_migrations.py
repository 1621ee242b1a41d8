"""The real migrations against a real SQLite file: head, idempotence, schema parity, cycle."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.schema import CreateIndex

from bot import database
from bot.schema import metadata
from bot.store import Store, Tx

APP_TABLES = {
    "guilds",
    "members",
    "checkins",
    "member_stats",
    "member_periods",
    "board_scores",
    "meta",
    "quotes",
    "schedules",
    "deliveries",
    "member_pauses",
    "weekly_posts",
    "member_nudges",
    "lift_sets",
    "milestone_roles",
    "member_roles",
}


def _tables(connection: Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


def _schema_sql(connection: Connection) -> list[tuple[str, str]]:
    """Tables, columns and indexes as the backend reports them (any dialect)."""
    inspector = sa.inspect(connection)
    shape = []
    for table in sorted(inspector.get_table_names()):
        columns = [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)]
        indexes = sorted(
            (i["name"] or "", tuple(i["column_names"])) for i in inspector.get_indexes(table)
        )
        shape.append((table, repr((columns, indexes))))
    return shape


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_head_revision_is_the_last_shipped_migration():
    assert database.head_revision() == "0006"


async def test_upgrade_of_a_fresh_database_reaches_head(db_path):
    engine = database.create_engine(f"sqlite+aiosqlite:///{db_path}")
    try:
        assert not db_path.exists() or db_path.stat().st_size == 0
        revision = await database.upgrade(engine)
        assert revision == database.head_revision()
        async with engine.connect() as conn:
            assert await conn.run_sync(_current_revision) == database.head_revision()
            assert APP_TABLES | {"alembic_version"} == await conn.run_sync(_tables)
    finally:
        await engine.dispose()


async def test_second_upgrade_is_a_no_op(engine: AsyncEngine):
    async with engine.connect() as conn:
        before = await conn.run_sync(_schema_sql)
    assert await database.upgrade(engine) == database.head_revision()
    async with engine.connect() as conn:
        after = await conn.run_sync(_schema_sql)
        versions = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).all()
    assert after == before
    assert versions == [(database.head_revision(),)]


def _ordered(index: sa.Index) -> bool:
    """An index with a DESC column, which Alembic can only compare approximately."""
    return any(not isinstance(part, sa.Column) for part in index.expressions)


ORDERED_INDEXES = {
    index.name: index
    for table in metadata.tables.values()
    for index in table.indexes
    if _ordered(index)
}


def _column_list(ddl: str) -> str:
    """`a, b DESC, c` out of a CREATE INDEX statement, whatever the dialect adds around it."""
    inside = ddl[ddl.index("(") + 1 : ddl.rindex(")")]
    return ", ".join(part.strip() for part in inside.split(","))


async def test_migrated_schema_matches_the_metadata(engine: AsyncEngine):
    def skip_ordered(obj: object, name: str | None, type_: str, *_: object) -> bool:
        return not (type_ == "index" and name in ORDERED_INDEXES)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": skip_ordered}
        )
        return compare_metadata(context, metadata)

    def ordered_ddl(connection: Connection) -> dict[str, str]:
        if connection.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        else:
            rows = connection.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            )
        return {name: _column_list(ddl) for name, ddl in rows if name in ORDERED_INDEXES}

    async with engine.connect() as conn:
        diff = await conn.run_sync(differences)
        migrated = await conn.run_sync(ordered_ddl)
    # No explained exceptions needed: tables, columns, types, indexes and the FK all agree.
    assert diff == []
    # The ordered indexes, compared by their column lists, directions included.
    expected = {
        name: _column_list(str(CreateIndex(index).compile(dialect=engine.dialect)))
        for name, index in ORDERED_INDEXES.items()
    }
    assert migrated == expected


async def test_downgrade_to_base_and_upgrade_again(engine: AsyncEngine):
    url = engine.url.render_as_string(hide_password=False)

    def cycle(connection: Connection) -> tuple[set[str], str | None, set[str], str | None]:
        config = database.alembic_config(url)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        at_base = (_tables(connection), _current_revision(connection))
        command.upgrade(config, "head")
        return (*at_base, _tables(connection), _current_revision(connection))

    async with engine.begin() as conn:
        base_tables, base_rev, head_tables, head_rev = await conn.run_sync(cycle)
    assert base_rev is None
    assert base_tables & APP_TABLES == set()
    assert head_rev == database.head_revision()
    assert head_tables >= APP_TABLES


async def test_downgrade_to_0001_drops_only_the_reminder_tables(engine: AsyncEngine):
    url = engine.url.render_as_string(hide_password=False)

    def step(connection: Connection) -> tuple[set[str], str | None]:
        config = database.alembic_config(url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
        return _tables(connection), _current_revision(connection)

    async with engine.begin() as conn:
        tables, revision = await conn.run_sync(step)
    assert revision == "0001"
    assert tables & APP_TABLES == APP_TABLES - {
        "schedules",
        "deliveries",
        "member_periods",
        "board_scores",
        "member_pauses",
        "weekly_posts",
        "member_nudges",
        "lift_sets",
        "milestone_roles",
        "member_roles",
        "meta",
    }


async def test_sqlite_pragmas_are_on(store: Store):
    if store.dialect != "sqlite":
        pytest.skip("SQLite pragmas")

    def pragmas(tx: Tx) -> tuple[object, ...]:
        return tuple(
            tx.scalar(f"PRAGMA {name}") for name in ("journal_mode", "foreign_keys", "busy_timeout")
        )

    journal, foreign_keys, busy = await store.read(pragmas)
    assert journal == "wal"
    assert foreign_keys == 1
    assert busy == 5000
