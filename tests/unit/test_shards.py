"""Which servers a shard process serves, and how the settings say so."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import LegDayBot, ShardedLegDayBot, make_bot
from bot.config import Config, ConfigError
from bot.core.shards import ShardScope, named, shard_of
from tests.cli.run import legday

# A server id made at a known moment: its shard is its timestamp part modulo the count.
GUILD = (123_456_789 << 22) | 0x3FFFFF


def test_shard_of_follows_discords_formula() -> None:
    assert shard_of(GUILD, 4) == 123_456_789 % 4
    assert shard_of(0, 7) == 0
    assert [shard_of(n << 22, 3) for n in range(6)] == [0, 1, 2, 0, 1, 2]


def test_a_scope_owns_only_its_shards() -> None:
    scope = ShardScope(4, frozenset({1, 3}))
    owned = [n for n in range(8) if scope.owns(n << 22)]
    assert owned == [1, 3, 5, 7]
    assert not scope.everything
    assert ShardScope().owns(GUILD) and ShardScope(2, frozenset({0, 1})).everything


@pytest.mark.parametrize(("count", "ids"), [(0, {0}), (2, {2}), (2, set()), (3, {-1})])
def test_a_scope_refuses_shards_that_do_not_exist(count: int, ids: set[int]) -> None:
    with pytest.raises(ValueError):
        ShardScope(count, frozenset(ids))


def test_the_sql_condition_matches_owns_on_real_ids() -> None:
    import sqlite3

    scope = ShardScope(5, frozenset({0, 2}))
    ids = [(n << 22) | (n * 7919 % (1 << 22)) for n in range(40)] + [GUILD, 2**62 + 12345]
    with sqlite3.connect(":memory:") as db:
        db.execute("CREATE TABLE guilds (guild_id INTEGER)")
        db.executemany("INSERT INTO guilds VALUES (?)", [(i,) for i in ids])
        found = {row[0] for row in db.execute(f"SELECT guild_id FROM guilds WHERE {scope.where()}")}
    assert found == {i for i in ids if scope.owns(i)}
    assert 0 < len(found) < len(ids)


def config(**values: object) -> Config:
    return Config(_env_file=None, _environ={}, **values)


@pytest.mark.parametrize(
    ("count", "ids", "held"),
    [
        ("4", None, {0, 1, 2, 3}),
        ("4", "0,1", {0, 1}),
        ("8", "0-2, 6", {0, 1, 2, 6}),
        (None, None, {0}),
    ],
)
def test_settings_give_the_shards_held(count: str | None, ids: str | None, held: set[int]) -> None:
    settings = config(shard_count=count, shard_ids=ids)
    assert settings.shards.ids == frozenset(held)
    assert settings.shards.count == int(count or 1)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"shard_ids": "0,1"}, "LEGDAY_SHARD_IDS: needs LEGDAY_SHARD_COUNT"),
        (
            {"shard_count": "2", "shard_ids": "1,2"},
            "LEGDAY_SHARD_IDS: shard 2 does not exist with LEGDAY_SHARD_COUNT=2; "
            "expected numbers from 0 to 1",
        ),
        ({"shard_count": "2", "shard_ids": "one"}, "expected shard numbers like 0,1 or 0-3"),
        ({"shard_count": "0"}, "LEGDAY_SHARD_COUNT: must be at least 1"),
    ],
)
def test_bad_shard_settings_say_what_was_expected(values: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config(**values)
    assert expected in str(raised.value)


def test_run_flags_are_checked_like_the_settings(tmp_path: Path) -> None:
    result = legday("run", "--shard-count", "2", "--shard-ids", "5", cwd=tmp_path)
    assert result.returncode == 2
    assert "shard 5 does not exist with LEGDAY_SHARD_COUNT=2" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_bot_is_sharded_only_when_asked(make_config, store) -> None:  # type: ignore[no-untyped-def]
    plain = make_bot(make_config(), store)
    assert type(plain) is LegDayBot
    sharded = make_bot(make_config(shard_count=4, shard_ids=(2, 3)), store)
    assert isinstance(sharded, ShardedLegDayBot)
    assert sharded.shard_count == 4 and sharded.shard_ids == [2, 3]
    assert sharded.reminders.shards == ShardScope(4, frozenset({2, 3}))


def test_shards_are_named_as_a_person_would() -> None:
    assert named([3]) == "shard 3"
    assert named({1, 0}) == "shards 0 and 1"
    assert named([2, 0, 1]) == "shards 0, 1 and 2"
