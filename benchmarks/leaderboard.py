"""`python -m benchmarks.leaderboard`: leaderboard pages at a million check-ins, legday's
way against the naive query on the same SQLite file (or, with `--database postgresql`,
the same scratch PostgreSQL database on the server of `--postgres-url` or
LEGDAY_TEST_POSTGRES_URL: the naive side then runs its same SQL over asyncpg).

The database is created by the bot's real migrations and seeded in bulk: one server with
1,000,000 check-ins from 10,000 members over about two and a half years to today (mixed
activity, joiners and leavers, 2% hidden, 15% in other time zones) plus 50 smaller
background servers; the bot's summaries are built the way the bot builds them.

Compared, for each period (week, month, year, all, streak), interleaved run by run: page 1
of the board for a member who is *not* on it (so the own-rank line is computed), exactly
as the cog makes it (board, then embed), against one naive `GROUP BY user_id ORDER BY
count DESC, user_id` over the check-ins in the window (hidden members excluded with `NOT
IN`, ranked in Python); for `streak`, against reading every member's days and rebuilding
streaks in Python. Every run checks that both give the same page rows (rank, member,
score), the same page count and the same own rank. Also a check-in write: the bot's use
case against insert + recompute from history, both answering the same numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

import aiosqlite

from benchmarks import ours
from benchmarks.arguments import QUICK_NOTE, at_least
from benchmarks.history import ServerHistory, background_servers, make_server
from benchmarks.measure import CheckFailed, percentile, ratio, require, table
from benchmarks.naive import NaivePage, naive_board, naive_checkin, naive_remove, stored_count
from benchmarks.postgres import (
    SKIP_LINE,
    SqliteShapedConnection,
    add_database_arguments,
    fresh_database,
)
from benchmarks.postgres import server_url as postgres_server
from benchmarks.profiling import Sampler, summarize

GUILD = 900_000_000_000_000_001
FIRST_USER = 800_000_000_000_000_001
PERIODS = ("week", "month", "year", "all", "streak")
SPAN_DAYS = 913  # two and a half years
BATCH = 50_000
T = TypeVar("T")


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text))


def _naive_numbers(period: str, score: tuple[int, ...]) -> tuple[int, ...]:
    # The page shows a streak as "current (best B)"; the total only breaks ties.
    return score[:2] if period == "streak" else score


def check_same_page(period: str, seen: ours.PageSeen, naive: NaivePage) -> None:
    """Both sides must show the same rows, the same page count and the same own rank."""
    mine = [(rank, user, _numbers(score)) for rank, user, score in seen.rows]
    theirs = [(rank, user, _naive_numbers(period, score)) for rank, user, score in naive.rows]
    require(mine == theirs, f"{period}: page rows differ\n  legday: {mine}\n  naive:  {theirs}")
    own_mine = None if seen.own is None else (seen.own[0], _numbers(seen.own[1]))
    own_theirs = None if naive.own is None else (naive.own[0], _naive_numbers(period, naive.own[1]))
    require(own_mine is not None, f"{period}: legday showed no own-rank line")
    require(own_mine == own_theirs, f"{period}: own rank {own_mine} vs naive {own_theirs}")
    pages = max(1, -(-len(naive.ranked) // 10))
    require(
        seen.footer == f"Page 1/{pages}", f"{period}: footer {seen.footer!r}, naive {pages} pages"
    )


async def _timed(work: Callable[..., Awaitable[T]], *args: Any) -> tuple[float, T]:
    started = time.perf_counter()
    result = await work(*args)
    return (time.perf_counter() - started) * 1000, result


def _batches(servers: list[ServerHistory]) -> Iterator[list[dict[str, object]]]:
    batch: list[dict[str, object]] = []
    for server in servers:
        for row in server.checkin_rows():
            batch.append(row)
            if len(batch) == BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


async def _seed(store: object, servers: list[ServerHistory]) -> None:
    await ours.ours_bulk_load(
        store,
        [s.guild_row() for s in servers],
        [row for s in servers for row in s.member_rows()],
        _batches(servers),
    )
    for server in servers:
        await ours.ours_build_summaries(store, server.guild_id, server.weekly_target)


async def _boards(
    store: object, conn: aiosqlite.Connection, now: datetime, runs: int
) -> list[list[str]]:
    rows = []
    for period in PERIODS:
        everyone = await naive_board(conn, GUILD, period, 0, now)
        require(
            len(everyone.ranked) > 20,
            f"{period}: only {len(everyone.ranked)} members ranked, so nobody is below page 1;"
            " use more members or check-ins",
        )
        caller = everyone.ranked[len(everyone.ranked) // 2][1]
        ours_ms, naive_ms = [], []
        for run in range(runs + 1):  # run 0 warms up and is not counted
            mine_ms, seen = await _timed(
                ours.ours_leaderboard_page, store, GUILD, period, caller, now
            )
            theirs_ms, naive = await _timed(naive_board, conn, GUILD, period, caller, now)
            check_same_page(period, seen, naive)
            if run:
                ours_ms.append(mine_ms)
                naive_ms.append(theirs_ms)
        rows.append(_row(period, ours_ms, naive_ms))
        print(f"  {period}: done", file=sys.stderr, flush=True)
    return rows


def _row(name: str, ours_ms: list[float], naive_ms: list[float]) -> list[str]:
    a, b = percentile(ours_ms, 0.5), percentile(naive_ms, 0.5)
    return [
        name,
        f"{a:.2f}",
        f"{percentile(ours_ms, 0.95):.2f}",
        f"{b:.2f}",
        f"{percentile(naive_ms, 0.95):.2f}",
        f"{ratio(b, a):.2f}x",
    ]


def _fresh_members(server: ServerHistory, now: datetime) -> list[int]:
    """Members on the server's time who have not checked in today."""
    today = now.astimezone(ZoneInfo(server.timezone)).date()
    return [
        user
        for user, days in server.days_by_member.items()
        if user not in server.member_zones and today not in days
    ]


async def _checkin_writes(
    store: object,
    conn: aiosqlite.Connection,
    fresh: list[int],
    today: date,
    now: datetime,
    runs: int,
) -> list[str]:
    """Same member, same day, each side in turn; the other side's row is removed between."""
    chosen = random.Random(11).sample(fresh, runs + 1)
    ours_ms, naive_ms = [], []
    for run, user in enumerate(chosen):
        mine_ms, mine = await _timed(ours.ours_checkin, store, GUILD, user, now)
        require(await stored_count(conn, GUILD, user, today) == 1, "legday did not store it")
        await ours.ours_undo_checkin(store, GUILD, user, now)
        theirs_ms, theirs = await _timed(naive_checkin, conn, GUILD, user, now)
        require(await naive_remove(conn, GUILD, user, today) == 1, "naive did not store it")
        answer = (mine.this_week, mine.streak_weeks, mine.total)
        require(answer == theirs, f"check-in answers differ: legday {answer}, naive {theirs}")
        if run:
            ours_ms.append(mine_ms)
            naive_ms.append(theirs_ms)
    return _row("check-in write", ours_ms, naive_ms)


async def _profile(store: object, now: datetime, rows: list[list[str]], path: Path) -> str:
    """py-spy on this process while legday builds the slowest board's page, again and
    again for at least 8 seconds (so attaching and stopping py-spy are a small part)."""
    slowest = max(rows, key=lambda row: float(row[1]))[0]
    everyone = await ours.ours_leaderboard_page(store, GUILD, slowest, 0, now)
    caller = everyone.rows[-1][1]
    sampler = Sampler(os.getpid(), path, gil=False)
    builds = 0
    async with sampler:
        started = time.monotonic()
        while builds < 20 or time.monotonic() - started < 8:
            await ours.ours_leaderboard_page(store, GUILD, slowest, caller, now)
            builds += 1
    return (
        f"legday's {slowest} page built {builds} times, sampled by py-spy ({path}); the "
        "event loop idles in EpollSelector.select while SQLite runs in aiosqlite's thread:\n"
        + summarize(path, sampler.seconds, thread="MainThread")
    )


@contextlib.asynccontextmanager
async def _database(postgres: str | None) -> AsyncIterator[tuple[str, str]]:
    """The URL of an empty database, and what to call it in the report."""
    if postgres is None:
        with tempfile.TemporaryDirectory(prefix="legday-leaderboard-") as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'leaderboard.db'}", "SQLite file"
    else:
        async with fresh_database(postgres, "legday_leaderboard") as url:
            yield url, "PostgreSQL database"


@contextlib.asynccontextmanager
async def _naive_connection(url: str) -> AsyncIterator[aiosqlite.Connection]:
    """The naive side's own connection to the same database."""
    if url.startswith("sqlite"):
        async with aiosqlite.connect(url.partition(":///")[2]) as conn:
            yield conn
    else:
        # It answers the calls `benchmarks.naive` makes of an aiosqlite connection.
        async with await SqliteShapedConnection.connect(url) as shaped:
            yield cast(aiosqlite.Connection, shaped)


async def main(
    checkins: int,
    members: int,
    background: int,
    runs: int,
    profile: Path | None = None,
    postgres: str | None = None,
) -> int:
    rng = random.Random(2024)
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Europe/London")).date()
    started = time.perf_counter()
    server = make_server(rng, GUILD, FIRST_USER, members, checkins, SPAN_DAYS, today)
    others = background_servers(rng, background, GUILD + 1, FIRST_USER + members, today)
    generated = time.perf_counter() - started
    async with _database(postgres) as (url, where):
        store = await ours.ours_open_store(url)
        try:
            started = time.perf_counter()
            await _seed(store, [server, *others])
            seeded = time.perf_counter() - started
            print(
                f"Leaderboard: {server.checkins:,} check-ins from {members:,} members in one "
                f"server ({len(server.hidden)} hidden, {len(server.member_zones)} in other "
                f"zones) plus {background} servers with {sum(s.checkins for s in others):,}; "
                f"generated in {generated:.1f} s, loaded and summarised in {seeded:.1f} s. "
                f"{runs} runs each after a warm-up, on a {where}; times in ms.",
                flush=True,
            )
            fresh = _fresh_members(server, now)
            # The generated history is in the database now; keeping its million objects
            # would make every garbage collection during the timing slower.
            del server, others
            gc.collect()
            gc.freeze()
            async with _naive_connection(url) as conn:
                rows = await _boards(store, conn, now, runs)
                rows.append(await _checkin_writes(store, conn, fresh, today, now, runs))
            profiled = None if profile is None else await _profile(store, now, rows[:-1], profile)
        finally:
            await ours.ours_close_store(store)
    headers = ["page 1, caller below it", "legday p50", "p95", "naive p50", "p95", "speed-up"]
    print(table(headers, rows))
    print("speed-up = naive p50 / legday p50 (above 1: legday is faster)")
    print(
        "checks passed: every run, both sides showed the same rows, page count and own rank; "
        "both check-ins stored one row and answered the same numbers"
    )
    if profiled is not None:
        print("\n" + profiled)
    return 0


def _cli() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.leaderboard",
        description="legday's leaderboard pages against a naive GROUP BY, same database",
    )
    parser.add_argument(
        "--checkins", type=at_least(1), default=1_000_000, help="in the big server (1,000,000)"
    )
    parser.add_argument(
        "--members", type=at_least(1), default=10_000, help="of the big server (10,000)"
    )
    parser.add_argument("--servers", type=at_least(0), default=50, help="background ones (50)")
    parser.add_argument("--runs", type=at_least(1), default=20, help="timed runs per row (20)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks only")
    parser.add_argument(
        "--profile", type=Path, metavar="FILE", help="then profile the slowest page into FILE"
    )
    add_database_arguments(parser, "where both sides run")
    args = parser.parse_args()
    postgres = None
    if args.database == "postgresql":
        postgres = postgres_server(args.postgres_url)
        if postgres is None:
            print(SKIP_LINE)
            sys.exit(0)
    if args.checkins > args.members * SPAN_DAYS:
        parser.error(f"--checkins: at most one a day per member, {args.members * SPAN_DAYS:,}")
    if args.quick:
        print(QUICK_NOTE, flush=True)
        sizes = (20_000, 400, 3, 3)
    else:
        sizes = (args.checkins, args.members, args.servers, args.runs)
    try:
        code = asyncio.run(main(*sizes, profile=args.profile, postgres=postgres))
    except CheckFailed as exc:
        print(f"check failed: {exc}", file=sys.stderr)
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    _cli()
