"""Issue 12, item 9: data survives every migration, and `legday db backup` takes a sound
copy while the bot writes.

Migrations: the revisions are walked in order from Alembic's own list; at each one every
table present gets rows generated from its columns (so a new revision is covered without
touching this file) plus a few hand-written realistic ones, and after each upgrade every
row inserted so far must still be there with its values, with the database's integrity
checks clean. On SQLite and on PostgreSQL.

Backups: the real bot takes a storm of check-ins while backups are taken again and
again; each must open, pass `integrity_check`, and hold a consistent prefix of the storm.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import itertools
import os
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import bot.backup
from bot import database
from bot.config import Config, ConfigError
from bot.store.sqlite_runner import SqliteTx, connect
from bot.usecases import summaries
from fakediscord import FakeDiscord, User
from sandbox.demo import build_demo
from sandbox.stage import Stage
from tests.cli.run import legday_async

POSTGRES_URL = os.environ.get("LEGDAY_TEST_POSTGRES_URL")

# -- migrations ----------------------------------------------------------------------------


# `empty_engine` (tests/conftest.py): an empty SQLite file or PostgreSQL schema.


def revisions_in_order() -> list[str]:
    """Every revision the code ships, oldest first, from Alembic's script directory."""
    script = ScriptDirectory.from_config(database.alembic_config("sqlite://"))
    walked = list(script.walk_revisions("base", "heads"))
    walked.reverse()
    previous = None
    for revision in walked:
        assert revision.down_revision == previous, f"{revision.revision} branches the history"
        previous = revision.revision
    return [r.revision for r in walked]


Recorded = dict[str, list[dict[str, Any]]]

#: Rows as the bot writes them, inserted at the revision that introduced their table, so
#: values that mean something (states, zones, day lists) are in the walk too. Where
#: generation cannot satisfy a future constraint (a CHECK, an enum), rows go here.
HAND_WRITTEN: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "0001": [
        ("guilds", {"guild_id": 1, "timezone": "Europe/Paris", "weekly_target": 2}),
        (
            "members",
            {
                "guild_id": 1,
                "user_id": 10,
                "timezone": "America/New_York",
                "reminders_opt_in": True,
                "hidden": False,
            },
        ),
        (
            "checkins",
            {
                "guild_id": 1,
                "user_id": 10,
                "day": date(2026, 11, 16),
                "created_at": datetime(2026, 11, 16, 18, tzinfo=UTC),
                "note": "front squats 5×5 🦵",
                "source": "command",
            },
        ),
        (
            "quotes",
            {
                "guild_id": 1,
                "text": "Legs feed the wolf.",
                "added_by": 10,
                "created_at": datetime(2026, 11, 1, 10, tzinfo=UTC),
            },
        ),
    ],
    "0002": [
        (
            "schedules",
            {
                "guild_id": 1,
                "channel_id": 100,
                "role_id": 5,
                "days": "0,3",
                "time": "18:00",
                "timezone": "Europe/Paris",
                "nudge_hours": 2,
                "enabled": True,
                "disabled_reason": None,
                "created_at": datetime(2026, 11, 1, 10, tzinfo=UTC),
            },
        ),
    ],
}

#: (revision, table): why that upgrade may change how many rows the table has. None yet:
#: every migration so far keeps every row.
ROW_COUNT_CHANGES: dict[tuple[str, str], str] = {}


def _text(column: sa.Column[Any], n: int) -> str:
    length = getattr(column.type, "length", None) or 200
    if length < 4:
        return "abcdefghijklmnopqrstuvwxyz"[n % 26] * min(length, 1)
    value = f"{column.name[:12]} {n} ✓"  # a non-ASCII character: text must round-trip
    return value[:length] if len(value) <= length else str(n)[-length:]


def generated_value(column: sa.Column[Any], n: int) -> Any:
    """A value of the column's type, different for every `n`; None for every third row
    of a nullable column, so both kinds travel through the migrations."""
    if column.nullable and not column.primary_key and n % 3 == 2:
        return None
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return n % 2 == 0
    if isinstance(kind, sa.BigInteger):
        return 1_200_000_000_000_000_000 + n  # a snowflake: 64 bits must survive
    if isinstance(kind, sa.SmallInteger):
        return n % 7 + 1
    if isinstance(kind, sa.Integer):
        return n + 1
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n, microseconds=n)
    if isinstance(kind, sa.Date):
        return date(2026, 1, 1) + timedelta(days=n)
    if isinstance(kind, sa.String):
        return _text(column, n)
    raise AssertionError(
        f"no generated value for {column.table.name}.{column.name} ({kind!r}): teach "
        "generated_value the type, or put rows for the table in HAND_WRITTEN"
    )


def _assigned_key(table: sa.Table) -> sa.Column[Any] | None:
    """The id column the database hands out: a lone integer key with no reference (a
    BIGINT key is a Discord id, given, never handed out)."""
    keys = list(table.primary_key.columns)
    if len(keys) != 1 or keys[0].foreign_keys:
        return None
    kind = keys[0].type
    if isinstance(kind, sa.Integer) and not isinstance(kind, sa.BigInteger):
        return keys[0]
    return None


def _reflect(conn: Connection) -> sa.MetaData:
    meta = sa.MetaData()
    meta.reflect(conn, only=lambda name, _: name != "alembic_version")
    return meta


def insert_rows(
    conn: Connection, revision: str, recorded: Recorded, counter: list[int], per_table: int = 3
) -> None:
    """Rows into every table the schema has at this revision: generated, then hand-written."""
    meta = _reflect(conn)
    for table in meta.sorted_tables:  # referenced tables first
        assigned = _assigned_key(table)
        for _ in range(per_table):
            counter[0] += 1
            n = counter[0]
            row: dict[str, Any] = {}
            for column in table.columns:
                if column is assigned:
                    continue
                reference = next(iter(column.foreign_keys), None)
                if reference is not None:
                    pool = recorded[reference.column.table.name]
                    row[column.name] = pool[n % len(pool)][reference.column.name]
                else:
                    row[column.name] = generated_value(column, n)
            _insert(conn, table, row, assigned, recorded)
    for name, values in HAND_WRITTEN.get(revision, []):
        table = meta.tables[name]
        _insert(conn, table, dict(values), _assigned_key(table), recorded)


def _insert(
    conn: Connection,
    table: sa.Table,
    row: dict[str, Any],
    assigned: sa.Column[Any] | None,
    recorded: Recorded,
) -> None:
    if assigned is not None and assigned.name not in row:
        row[assigned.name] = conn.execute(table.insert().values(row).returning(assigned)).scalar()
    else:
        conn.execute(table.insert().values(row))
    recorded.setdefault(table.name, []).append(row)


def _same(value: Any) -> Any:
    """Values as every backend hands them back: instants in UTC without an offset."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def check_survivors(conn: Connection, revision: str, recorded: Recorded) -> int:
    """Every recorded row is still there, found by its key, with the values it was given
    (in the columns the table still has); no table gained or lost rows. Returns how many
    rows were checked."""
    meta = _reflect(conn)
    checked = 0
    for name, rows in recorded.items():
        assert name in meta.tables, f"upgrade to {revision} dropped the table {name}"
        table = meta.tables[name]
        count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        if (revision, name) not in ROW_COUNT_CHANGES:
            assert count == len(rows), f"{name} has {count} rows after {revision}, had {len(rows)}"
        keys = [c for c in table.primary_key.columns if c.name in rows[0]]
        assert keys, f"{name} lost its primary key at {revision}"
        for row in rows:
            found = (
                conn.execute(sa.select(table).where(*(c == row[c.name] for c in keys)))
                .mappings()
                .all()
            )
            assert len(found) == 1, f"{name} row {row} is gone after {revision}"
            for column, value in row.items():
                if column in table.columns:
                    assert _same(found[0][column]) == _same(value), (
                        f"{name}.{column} changed at {revision}: {value!r} -> {found[0][column]!r}"
                    )
            checked += 1
    return checked


def check_integrity(conn: Connection) -> None:
    """The database's own checks (SQLite), and every reference resolves (any backend)."""
    if conn.dialect.name == "sqlite":
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    meta = _reflect(conn)
    for table in meta.tables.values():
        for fk in table.foreign_key_constraints:
            parent = fk.referred_table
            on = sa.and_(*(e.column == e.parent for e in fk.elements))
            dangling = conn.execute(
                sa.select(sa.func.count())
                .select_from(table.outerjoin(parent, on))
                .where(*(e.parent.isnot(None) for e in fk.elements))
                .where(*(e.column.is_(None) for e in fk.elements))
            ).scalar()
            assert dangling == 0, f"{table.name} has {dangling} rows pointing nowhere"


async def test_every_revision_upgrades_from_the_previous_one_with_data_in_it(
    empty_engine: AsyncEngine, long_run: bool
) -> None:
    engine = empty_engine
    per_table = 100 if long_run else 3
    revisions = revisions_in_order()
    assert revisions[-1] == database.head_revision()
    recorded: Recorded = {}
    counter = [0]
    checked = 0
    for previous, revision in zip([None, *revisions], revisions, strict=False):
        assert await database.upgrade(engine, revision) == revision
        async with engine.begin() as conn:
            if previous is not None:
                checked = await conn.run_sync(check_survivors, revision, recorded)
            await conn.run_sync(check_integrity)
            await conn.run_sync(insert_rows, revision, recorded, counter, per_table)
    # Head once more through the bot's own start-up path: nothing to do, nothing lost.
    assert await database.upgrade(engine) == revisions[-1]
    async with engine.begin() as conn:
        checked = await conn.run_sync(check_survivors, revisions[-1], recorded)
        await conn.run_sync(check_integrity)
    inserted_before_head = sum(len(rows) for rows in recorded.values())
    assert checked == inserted_before_head
    print(f"\n{len(revisions)} revisions, {checked} rows in {len(recorded)} tables survived")
    # Every table of the newest schema was filled at some revision.
    async with engine.connect() as conn:
        head_tables = set((await conn.run_sync(_reflect)).tables)
    assert head_tables == set(recorded)


async def test_the_walk_notices_a_migration_that_loses_a_row(empty_engine: AsyncEngine) -> None:
    """The check itself: a row deleted behind its back, and a value changed, are caught."""
    engine = empty_engine
    first = revisions_in_order()[0]
    await database.upgrade(engine, first)
    recorded: Recorded = {}
    async with engine.begin() as conn:
        await conn.run_sync(insert_rows, first, recorded, [0])
        await conn.exec_driver_sql("UPDATE quotes SET text = 'changed' WHERE id = 1")
    async with engine.connect() as conn:
        with pytest.raises(AssertionError, match=r"quotes\.text changed"):
            await conn.run_sync(check_survivors, first, recorded)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("DELETE FROM checkins")
    async with engine.connect() as conn:
        with pytest.raises(AssertionError, match="checkins has 0 rows"):
            await conn.run_sync(check_survivors, first, recorded)


# -- backups -----------------------------------------------------------------------------


def test_backup_uses_sqlites_online_backup_api() -> None:
    """`bot/backup.py` copies with `sqlite3.Connection.backup`, not a file copy."""
    tree = ast.parse(Path(bot.backup.__file__).read_text())
    calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert "backup" in calls
    assert not calls & {"copyfile", "copy2", "copy", "copyfileobj"}


# The backups are SQLite only: `legday db backup` copies a SQLite file with its online
# backup API (on PostgreSQL it points at pg_dump, tested below).
def test_backup_copies_what_is_committed_and_nothing_that_is_not(
    make_config: Callable[..., Config], db_path: Path, tmp_path: Path
) -> None:
    """Committed rows still in the write-ahead log are in the copy (a copy of the file
    alone would miss them); a transaction still open is not."""

    async def migrate() -> None:
        engine = database.create_engine(f"sqlite+aiosqlite:///{db_path}")
        await database.upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    writer = sqlite3.connect(db_path, isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")  # committed rows stay in the log
        writer.execute(
            "INSERT INTO quotes (guild_id, text, added_by, created_at) "
            "VALUES (1, 'committed', 2, '2026-01-01 00:00:00.000000')"
        )
        assert Path(f"{db_path}-wal").stat().st_size > 0
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO quotes (guild_id, text, added_by, created_at) "
            "VALUES (1, 'not yet', 2, '2026-01-01 00:00:00.000000')"
        )
        target = tmp_path / "copy.db"
        report = bot.backup.backup(make_config(), target)
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert "integrity ok" in report
    with contextlib.closing(sqlite3.connect(target)) as copy:
        assert copy.execute("SELECT text FROM quotes").fetchall() == [("committed",)]


def test_backup_on_postgresql_points_at_pg_dump(
    make_config: Callable[..., Config], tmp_path: Path
) -> None:
    config = make_config(database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    with pytest.raises(ConfigError, match="use pg_dump for PostgreSQL"):
        bot.backup.backup(config, tmp_path / "copy.db")
    assert list(tmp_path.iterdir()) == []


def check_backup(path: Path, sent: dict[int, dict[date, str | None]]) -> set[tuple[int, date]]:
    """The copy opens, passes integrity_check, and every row in it is a check-in the
    storm made, with its summaries exactly what its own check-ins give (a transaction
    half in the copy would break that). Returns the check-ins it holds."""
    with contextlib.closing(connect(path)) as conn:
        conn.execute("PRAGMA query_only=ON")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        held = set()
        for row in conn.execute("SELECT guild_id, user_id, day, note FROM checkins"):
            user, day = row["user_id"], row["day"]
            assert day in sent.get(user, {}), f"a check-in nobody made: {user} on {day}"
            assert row["note"] == sent[user][day]
            held.add((user, day))
        tx = SqliteTx(conn)
        for (guild_id,) in conn.execute("SELECT DISTINCT guild_id FROM checkins"):
            members, periods, boards = summaries.expected_guild(tx, guild_id, "UTC")
            stats = {
                r["user_id"]: (r["total"], r["best"], r["last_day"])
                for r in conn.execute("SELECT * FROM member_stats WHERE guild_id = ?", (guild_id,))
            }
            assert stats == {u: (s.total, s.best, s.last_day) for u, (s, _, _) in members.items()}
            stored_periods = {
                (r["user_id"], r["kind"], r["start"], r["count"], bool(r["hidden"]))
                for r in conn.execute(
                    "SELECT * FROM member_periods WHERE guild_id = ?", (guild_id,)
                )
            }
            assert stored_periods == periods
            stored_boards = {
                (r["board"], r["start"], r["score"], r["members"])
                for r in conn.execute(
                    "SELECT * FROM board_scores WHERE guild_id = ? AND members > 0", (guild_id,)
                )
            }
            assert stored_boards == boards
    return held


@pytest.mark.e2e
async def test_backups_taken_during_a_checkin_storm_are_sound(
    tmp_path: Path, make_config: Callable[..., Config], long_run: bool
) -> None:
    # The storm goes on, `parallel` members at a time, until it has this many members
    # and this many backups were taken while it lasted (fast machine or slow).
    min_members, min_backups, parallel = (160, 20, 16) if long_run else (16, 4, 8)
    backfilled = 7  # `!legday log` reaches a week back: 8 check-ins per member
    database_file = tmp_path / "storm.db"
    url = f"sqlite+aiosqlite:///{database_file}"
    config = make_config(database_url=url)
    sent: dict[int, dict[date, str | None]] = {}
    backups: list[set[tuple[int, date]]] = []
    # Discord's limits off: the point is the bot writing as fast as it can.
    async with FakeDiscord(
        heartbeat_interval_ms=1000, global_rate_limit=None, route_rate_limit=(10**6, 1.0)
    ) as fd:
        demo = build_demo(fd)
        stage = Stage(fd, demo, url, tmp_path, {"LEGDAY_COOLDOWN_RATE": "100000"})
        await stage.start_bot()
        try:
            today = datetime.now(UTC).date()

            async def command(user: User, text: str) -> None:
                said = await fd.say(user, demo.gym, text)
                await fd.next_message(
                    demo.gym,
                    timeout=30,
                    predicate=lambda m: (
                        (m.message_reference or {}).get("message_id") == str(said.id)
                    ),
                )

            async def lifter(number: int) -> None:
                user = fd.create_user(f"storm{number}")
                fd.add_member(demo.guild, user)
                days = sent.setdefault(user.id, {})
                note = f"storm note {user.id}"
                days[today] = note
                await command(user, f"!legday {note}")
                for back in range(1, backfilled + 1):
                    day = today - timedelta(days=back)
                    days[day] = None
                    await command(user, f"!legday log {day.isoformat()}")

            async def storm() -> None:
                made = 0
                while made < min_members or len(backups) < min_backups:
                    await asyncio.gather(*(lifter(made + i) for i in range(parallel)))
                    made += parallel
                    assert made < 5000, "backups are not being taken"

            storming = asyncio.create_task(storm())
            # The real command line once, alongside; then the same function in this
            # process again and again (a process per backup would take most of the storm).
            cli_target = tmp_path / "backup-cli.db"
            cli = asyncio.create_task(
                legday_async(
                    "db", "backup", str(cli_target), env={"DATABASE_URL": url}, cwd=tmp_path
                )
            )
            started = time.monotonic()
            while not storming.done():
                target = tmp_path / f"backup-{len(backups)}.db"
                report = await asyncio.to_thread(bot.backup.backup, config, target)
                assert "integrity ok" in report
                backups.append(await asyncio.to_thread(check_backup, target, sent))
                target.unlink()
                assert time.monotonic() - started < 300, "the storm did not end"
            await storming
            by_cli = await cli
            assert by_cli.returncode == 0, by_cli.stderr
            assert "integrity ok" in by_cli.stdout
            cli_held = check_backup(cli_target, sent)
            storm_seconds = time.monotonic() - started
        finally:
            await stage.stop_bot()
    assert "Traceback" not in stage.bot.log_text()

    final = check_backup(database_file, sent)
    expected = sum(len(days) for days in sent.values())
    assert len(final) == expected  # every check-in the storm made is stored
    # Each backup holds a prefix of the storm: later copies hold everything earlier
    # ones did, and all of them are in the database at the end.
    for earlier, later in itertools.pairwise([*backups, final]):
        assert earlier <= later
    assert cli_held <= final
    sizes = [len(held) for held in backups]
    assert [s for s in sizes if 0 < s < expected], f"no backup caught the storm: {sizes}"
    print(
        f"\n{len(sent)} members, {expected} check-ins in {storm_seconds:.1f} s; "
        f"{len(backups)} backups held {sizes}; `legday db backup` held {len(cli_held)}"
    )
