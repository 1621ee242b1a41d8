"""Checking in (command, slash command, buttons), undoing it, and a member's report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core import days, streaks
from bot.core.parsing import parse_checkin_day
from bot.core.streaks import StreakState
from bot.store import Tx
from bot.store.sql import checkins as checkins_sql
from bot.store.sql import summaries as summaries_sql
from bot.usecases import summaries
from bot.usecases.cache import SettingsCache
from bot.usecases.services import Services


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
class PeriodCounts:
    week: int
    month: int
    year: int
    last_checkin: datetime | None


@dataclass(frozen=True, slots=True)
class MemberReport:
    hidden: bool
    counts: PeriodCounts
    current_streak: int
    best_streak: int
    total: int
    target: int


def _check_in(
    tx: Tx,
    cache: SettingsCache,
    guild_id: int,
    user_id: int,
    *,
    now: datetime,
    note: str | None,
    source: str,
    day_text: str | None,
    default_zone: str | None,
) -> CheckinOutcome:
    context = cache.context(tx, guild_id, user_id)
    zone = days.effective_zone(context.member.timezone, context.guild.timezone, default_zone)
    today = days.local_day(now, zone)
    # How far back a member may log is the parser's rule (a week).
    day = today if day_text is None else parse_checkin_day(day_text, today)
    target = context.guild.weekly_target
    created = checkins_sql.insert(
        tx, guild_id, user_id, day, created_at=now, note=note, source=source
    )
    if created:
        stats = summaries.record_day(tx, guild_id, user_id, day, target=target, zone=zone)
    else:
        stats = summaries.to_state(summaries_sql.read(tx, guild_id, user_id))
    return CheckinOutcome(created, day, today, target, stats)


async def check_in(
    services: Services,
    guild_id: int,
    user_id: int,
    *,
    note: str | None = None,
    source: str,
    day_text: str | None = None,
) -> CheckinOutcome:
    """Record the member's today, or the day `day_text` names (`legday log`); a repeat
    changes nothing. One unit of work: the day, the streak and the period counts."""
    now = services.now()
    return await services.store.run(
        lambda tx: _check_in(
            tx,
            services.cache,
            guild_id,
            user_id,
            now=now,
            note=note,
            source=source,
            day_text=day_text,
            default_zone=services.default_zone,
        )
    )


async def undo_today(services: Services, guild_id: int, user_id: int) -> CheckinOutcome | None:
    """Remove today's check-in; None when there was none."""
    now = services.now()

    def work(tx: Tx) -> CheckinOutcome | None:
        context = services.cache.context(tx, guild_id, user_id)
        zone = days.effective_zone(
            context.member.timezone, context.guild.timezone, services.default_zone
        )
        today = days.local_day(now, zone)
        if not checkins_sql.delete(tx, guild_id, user_id, today):
            return None
        target = context.guild.weekly_target
        stats = summaries.unrecord_day(tx, guild_id, user_id, today, target=target, zone=zone)
        return CheckinOutcome(False, today, today, target, stats)

    return await services.store.run(work)


async def member_report(services: Services, guild_id: int, user_id: int) -> MemberReport:
    """Totals, this week/month/year and streaks, as of the member's own today."""
    now = services.now()

    def work(tx: Tx) -> MemberReport:
        context = services.cache.context(tx, guild_id, user_id)
        zone = days.effective_zone(
            context.member.timezone, context.guild.timezone, services.default_zone
        )
        today = days.local_day(now, zone)
        state = summaries.to_state(summaries_sql.read(tx, guild_id, user_id))
        week, month, year = summaries.periods_of(today)
        counts = summaries_sql.period_counts(tx, guild_id, user_id, (week, month, year))
        last = (
            None
            if state.last_day is None
            else checkins_sql.created_at(tx, guild_id, user_id, state.last_day)
        )
        return MemberReport(
            hidden=context.member.hidden,
            counts=PeriodCounts(counts[week], counts[month], counts[year], last),
            current_streak=streaks.current_streak(state, today),
            best_streak=state.best,
            total=state.total,
            target=context.guild.weekly_target,
        )

    return await services.store.read(work)
