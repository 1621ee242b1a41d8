"""Building one page of a server leaderboard from the store and the ranking core."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core import days, streaks
from bot.core.days import Period
from bot.core.ranking import Page, Ranked, competition_rank, find_rank, paginate
from bot.store import Store

PER_PAGE = 10


@dataclass(frozen=True, slots=True)
class Standing:
    user_id: int
    score: int  # days in the period, or the current streak in weeks
    best: int = 0
    total: int = 0


@dataclass(frozen=True, slots=True)
class Board:
    period: Period
    page: Page[Standing]
    caller: Ranked[Standing] | None
    caller_on_page: bool


async def build_board(
    store: Store,
    guild_id: int,
    period: Period,
    page: int,
    caller_id: int,
    now: datetime,
    default_zone: str | None = None,
) -> Board:
    if period is Period.STREAK:
        ranked = await _streak_ranking(store, guild_id, now, default_zone)
    else:
        guild = await store.guild_config(guild_id)
        today = days.local_day(now, days.effective_zone(None, guild.timezone, default_zone))
        rows = await store.counts_since(guild_id, days.period_start(period, today), today)
        ranked = competition_rank(
            (Standing(r.user_id, r.count) for r in rows if r.count > 0),
            score=lambda s: (s.score,),
            tiebreak=lambda s: s.user_id,
        )
    shown = paginate(ranked, page, PER_PAGE)
    caller = find_rank(ranked, lambda s: s.user_id == caller_id)
    on_page = any(entry.item.user_id == caller_id for entry in shown.entries)
    return Board(period, shown, caller, on_page)


async def _streak_ranking(
    store: Store, guild_id: int, now: datetime, default_zone: str | None
) -> list[Ranked[Standing]]:
    guild = await store.guild_config(guild_id)
    standings = []
    for row in await store.streak_rows(guild_id):
        # Each member's streak is judged by the week in their own time zone.
        zone = days.effective_zone(row.timezone, guild.timezone, default_zone)
        today = days.local_day(now, zone)
        current = streaks.current_streak(row.stats, today)
        if current or row.stats.best:
            standings.append(Standing(row.user_id, current, row.stats.best, row.stats.total))
    return competition_rank(
        standings,
        score=lambda s: (s.score, s.best, s.total),
        tiebreak=lambda s: s.user_id,
    )
