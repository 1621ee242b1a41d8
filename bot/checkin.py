"""Check-in use cases: check in (command and reminder button), undo, a member's report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core import days, streaks
from bot.core.parsing import parse_checkin_day
from bot.core.streaks import StreakState
from bot.store import CheckinContext, PeriodCounts, Store

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


@dataclass(frozen=True, slots=True)
class MemberReport:
    hidden: bool
    counts: PeriodCounts
    current_streak: int
    best_streak: int
    total: int
    target: int


def local_today(context: CheckinContext, now: datetime, default_zone: str | None) -> date:
    """The member's date: their zone, else the server's, else the bot's default, else UTC."""
    zone = days.effective_zone(context.member.timezone, context.guild.timezone, default_zone)
    return days.local_day(now, zone)


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
    today = local_today(context, now, default_zone)
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
    today = local_today(context, now, default_zone)
    stats = await store.remove_checkin(
        guild_id, user_id, today, weekly_target=context.guild.weekly_target
    )
    if stats is None:
        return None
    return CheckinOutcome(False, today, today, context.guild.weekly_target, stats)


async def member_report(
    store: Store, guild_id: int, user_id: int, *, now: datetime, default_zone: str | None = None
) -> MemberReport:
    """Totals, this week/month/year and streaks, as of the member's own today."""
    context = await store.checkin_context(guild_id, user_id)
    today = local_today(context, now, default_zone)
    counts = await store.period_counts(
        guild_id,
        user_id,
        week_start=days.week_start(today),
        month_start=days.month_start(today),
        year_start=days.year_start(today),
    )
    summary = await store.member_stats(guild_id, user_id)
    return MemberReport(
        hidden=context.member.hidden,
        counts=counts,
        current_streak=streaks.current_streak(summary, today),
        best_streak=summary.best,
        total=summary.total,
        target=context.guild.weekly_target,
    )
