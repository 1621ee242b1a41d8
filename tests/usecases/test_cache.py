"""The settings cache: it answers from memory until a change drops the entry, never mixes
servers or members up, and never keeps a value read before a drop."""

from __future__ import annotations

import pytest

from bot.store import CheckinContext, GuildConfig, MemberConfig, Store
from bot.store.sql import settings as settings_sql
from bot.usecases.cache import SettingsCache, _Bounded


def test_bounded_drops_the_least_recently_used_entry():
    lru: _Bounded[str, int] = _Bounded(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "a" is now the most recently used
    lru.put("c", 3)
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (1, None, 3)
    lru.put("a", 4)  # a new value for a known key takes no extra room
    assert (lru.get("a"), lru.get("c")) == (4, 3)
    lru.pop("a")
    lru.pop("missing")
    assert (lru.get("a"), lru.get("c")) == (None, 3)


async def set_zone(store: Store, guild: int, zone: str) -> None:
    await store.run(lambda tx: settings_sql.set_guild_timezone(tx, guild, zone))


async def set_member_zone(store: Store, guild: int, user: int, zone: str) -> None:
    await store.run(lambda tx: settings_sql.set_member(tx, guild, user, "timezone", zone))


async def test_a_server_is_read_once_until_it_is_forgotten(store: Store):
    cache = SettingsCache()
    await set_zone(store, 1, "Asia/Tokyo")
    await set_zone(store, 2, "Europe/Paris")
    assert await store.read(lambda tx: cache.guild(tx, 1)) == GuildConfig(1, "Asia/Tokyo", 1)
    await set_zone(store, 1, "America/Denver")  # behind the cache's back
    assert await store.read(lambda tx: cache.guild(tx, 1)) == GuildConfig(1, "Asia/Tokyo", 1)
    assert await store.read(lambda tx: cache.guild(tx, 2)) == GuildConfig(2, "Europe/Paris", 1)
    cache.forget_guild(1)
    assert await store.read(lambda tx: cache.guild(tx, 1)) == GuildConfig(1, "America/Denver", 1)


async def test_a_member_is_read_once_until_they_are_forgotten(store: Store):
    cache = SettingsCache()
    await set_member_zone(store, 1, 10, "Asia/Tokyo")
    await set_member_zone(store, 1, 20, "Europe/Paris")
    await set_member_zone(store, 2, 10, "America/Denver")

    def member(guild: int, user: int):
        return store.read(lambda tx: cache.member(tx, guild, user))

    assert (await member(1, 10)).timezone == "Asia/Tokyo"
    await set_member_zone(store, 1, 10, "Africa/Lagos")
    assert (await member(1, 10)).timezone == "Asia/Tokyo"
    assert (await member(1, 20)).timezone == "Europe/Paris"
    assert (await member(2, 10)).timezone == "America/Denver"
    cache.forget_member(1, 10)
    assert (await member(1, 10)).timezone == "Africa/Lagos"
    assert await member(3, 30) == MemberConfig()


async def test_context_is_the_server_and_the_member(store: Store):
    cache = SettingsCache()
    await set_zone(store, 1, "Asia/Tokyo")
    await set_member_zone(store, 1, 10, "Europe/Paris")
    await set_member_zone(store, 2, 10, "America/Denver")
    await set_zone(store, 2, "Africa/Lagos")
    assert await store.read(lambda tx: cache.context(tx, 1, 10)) == CheckinContext(
        GuildConfig(1, "Asia/Tokyo", 1), MemberConfig("Europe/Paris")
    )


@pytest.mark.parametrize("kind", ["guild", "member"])
async def test_a_value_read_before_a_drop_is_not_kept(
    store: Store, monkeypatch: pytest.MonkeyPatch, kind: str
):
    # A change lands (and drops the entry) while a read of the old value is in flight:
    # that read may answer with what it saw, but must not store it.
    cache = SettingsCache()
    # An earlier drop elsewhere: a drop must be news whatever the drops before it were.
    if kind == "guild":
        cache.forget_guild(5)
    else:
        cache.forget_member(5, 50)
    await set_zone(store, 1, "Asia/Tokyo")
    await set_member_zone(store, 1, 10, "Asia/Tokyo")
    real = getattr(settings_sql, f"{kind}_config")

    def racing(tx, *key):
        seen = real(tx, *key)
        cache.forget_guild(1) if kind == "guild" else cache.forget_member(1, 10)
        return seen

    monkeypatch.setattr(settings_sql, f"{kind}_config", racing)
    read = (
        (lambda tx: cache.guild(tx, 1)) if kind == "guild" else (lambda tx: cache.member(tx, 1, 10))
    )
    assert (await store.read(read)).timezone == "Asia/Tokyo"
    monkeypatch.setattr(settings_sql, f"{kind}_config", real)
    await set_zone(store, 1, "Europe/Paris")
    await set_member_zone(store, 1, 10, "Europe/Paris")
    assert (await store.read(read)).timezone == "Europe/Paris"


def test_changes_heard_from_another_process_drop_only_what_they_name() -> None:
    from bot.usecases.cache import SettingsCache

    cache = SettingsCache()
    told: list[str] = []
    cache.announce = told.append
    cache._guilds.put(1, "g1")  # type: ignore[arg-type]
    cache._guilds.put(2, "g2")  # type: ignore[arg-type]
    cache._members.put((1, 9), "m")  # type: ignore[arg-type]
    cache.hear("guild:1")
    assert cache._guilds.get(1) is None and cache._guilds.get(2) == "g2"
    cache.hear("member:1:9")
    assert cache._members.get((1, 9)) is None
    assert told == []  # what was heard is not told again
    cache.hear("nonsense")  # anything unknown: drop everything, to be safe
    assert cache._guilds.get(2) is None
    cache.forget_guild(3)
    assert told == ["guild:3"]
