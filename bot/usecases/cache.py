"""Server settings and member settings, remembered between commands.

A check-in needs the server's time zone and weekly target and the member's own zone;
reading them is most of what a check-in would otherwise ask the database. Entries are
dropped by the use cases that change them (`forget_guild`, `forget_member`); several
processes on one database will drop them on a notification the same way.

The cache is read and filled from the database thread inside units of work and dropped
from the event loop, so it takes a lock, and a value read before a drop is never stored
after it (the generation check). A drop made here is announced to the other processes on
the database (`announce`, bot.store.coordination); theirs arrive through `hear`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from bot.core import days
from bot.core.milestones import Milestone
from bot.store import CheckinContext, GuildConfig, MemberConfig, Tx
from bot.store.sql import milestones as milestones_sql
from bot.store.sql import settings as settings_sql

K = TypeVar("K")
V = TypeVar("V")


class _Bounded(Generic[K, V]):
    """A least-recently-used map that never holds more than `limit` entries."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def pop(self, key: K) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()


class SettingsCache:
    def __init__(self, *, max_guilds: int = 100_000, max_members: int = 100_000) -> None:
        self.announce: Callable[[str], None] = lambda change: None
        self._lock = threading.Lock()
        self._generation = 0
        self._guilds: _Bounded[int, GuildConfig] = _Bounded(max_guilds)
        self._members: _Bounded[tuple[int, int], MemberConfig] = _Bounded(max_members)
        self._milestones: _Bounded[int, tuple[Milestone, ...]] = _Bounded(max_guilds)

    def guild(self, tx: Tx, guild_id: int) -> GuildConfig:
        with self._lock:
            cached = self._guilds.get(guild_id)
            generation = self._generation
        if cached is not None:
            return cached
        loaded = settings_sql.guild_config(tx, guild_id)
        with self._lock:
            if generation == self._generation:
                self._guilds.put(guild_id, loaded)
        return loaded

    def member(self, tx: Tx, guild_id: int, user_id: int) -> MemberConfig:
        key = (guild_id, user_id)
        with self._lock:
            cached = self._members.get(key)
            generation = self._generation
        if cached is not None:
            return cached
        loaded = settings_sql.member_config(tx, guild_id, user_id)
        with self._lock:
            if generation == self._generation:
                self._members.put(key, loaded)
        return loaded

    def milestones(self, tx: Tx, guild_id: int) -> tuple[Milestone, ...]:
        """The server's milestone roles (read by every check-in: most servers have none)."""
        with self._lock:
            cached = self._milestones.get(guild_id)
            generation = self._generation
        if cached is not None:
            return cached
        loaded = tuple(milestones_sql.of_guild(tx, guild_id))
        with self._lock:
            if generation == self._generation:
                self._milestones.put(guild_id, loaded)
        return loaded

    def forget_milestones(self, guild_id: int) -> None:
        self._drop_milestones(guild_id)
        self.announce(f"milestones:{guild_id}")

    def _drop_milestones(self, guild_id: int) -> None:
        with self._lock:
            self._generation += 1
            self._milestones.pop(guild_id)

    def context(self, tx: Tx, guild_id: int, user_id: int) -> CheckinContext:
        return CheckinContext(self.guild(tx, guild_id), self.member(tx, guild_id, user_id))

    def local_today(
        self, tx: Tx, guild_id: int, user_id: int, now: datetime, default_zone: str | None
    ) -> tuple[CheckinContext, ZoneInfo, date]:
        """The member's settings, zone (their own, else the server's, else the default)
        and today in it."""
        context = self.context(tx, guild_id, user_id)
        zone = days.effective_zone(context.member.timezone, context.guild.timezone, default_zone)
        return context, zone, days.local_day(now, zone)

    def forget_guild(self, guild_id: int) -> None:
        self._drop_guild(guild_id)
        self.announce(f"guild:{guild_id}")

    def _drop_guild(self, guild_id: int) -> None:
        with self._lock:
            self._generation += 1
            self._guilds.pop(guild_id)

    def forget_member(self, guild_id: int, user_id: int) -> None:
        self._drop_member(guild_id, user_id)
        self.announce(f"member:{guild_id}:{user_id}")

    def _drop_member(self, guild_id: int, user_id: int) -> None:
        with self._lock:
            self._generation += 1
            self._members.pop((guild_id, user_id))

    def forget_everything(self) -> None:
        with self._lock:
            self._generation += 1
            self._guilds.clear()
            self._members.clear()
            self._milestones.clear()

    def hear(self, change: str) -> None:
        """Drop what another process announced it changed ("guild:1", "member:1:2",
        "milestones:1", or "all"); anything else drops everything, to be safe."""
        kind, _, ids = change.partition(":")
        parts = ids.split(":")
        try:
            if kind == "guild" and len(parts) == 1:
                return self._drop_guild(int(parts[0]))
            if kind == "member" and len(parts) == 2:
                return self._drop_member(int(parts[0]), int(parts[1]))
            if kind == "milestones" and len(parts) == 1:
                return self._drop_milestones(int(parts[0]))
        except ValueError:
            pass
        self.forget_everything()
