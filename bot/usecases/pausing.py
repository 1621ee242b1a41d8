"""Holidays: a member pauses their streak for a few weeks, or ends a pause early."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core import days, pauses, streaks
from bot.store import Tx
from bot.store.sql import settings as settings_sql
from bot.usecases import summaries
from bot.usecases.services import Services


@dataclass(frozen=True, slots=True)
class PauseOutcome:
    until: date | None  # the last paused day (a Sunday); None: not paused any more
    added: int  # weeks newly paused (0 for `pause off`)
    removed: int  # weeks unpaused by `pause off`
    used_this_year: int
    cap: int
    streak: int  # the streak as it stands after the change


async def pause(services: Services, guild_id: int, user_id: int, weeks: int | None) -> PauseOutcome:
    """Pause the streak for `weeks` weeks from this one (None: end the pause, this week
    included). The member's streak and shields are recomputed in the same unit of work."""
    now = services.now()

    def work(tx: Tx) -> PauseOutcome:
        guild = settings_sql.guild_config(tx, guild_id)
        member = settings_sql.member_config(tx, guild_id, user_id)
        zone = days.effective_zone(member.timezone, guild.timezone, services.default_zone)
        today = days.local_day(now, zone)
        added = removed = 0
        if weeks is None:
            removed = settings_sql.remove_pauses_from(tx, guild_id, user_id, days.week_start(today))
        else:
            taken = pauses.weeks_of(member.paused)
            mondays = pauses.plan(weeks, today, taken, guild.pause_cap)
            settings_sql.add_pauses(tx, guild_id, user_id, mondays)
            added = len(mondays)
        services.cache.forget_member(guild_id, user_id)
        state = summaries.restreak_member(tx, guild_id, user_id, guild, zone)
        paused = pauses.weeks_of(settings_sql.paused_weeks(tx, guild_id, user_id))
        return PauseOutcome(
            until=pauses.paused_until(paused, today),
            added=added,
            removed=removed,
            used_this_year=pauses.weeks_in_year(paused, today.year),
            cap=guild.pause_cap,
            streak=streaks.current_streak(state, today, paused),
        )

    outcome: PauseOutcome = await services.store.run(work)
    services.cache.forget_member(guild_id, user_id)
    return outcome
