"""One page of a server leaderboard: an indexed range of summary rows plus ranks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from bot.core import days, pauses, streaks
from bot.core.days import Period
from bot.core.ranking import Page, Ranked
from bot.store import BoardRow, Tx
from bot.store.sql import boards
from bot.store.sql import summaries as summaries_sql
from bot.usecases import summaries
from bot.usecases.services import Services

PER_PAGE = 10

# The summary kind of each calendar period's board.
_KINDS = {Period.WEEK: "w", Period.MONTH: "m", Period.YEAR: "y"}


@dataclass(frozen=True, slots=True)
class Board:
    period: Period
    page: Page[BoardRow]
    caller: Ranked[BoardRow] | None
    caller_on_page: bool
    # Live streaks (weeks) of the page's members and the caller, when asked for (the
    # picture shows them next to every period's count).
    streaks: Mapping[int, int] | None = None


def _key(row: BoardRow) -> tuple[int, int, int]:
    """What ranks a row: equal keys share a rank. Only streak rows carry best and total
    (their tie-breaks); the other boards' rows leave them 0, so the score alone decides."""
    return (row.score, row.best, row.total)


class _Queries(Protocol):
    """The four questions a page asks of one board."""

    def size(self) -> int: ...

    def page(self, offset: int) -> list[BoardRow]: ...

    def ahead(self, row: BoardRow) -> int: ...

    def entry(self, user_id: int) -> BoardRow | None: ...


@dataclass(frozen=True, slots=True)
class _PeriodBoard:
    tx: Tx
    guild_id: int
    kind: str
    start: date

    def size(self) -> int:
        return boards.period_size(self.tx, self.guild_id, self.kind, self.start)

    def page(self, offset: int) -> list[BoardRow]:
        return boards.period_page(self.tx, self.guild_id, self.kind, self.start, offset, PER_PAGE)

    def ahead(self, row: BoardRow) -> int:
        return boards.period_ahead(self.tx, self.guild_id, self.kind, self.start, row.score)

    def entry(self, user_id: int) -> BoardRow | None:
        return boards.period_entry(self.tx, self.guild_id, user_id, self.kind, self.start)


@dataclass(frozen=True, slots=True)
class _AllTimeBoard:
    tx: Tx
    guild_id: int

    def size(self) -> int:
        return boards.total_size(self.tx, self.guild_id)

    def page(self, offset: int) -> list[BoardRow]:
        return boards.total_page(self.tx, self.guild_id, offset, PER_PAGE)

    def ahead(self, row: BoardRow) -> int:
        return boards.total_ahead(self.tx, self.guild_id, row.score)

    def entry(self, user_id: int) -> BoardRow | None:
        return boards.total_entry(self.tx, self.guild_id, user_id)


class _StreakBoard:
    def __init__(self, tx: Tx, guild_id: int, now: datetime) -> None:
        self.tx, self.guild_id, self.now = tx, guild_id, now
        self._alive: int | None = None

    def alive(self) -> int:
        """How many live streaks there are: counted once per page, and only if needed."""
        if self._alive is None:
            self._alive = boards.streak_alive_size(self.tx, self.guild_id, self.now)
        return self._alive

    def size(self) -> int:
        return boards.streak_size(self.tx, self.guild_id)

    def page(self, offset: int) -> list[BoardRow]:
        return boards.streak_page(self.tx, self.guild_id, self.now, offset, PER_PAGE, self.alive)

    def ahead(self, row: BoardRow) -> int:
        return boards.streak_ahead(self.tx, self.guild_id, self.now, row)

    def entry(self, user_id: int) -> BoardRow | None:
        return boards.streak_entry(self.tx, self.guild_id, user_id, self.now)


def _queries(tx: Tx, guild_id: int, period: Period, today: date, now: datetime) -> _Queries:
    if period is Period.STREAK:
        return _StreakBoard(tx, guild_id, now)
    start = days.period_start(period, today)
    if start is None:
        return _AllTimeBoard(tx, guild_id)
    return _PeriodBoard(tx, guild_id, _KINDS[period], start)


def _build(
    tx: Tx,
    services: Services,
    guild_id: int,
    period: Period,
    page: int,
    caller_id: int,
    now: datetime,
    with_streaks: bool = False,
) -> Board:
    guild = services.cache.guild(tx, guild_id)
    today = days.local_day(now, days.effective_zone(None, guild.timezone, services.default_zone))
    board = _queries(tx, guild_id, period, today, now)
    size = board.size()
    total_pages = max(1, -(-size // PER_PAGE))
    number = min(max(page, 0), total_pages - 1)
    offset = number * PER_PAGE
    ranked: list[Ranked[BoardRow]] = []
    for index, row in enumerate(board.page(offset)):
        if not ranked:
            # Nobody is ahead of the first row of the first page.
            rank = 1 if offset == 0 else 1 + board.ahead(row)
        elif _key(row) == _key(ranked[-1].item):
            rank = ranked[-1].rank
        else:
            rank = offset + index + 1
        ranked.append(Ranked(rank, row))
    on_page = next((r for r in ranked if r.item.user_id == caller_id), None)
    if on_page is not None:
        caller: Ranked[BoardRow] | None = on_page
    else:
        mine = board.entry(caller_id)
        caller = None if mine is None else Ranked(1 + board.ahead(mine), mine)
    shown = Board(period, Page(number, total_pages, ranked), caller, on_page is not None)
    if not with_streaks:
        return shown
    users = {r.item.user_id for r in ranked} | ({caller.item.user_id} if caller else set())
    live = {user_id: _live_streak(tx, services, guild_id, user_id, now) for user_id in users}
    return replace(shown, streaks=live)


def _live_streak(tx: Tx, services: Services, guild_id: int, user_id: int, now: datetime) -> int:
    """The member's streak as it stands on their own today (at most a page of these)."""
    context, _, today = services.cache.local_today(
        tx, guild_id, user_id, now, services.default_zone
    )
    state = summaries.to_state(summaries_sql.read(tx, guild_id, user_id))
    return streaks.current_streak(state, today, pauses.weeks_of(context.member.paused))


async def leaderboard_page(
    services: Services,
    guild_id: int,
    period: Period,
    page: int,
    caller_id: int,
    *,
    with_streaks: bool = False,
) -> Board:
    """Page `page` (0-based, clamped) of the server's board for `period`, with the
    caller's own rank. One read of a few indexed ranges, however big the server."""
    now = services.now()
    return await services.store.read(
        lambda tx: _build(tx, services, guild_id, period, page, caller_id, now, with_streaks)
    )
