"""A member's last 52 weeks of leg days, as the heatmap draws them: the days checked in,
the weeks a shield saved and the weeks paused, all in the member's own calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.core import days, pauses, streaks
from bot.store import Tx
from bot.store.sql import checkins as checkins_sql
from bot.usecases import summaries
from bot.usecases.services import Services

WEEKS_SHOWN = 52


@dataclass(frozen=True, slots=True)
class YearOfDays:
    today: date  # in the member's zone
    first_monday: date  # the oldest week shown
    days: frozenset[date]  # check-in days in the weeks shown
    shield_weeks: frozenset[date]  # Mondays of weeks a shield kept the streak alive
    paused_weeks: frozenset[date]  # Mondays of paused weeks
    target: int


def _monday(week: int) -> date:
    return date.fromordinal(week * 7 + 1)


async def year_of_days(services: Services, guild_id: int, user_id: int) -> YearOfDays:
    now = services.now()

    def work(tx: Tx) -> YearOfDays:
        context, _, today = services.cache.local_today(
            tx, guild_id, user_id, now, services.default_zone
        )
        first_monday = days.week_start(today) - timedelta(weeks=WEEKS_SHOWN - 1)
        every_day = checkins_sql.days(tx, guild_id, user_id)
        paused = pauses.weeks_of(context.member.paused)
        # Shields depend on the whole history, so the fold starts at the first check-in.
        weeks = streaks.timeline(
            every_day,
            context.guild.weekly_target,
            summaries.shield_rule(context.guild),
            paused,
            days.week_index(today),
        )
        first_week = days.week_index(first_monday)
        return YearOfDays(
            today=today,
            first_monday=first_monday,
            days=frozenset(d for d in every_day if first_monday <= d <= today),
            shield_weeks=frozenset(
                _monday(w.week) for w in weeks if w.shield_used and w.week >= first_week
            ),
            paused_weeks=frozenset(
                _monday(w) for w in paused if first_week <= w <= days.week_index(today)
            ),
            target=context.guild.weekly_target,
        )

    return await services.store.read(work)
