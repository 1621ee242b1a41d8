"""Setting up state for tests through the bot's own rules.

Tests often need history the commands can't produce in a test's time (check-ins weeks
apart, on chosen days). These helpers write it with the same unit-of-work rules the check-in
use case applies, so the summaries are exactly what the bot would have kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from bot.core import days as days_core
from bot.core.streaks import StreakState
from bot.store import GuildConfig, Schedule, Store, Tx
from bot.store.sql import checkins as checkins_sql
from bot.store.sql import settings as settings_sql
from bot.store.sql import summaries as summaries_sql
from bot.usecases import summaries
from bot.usecases.cache import SettingsCache
from bot.usecases.quote_book import QuoteBook
from bot.usecases.services import Services

SEEDED_AT = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Recorded:
    created: bool
    stats: StreakState


def _zone(tx: Tx, guild_id: int, user_id: int, default_zone: str) -> Any:
    from bot.store.sql import settings as settings_sql

    guild = settings_sql.guild_config(tx, guild_id)
    return summaries.member_zone(tx, guild_id, user_id, default_zone, guild.timezone)


def _rules(tx: Tx, guild_id: int, user_id: int, target: int) -> summaries.Rules:
    """The server's shield rule and the member's pauses, with the target the test names."""
    guild = settings_sql.guild_config(tx, guild_id)
    rules = summaries.Rules.of(guild, settings_sql.paused_weeks(tx, guild_id, user_id))
    return replace(rules, target=target)


async def record_day(
    store: Store,
    guild_id: int,
    user_id: int,
    day: date,
    *,
    now: datetime = SEEDED_AT,
    note: str | None = None,
    source: str = "command",
    weekly_target: int = 1,
    default_zone: str = "UTC",
) -> Recorded:
    """A check-in on `day`, recorded as the check-in use case records one."""

    def work(tx: Tx) -> Recorded:
        zone = _zone(tx, guild_id, user_id, default_zone)
        if not checkins_sql.insert(
            tx, guild_id, user_id, day, created_at=now, note=note, source=source
        ):
            return Recorded(False, summaries.to_state(summaries_sql.read(tx, guild_id, user_id)))
        rules = _rules(tx, guild_id, user_id, weekly_target)
        state = summaries.record_day(tx, guild_id, user_id, day, rules=rules, zone=zone)
        return Recorded(True, state)

    return await store.run(work)


async def remove_day(
    store: Store,
    guild_id: int,
    user_id: int,
    day: date,
    *,
    weekly_target: int = 1,
    default_zone: str = "UTC",
) -> StreakState | None:
    """Undo a check-in on `day` as the undo use case does; None when there was none."""

    def work(tx: Tx) -> StreakState | None:
        if not checkins_sql.delete(tx, guild_id, user_id, day):
            return None
        zone = _zone(tx, guild_id, user_id, default_zone)
        rules = _rules(tx, guild_id, user_id, weekly_target)
        return summaries.unrecord_day(tx, guild_id, user_id, day, rules=rules, zone=zone)

    return await store.run(work)


async def seed(
    store: Store,
    guild_id: int,
    user_id: int,
    days: Iterable[date],
    *,
    weekly_target: int = 1,
    source: str = "seed",
) -> StreakState:
    state = StreakState()
    for day in days:
        state = (
            await record_day(
                store, guild_id, user_id, day, source=source, weekly_target=weekly_target
            )
        ).stats
    return state


async def member_stats(store: Store, guild_id: int, user_id: int) -> StreakState:
    return summaries.to_state(await store.member_summary(guild_id, user_id))


async def sql_rows(store: Store, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of an ad-hoc query, as dicts (for assertions on what is stored)."""

    def work(tx: Tx) -> list[dict[str, Any]]:
        found = tx.rows(sql, params)
        return [{key: row[key] for key in _keys(row)} for row in found]

    return await store.read(work)


def _keys(row: Any) -> Iterable[str]:
    return row.keys()


@dataclass
class RecordingTimers:
    """The reminder timers, as a test sees them: what was armed and disarmed."""

    armed: dict[int, Schedule] = field(default_factory=dict)
    disarmed: list[int] = field(default_factory=list)
    tests: list[Schedule] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)

    def arm(self, schedule: Schedule) -> None:
        self.armed[schedule.id] = schedule

    async def resume(self, schedule: Schedule) -> None:
        self.resumed.append(schedule.id)
        self.arm(schedule)

    def disarm(self, schedule_id: int) -> None:
        self.armed.pop(schedule_id, None)
        self.disarmed.append(schedule_id)

    def next_fire_times(self, schedule: Schedule, count: int = 3) -> list[datetime]:
        from zoneinfo import ZoneInfo

        from bot.core.schedule import next_fires

        return next_fires(schedule.days, schedule.at, ZoneInfo(schedule.timezone), SEEDED_AT, count)

    async def post_test(self, schedule: Schedule) -> None:
        self.tests.append(schedule)


class RecordingWeekly:
    """Stands in for the weekly poster: remembers each celebration it was asked to post."""

    def __init__(self) -> None:
        self.celebrations: list[tuple[int, date, int]] = []
        self.armed: list[GuildConfig] = []
        self.tests: list[tuple[int, int]] = []

    def celebrate(self, guild_id: int, monday: date, channel_id: int) -> None:
        self.celebrations.append((guild_id, monday, channel_id))

    async def rearm(self, guild: GuildConfig) -> None:
        self.armed.append(guild)

    async def post_test_recap(self, guild: GuildConfig, channel_id: int) -> int:
        self.tests.append((guild.guild_id, channel_id))
        return 1


class RecordingRoles:
    """Stands in for the role keeper: remembers whom it was asked to bring in step."""

    def __init__(self) -> None:
        self.applied: list[tuple[int, int]] = []
        self.sweeps = 0
        self.taken: list[tuple[int, int, list[int]]] = []

    def apply(self, guild_id: int, user_id: int) -> None:
        self.applied.append((guild_id, user_id))

    def sweep(self) -> None:
        self.sweeps += 1

    def take_away(self, guild_id: int, user_id: int, role_ids: list[int]) -> None:
        self.taken.append((guild_id, user_id, role_ids))


def make_services(
    store: Store, now: Callable[[], datetime], *, default_zone: str = "UTC"
) -> Services:
    return Services(
        store=store,
        cache=SettingsCache(),
        quotes=QuoteBook(store),
        timers=RecordingTimers(),
        now=now,
        default_zone=days_core.zone(default_zone).key,
        weekly=RecordingWeekly(),
        roles=RecordingRoles(),
    )


async def set_reminders(store: Store, guild_id: int, user_id: int, opt_in: bool) -> None:
    from bot.store.sql import settings as settings_sql

    await store.run(
        lambda tx: settings_sql.set_member(tx, guild_id, user_id, "reminders_opt_in", opt_in)
    )


async def set_nudge(
    store: Store, guild_id: int, schedule_id: int, hours: int | None
) -> Schedule | None:
    from bot.store.sql import schedules as schedules_sql

    return await store.run(
        lambda tx: schedules_sql.update(tx, guild_id, schedule_id, "nudge", nudge_hours=hours)
    )


async def add_schedule(
    store: Store,
    guild_id: int,
    channel_id: int,
    role_id: int | None,
    days: frozenset[int],
    at: Any,
    timezone: str,
    created_at: datetime,
    *,
    broadcast: Any = None,
) -> Schedule:
    """A schedule row as `schedule add` stores it (arming is the caller's business)."""
    from bot.store.sql import schedules as schedules_sql

    return await store.run(
        lambda tx: schedules_sql.add(
            tx, guild_id, channel_id, role_id, days, at, timezone, created_at, broadcast
        )
    )
