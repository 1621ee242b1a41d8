"""`python -m benchmarks`: the storage hot paths against naive equivalents, side by side.

Absolute numbers are noise on a shared machine; the ratio in each row is the result.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bot.core import streaks
from bot.core.days import Period
from bot.leaderboard import build_board
from bot.runner import open_store
from bot.schema import checkins, member_stats
from bot.settings import load_settings
from bot.store import Store

GUILD = 1


async def _timed(runs: int, work: Callable[[int], Awaitable[object]]) -> list[float]:
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        await work(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _row(name: str, ours: list[float], naive: list[float]) -> str:
    a, b = statistics.median(ours), statistics.median(naive)
    return f"{name:<44} {a:9.3f} ms {b:9.3f} ms {b / a:8.1f}x"


async def _seed(store: Store, members: int, days_back: int, today: date) -> None:
    rng = random.Random(7)
    now = datetime.now(UTC)
    rows = []
    for user in range(members):
        for offset in range(days_back):
            if rng.random() < 0.35:
                rows.append(
                    {
                        "guild_id": GUILD,
                        "user_id": 1000 + user,
                        "day": today - timedelta(days=offset + 1),
                        "created_at": now,
                        "note": None,
                        "source": "seed",
                    }
                )
    async with store.engine.begin() as conn:
        await conn.execute(checkins.insert(), rows)
    await store.set_weekly_target(GUILD, 1)  # builds every member's summary row


async def _naive_checkin(store: Store, user_id: int, day: date, now: datetime) -> None:
    # The obvious way: insert, then recompute the streak from the member's whole history.
    async with store.engine.begin() as conn:
        await conn.execute(
            checkins.insert().values(
                guild_id=GUILD, user_id=user_id, day=day, created_at=now, note=None, source="b"
            )
        )
        days = [
            d
            for (d,) in await conn.execute(
                sa.select(checkins.c.day)
                .where(checkins.c.guild_id == GUILD)
                .where(checkins.c.user_id == user_id)
            )
        ]
        streaks.rebuild(days, 1)


async def _naive_alltime(store: Store) -> None:
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(checkins.c.user_id, sa.func.count())
            .where(checkins.c.guild_id == GUILD)
            .group_by(checkins.c.user_id)
            .order_by(sa.func.count().desc())
        )
        rows.all()


async def main(members: int, days_back: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        store = await open_store(load_settings(database_url=url))
        today = date.today()
        now = datetime.now(UTC)
        await _seed(store, members, days_back, today)
        async with store.engine.connect() as conn:
            total = (await conn.execute(sa.select(sa.func.count()).select_from(checkins))).scalar()
        print(f"{members} members, {total} check-ins over {days_back} days, {runs} runs each")
        print(f"{'':<44} {'ours':>12} {'naive':>12} {'ratio':>9}")

        ours = await _timed(
            runs,
            lambda i: store.record_checkin(
                GUILD, 1000 + i, today, now=now, note=None, source="b", weekly_target=1
            ),
        )
        naive = await _timed(runs, lambda i: _naive_checkin(store, 1000 + runs + i, today, now))
        print(_row("check-in (summary row vs full recompute)", ours, naive))

        ours = await _timed(runs, lambda i: store.counts_since(GUILD, None, today))
        naive = await _timed(runs, lambda i: _naive_alltime(store))
        print(_row("all-time board rows (summary vs GROUP BY)", ours, naive))

        week_start = today - timedelta(days=today.weekday())
        ours = await _timed(runs, lambda i: store.counts_since(GUILD, week_start, today))
        async with store.engine.begin() as conn:
            await conn.execute(sa.text("DROP INDEX ix_checkins_guild_day_user"))
        naive = await _timed(runs, lambda i: store.counts_since(GUILD, week_start, today))
        print(_row("week board rows (covering index vs none)", ours, naive))

        ours = await _timed(runs, lambda i: build_board(store, GUILD, Period.STREAK, 0, 1000, now))
        async with store.engine.connect() as conn:
            assert (
                await conn.execute(sa.select(sa.func.count()).select_from(member_stats))
            ).scalar()
        print(f"{'streak board page, built in Python':<44} {statistics.median(ours):9.3f} ms")
        await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.members, args.days, args.runs))
