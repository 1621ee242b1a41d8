"""The check-in use case, shared by the `legday` command and the reminder button."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core import days, streaks
from bot.core.parsing import parse_checkin_day
from bot.core.streaks import StreakState
from bot.store import Store

BACKFILL_DAYS = 7


@dataclass(frozen=True, slots=True)
class CheckinOutcome:
    created: bool
    day: date
    today: date
    target: int
    stats: StreakState

    @property
    def this_week(self) -> int:
        return streaks.week_progress(self.stats, self.today)

    @property
    def current_streak(self) -> int:
        return streaks.current_streak(self.stats, self.today)


async def check_in(
    store: Store,
    guild_id: int,
    user_id: int,
    *,
    now: datetime,
    note: str | None = None,
    source: str,
    day_text: str | None = None,
    default_zone: str | None = None,
) -> CheckinOutcome:
    """Record the member's today, or the day `day_text` names; a repeat changes nothing."""
    context = await store.checkin_context(guild_id, user_id)
    zone = days.effective_zone(context.member.timezone, context.guild.timezone, default_zone)
    today = days.local_day(now, zone)
    chosen = today if day_text is None else parse_checkin_day(day_text, today, BACKFILL_DAYS)
    result = await store.record_checkin(
        guild_id,
        user_id,
        chosen,
        now=now,
        note=note,
        source=source,
        weekly_target=context.guild.weekly_target,
    )
    return CheckinOutcome(result.created, chosen, today, context.guild.weekly_target, result.stats)


async def undo_today(
    store: Store, guild_id: int, user_id: int, *, now: datetime, default_zone: str | None = None
) -> CheckinOutcome | None:
    """Remove today's check-in; None when there was none."""
    context = await store.checkin_context(guild_id, user_id)
    zone = days.effective_zone(context.member.timezone, context.guild.timezone, default_zone)
    today = days.local_day(now, zone)
    stats = await store.remove_checkin(
        guild_id, user_id, today, weekly_target=context.guild.weekly_target
    )
    if stats is None:
        return None
    return CheckinOutcome(False, today, today, context.guild.weekly_target, stats)
