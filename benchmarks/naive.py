"""The naive way, for comparison: straight SQL over the check-ins on the same SQLite file.

No summary tables, no cleverness: a `GROUP BY` per board, hidden members excluded with
`NOT IN`, ranking in Python; streaks rebuilt from every member's days. It uses its own
aiosqlite connection, so it stays the same reference whatever the bot's store becomes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.core import days as days_core
from bot.core import streaks


@dataclass(frozen=True, slots=True)
class NaivePage:
    rows: list[tuple[int, int, tuple[int, ...]]]  # (rank, user id, score) for page 1
    own: tuple[int, tuple[int, ...]] | None  # the caller's (rank, score)
    ranked: list[tuple[int, int, tuple[int, ...]]]  # every ranked member


def _rank(scored: Sequence[tuple[tuple[int, ...], int]], caller: int, per_page: int) -> NaivePage:
    """Competition ranking ("1, 2, 2, 4") of (score, user id), already sorted."""
    ranked = []
    previous: tuple[int, ...] | None = None
    rank = 0
    for position, (score, user) in enumerate(scored, start=1):
        if score != previous:
            rank, previous = position, score
        ranked.append((rank, user, score))
    own = next(((r, s) for r, u, s in ranked if u == caller), None)
    return NaivePage(ranked[:per_page], own, ranked)


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (KeyError, ValueError):
        return None


async def _guild(conn: aiosqlite.Connection, guild_id: int) -> tuple[ZoneInfo, int]:
    async with conn.execute(
        "SELECT timezone, weekly_target FROM guilds WHERE guild_id = ?", (guild_id,)
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return ZoneInfo("UTC"), 1
    return _zone(row[0]) or ZoneInfo("UTC"), int(row[1])


async def _streak_rules(
    conn: aiosqlite.Connection, guild_id: int
) -> tuple[streaks.ShieldRule, dict[int, set[int]]]:
    """The server's shield rule and each member's paused weeks, read straight."""
    async with conn.execute(
        "SELECT shield_every FROM guilds WHERE guild_id = ?", (guild_id,)
    ) as cursor:
        row = await cursor.fetchone()
    rule = streaks.ShieldRule(every=4 if row is None else int(row[0]))
    paused: dict[int, set[int]] = defaultdict(set)
    async with conn.execute(
        "SELECT user_id, week_start FROM member_pauses WHERE guild_id = ?", (guild_id,)
    ) as cursor:
        for user, monday in await cursor.fetchall():
            paused[int(user)].add(days_core.week_index(date.fromisoformat(monday)))
    return rule, paused


def window_start(period: str, today: date) -> date | None:
    if period == "week":
        return today - timedelta(days=today.weekday())
    if period == "month":
        return today.replace(day=1)
    if period == "year":
        return today.replace(month=1, day=1)
    return None


async def naive_board(
    conn: aiosqlite.Connection,
    guild_id: int,
    period: str,
    caller: int,
    now: datetime,
    per_page: int = 10,
) -> NaivePage:
    """One GROUP BY over the check-ins in the window, ordered by count then user id."""
    if period == "streak":
        return await naive_streak_board(conn, guild_id, caller, now, per_page)
    zone, _target = await _guild(conn, guild_id)
    today = now.astimezone(zone).date()
    start = window_start(period, today)
    window = "" if start is None else "AND day >= ? AND day <= ?"
    params: tuple[object, ...] = (guild_id,)
    if start is not None:
        params += (start.isoformat(), today.isoformat())
    sql = f"""
        SELECT user_id, COUNT(*) AS days FROM checkins
        WHERE guild_id = ? {window}
          AND user_id NOT IN (SELECT user_id FROM members WHERE guild_id = ? AND hidden)
        GROUP BY user_id ORDER BY days DESC, user_id
    """
    async with conn.execute(sql, (*params, guild_id)) as cursor:
        rows = await cursor.fetchall()
    return _rank([((int(days),), int(user)) for user, days in rows], caller, per_page)


async def naive_streak_board(
    conn: aiosqlite.Connection, guild_id: int, caller: int, now: datetime, per_page: int = 10
) -> NaivePage:
    """Every member's days, streaks rebuilt in Python, each judged in their own zone."""
    guild_zone, target = await _guild(conn, guild_id)
    async with conn.execute(
        "SELECT user_id, timezone, hidden FROM members WHERE guild_id = ?", (guild_id,)
    ) as cursor:
        settings = {int(u): (tz, bool(h)) for u, tz, h in await cursor.fetchall()}
    days: dict[int, list[date]] = defaultdict(list)
    async with conn.execute(
        "SELECT user_id, day FROM checkins WHERE guild_id = ?", (guild_id,)
    ) as cursor:
        for user, day in await cursor.fetchall():
            days[int(user)].append(date.fromisoformat(day))
    rule, paused = await _streak_rules(conn, guild_id)
    scored = []
    for user, member_days in days.items():
        member_tz, hidden = settings.get(user, (None, False))
        if hidden:
            continue
        state = streaks.rebuild(member_days, target, rule, paused[user])
        today = now.astimezone(_zone(member_tz) or guild_zone).date()
        current = streaks.current_streak(state, today, paused[user])
        if current or state.best:
            scored.append(((current, state.best, state.total), user))
    scored.sort(key=lambda item: (tuple(-x for x in item[0]), item[1]))
    return _rank(scored, caller, per_page)


async def naive_checkin(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, now: datetime
) -> tuple[int, int, int]:
    """Insert today's check-in, then recompute the member's numbers from their history.

    Returns (this week, streak in weeks, total), what the reply shows.
    """
    guild_zone, target = await _guild(conn, guild_id)
    async with conn.execute(
        "SELECT timezone FROM members WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    ) as cursor:
        row = await cursor.fetchone()
    zone = (_zone(row[0]) if row else None) or guild_zone
    today = now.astimezone(zone).date()
    await conn.execute(
        "INSERT INTO checkins (guild_id, user_id, day, created_at, note, source)"
        " VALUES (?, ?, ?, ?, NULL, 'naive')",
        (
            guild_id,
            user_id,
            today.isoformat(),
            now.astimezone(UTC).replace(tzinfo=None).isoformat(" "),
        ),
    )
    async with conn.execute(
        "SELECT day FROM checkins WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    ) as cursor:
        history = [date.fromisoformat(day) for (day,) in await cursor.fetchall()]
    await conn.commit()
    rule, paused = await _streak_rules(conn, guild_id)
    state = streaks.rebuild(history, target, rule, paused[user_id])
    return (
        streaks.week_progress(state, today),
        streaks.current_streak(state, today, paused[user_id]),
        state.total,
    )


async def naive_remove(conn: aiosqlite.Connection, guild_id: int, user_id: int, day: date) -> int:
    """Delete one check-in; returns how many rows there were for that day."""
    cursor = await conn.execute(
        "DELETE FROM checkins WHERE guild_id = ? AND user_id = ? AND day = ?",
        (guild_id, user_id, day.isoformat()),
    )
    await conn.commit()
    return cursor.rowcount


async def stored_count(conn: aiosqlite.Connection, guild_id: int, user_id: int, day: date) -> int:
    async with conn.execute(
        "SELECT COUNT(*) FROM checkins WHERE guild_id = ? AND user_id = ? AND day = ?",
        (guild_id, user_id, day.isoformat()),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0
