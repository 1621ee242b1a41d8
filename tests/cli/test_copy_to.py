"""`legday db copy-to URL`: the move from SQLite to PostgreSQL keeps every row, or nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, ConfigError
from bot.copy_database import copy_to
from bot.runner import open_store
from bot.store.sql import checkins as checkins_sql
from bot.store.sql import schedules as schedules_sql
from tests.cli.run import legday
from tests.postgres import fresh_database

GUILD = (987_654 << 22) | 5
WHEN = datetime(2026, 11, 30, 18, 45, 12, 345678, tzinfo=UTC)


def schedule_values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "channel_id": 11,
        "role_id": None,
        "days": frozenset({0, 3}),
        "at": time(18, 30),
        "timezone": "Europe/London",
        "broadcast": None,
    }
    return {**values, **changes}


async def seeded(config: Config) -> None:
    store = await open_store(config)
    try:
        for n in range(3):
            await store.run(
                lambda tx, n=n: schedules_sql.add(tx, GUILD, now=WHEN, **schedule_values())
            )
        for user in range(1, 40):
            await store.run(
                lambda tx, user=user: checkins_sql.insert(
                    tx, GUILD, user, date(2026, 11, user % 28 + 1),
                    created_at=WHEN, note="squat 5x5 100kg ünïcødé", source="prefix",
                )
            )  # fmt: skip
    finally:
        await store.close()


async def test_every_row_arrives_with_its_types_and_ids_keep_counting(make_config) -> None:
    config = make_config()
    await seeded(config)
    source = await open_store(config)
    before = (
        await source.schedules(),
        await source.run(lambda tx: checkins_sql.days(tx, GUILD, 7)),
    )
    await source.close()
    async with fresh_database() as url:
        said = await copy_to(config, url)
        assert said.startswith("copied ") and "PostgreSQL database at 127.0.0.1" in said
        moved = make_config(database_url=url)
        target = await open_store(moved)
        try:
            assert await target.schedules() == before[0]
            assert await target.run(lambda tx: checkins_sql.days(tx, GUILD, 7)) == before[1]
            stamp = await target.run(lambda tx: checkins_sql.created_at(tx, GUILD, 7, before[1][0]))
            assert stamp == WHEN
            added = await target.run(
                lambda tx: schedules_sql.add(tx, GUILD, now=WHEN, **schedule_values())
            )
            assert added.id == max(s.id for s in before[0]) + 1
        finally:
            await target.close()
        with pytest.raises(ConfigError, match="already holds data"):
            await copy_to(config, url)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("mysql://x/y", "legday: the target database: mysql is not supported"),
        ("sqlite:///elsewhere.db", "legday: the target must be a PostgreSQL database"),
    ],
)
def test_a_target_that_is_not_postgresql_is_refused(
    tmp_path: Path, target: str, expected: str
) -> None:
    db = tmp_path / "legday.db"
    env = {"DATABASE_URL": f"sqlite:///{db}"}
    assert legday("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    result = legday("db", "copy-to", target, cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith(expected)
    assert "Traceback" not in result.stderr


def test_without_a_sqlite_database_there_is_nothing_to_copy(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    result = legday("db", "copy-to", "postgresql://postgres@127.0.0.1/x", cwd=tmp_path, env=env)
    assert result.returncode == 3
    assert "there is no database at" in result.stderr
    assert not (tmp_path / "none.db").exists()
