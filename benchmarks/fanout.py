"""`python -m benchmarks.fanout`: thousands of servers whose reminders fall due in the same
minute, the local Discord enforcing the global 50 requests/s and the per-route buckets.

legday runs as production does (`python -m bot run`, default settings, a SQLite file
seeded with one daily schedule per server, each server with three members who opted in
to pings), from this checkout or another (`--bot-project DIR`: the same benchmark code
measures an older engine). Measured at the local Discord, as the messages are stored:
the first and last reminder's arrival after the due minute, against the floor N/50 s
that Discord's global limit allows; duplicates (a channel reminded twice), lost (a server
never reminded) and the 429s Discord answered.

Side by side, in the same run: `benchmarks.bare_fanout`, discord.py alone sending the
same N messages with `asyncio.gather` (no pacing of its own), timed from the moment it is
told to send: what discord.py's own 429 handling does against the global limit.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import math
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import ours
from benchmarks.arguments import QUICK_NOTE, at_least
from benchmarks.bare_fanout import CONTENT as BARE_CONTENT
from benchmarks.bot_under_test import (
    BotUnderTest,
    add_bot_arguments,
    bot_from_arguments,
    gateway_drained,
    rate_limited_since,
    wait_until,
)
from benchmarks.botlog import find_lines, tracebacks
from benchmarks.measure import table
from benchmarks.processes import BotRun, baseline_env, disconnect_all
from benchmarks.servers import Servers
from fakediscord import FakeDiscord, Message

DISCORD_GLOBAL_PER_SECOND = 50
TARGET_FIRST = 1.0  # seconds after the due minute
TARGET_LAST_OVER_FLOOR = 1.1
OPTED_IN = 3  # members per server who asked to be pinged
AFTERWARDS = 3.0  # seconds to keep watching for a second copy once every server has one
LONG = 10_000


@dataclass
class Arrivals:
    """Bot messages in the watched channels, by channel, stamped (wall clock) as stored."""

    fd: FakeDiscord
    channels: set[int]
    marker: str
    times: dict[int, list[float]] = field(default_factory=dict)
    unexpected: int = 0  # bot messages there that are not the reminder

    def __call__(self, message: Message) -> None:
        if message.author.id != self.fd.bot_user.id or message.channel_id not in self.channels:
            return
        if self.marker not in message.content:
            self.unexpected += 1
            return
        self.times.setdefault(message.channel_id, []).append(time.time())

    def reached_all(self) -> bool:
        return len(self.times) >= len(self.channels)


@dataclass
class FanOut:
    side: str
    servers: int
    start: float  # the due minute (legday) or the order to send (bare), epoch seconds
    arrivals: dict[int, list[float]]
    rate_limited: dict[str, int]
    unexpected: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def floor(self) -> float:
        return self.servers / DISCORD_GLOBAL_PER_SECOND

    def first(self) -> float:
        stamps = [t for found in self.arrivals.values() for t in found]
        return min(stamps) - self.start if stamps else math.nan

    def last(self) -> float:
        firsts = [min(found) for found in self.arrivals.values() if found]
        return max(firsts) - self.start if firsts else math.nan

    def duplicates(self) -> int:
        return sum(len(found) - 1 for found in self.arrivals.values() if len(found) > 1)

    def lost(self) -> int:
        return self.servers - sum(1 for found in self.arrivals.values() if found)

    def too_many_requests(self) -> int:
        return sum(self.rate_limited.values())

    def check_problems(self) -> list[str]:
        """What must never happen, whatever the timing."""
        found = []
        if self.lost():
            found.append(f"{self.lost()} of {self.servers} servers were never reminded")
        if self.duplicates():
            found.append(f"{self.duplicates()} reminders were posted twice")
        if self.too_many_requests():
            found.append(f"Discord answered {self.too_many_requests()} requests with 429")
        if self.unexpected:
            found.append(f"{self.unexpected} other bot messages in the reminder channels")
        return found + self.problems

    def target_misses(self) -> list[str]:
        misses = []
        if not self.first() <= TARGET_FIRST:
            misses.append(f"first after {self.first():.2f} s (target <= {TARGET_FIRST:.0f} s)")
        limit = self.floor() * TARGET_LAST_OVER_FLOOR
        if not self.last() <= limit:
            misses.append(f"last after {self.last():.1f} s (target <= {limit:.0f} s)")
        return misses


def next_due_minute(now: float, margin: float) -> datetime:
    """The first whole minute at least `margin` seconds after `now` (UTC)."""
    earliest = datetime.fromtimestamp(now + margin, UTC)
    minute = earliest.replace(second=0, microsecond=0)
    return minute if minute == earliest else minute + timedelta(minutes=1)


async def _seed(db_path: Path, servers: Servers, due: datetime, now: datetime) -> list[int]:
    """One daily schedule per server at `due` in its first text channel, and three members
    each who opted in; returns the channel ids."""
    store = await ours.ours_open_store(f"sqlite+aiosqlite:///{db_path}")
    try:
        schedules = [
            ours.ScheduleSeed(
                index + 1, server.guild.id, server.text_channel_ids[0], due.strftime("%H:%M"), now
            )
            for index, server in enumerate(servers.built)
        ]
        opted = [(s.guild.id, user) for s in servers.built for user in s.member_ids[:OPTED_IN]]
        await ours.ours_seed_reminders(store, schedules, opted)
    finally:
        await ours.ours_close_store(store)
    return [s.channel_id for s in schedules]


async def _collect(
    arrivals: Arrivals, until: float, gave_up: Callable[[], bool] = lambda: False
) -> None:
    """Until every channel has its message, the sender says it is done, or `until`."""
    await wait_until(
        lambda: arrivals.reached_all() or gave_up(), max(0.0, until - time.time()), 0.1
    )
    await asyncio.sleep(AFTERWARDS)


def _finish_problems(bot: BotRun, code: int | None) -> list[str]:
    problems = []
    if code not in (0, None):
        problems.append(f"{bot.name} did not stop cleanly ({bot.ended}):\n{bot.log_tail()}")
    if tracebacks(bot.log_tail(10_000_000)):
        problems.append(f"{bot.name} logged a traceback:\n{bot.log_tail()}")
    return problems


async def run_legday(
    fd: FakeDiscord,
    servers: Servers,
    bot_side: BotUnderTest,
    folder: Path,
    margin: float,
    wait: float,
) -> FanOut:
    await disconnect_all(fd)
    count = len(servers.built)
    db_path = folder / f"legday-{count}.db"
    due = next_due_minute(time.time(), margin)
    channels = await _seed(db_path, servers, due, datetime.now(UTC))
    env = ours.ours_reminder_bot_env(fd, f"sqlite+aiosqlite:///{db_path}", **bot_side.settings)
    log_path = folder / f"legday-{count}.log"
    bot = BotRun("legday", bot_side.command(), env, log_path, cwd=bot_side.project)
    arrivals = Arrivals(fd, set(channels), ours.REMINDER_MARK)
    stop_observing = fd.observe_messages(arrivals)
    violations_before, requests_before = len(fd.violations), len(fd.requests)
    notes = []
    try:
        await bot.start(fd, within=max(60.0, count / 20))
        if not await gateway_drained(fd, max(0.0, due.timestamp() - time.time())):
            notes.append("the servers were still arriving at the bot at the due minute")
        armed = await wait_until(
            lambda: bool(find_lines(bot.log_tail(10_000_000), ours.ARMED_LINE)),
            max(0.0, due.timestamp() - time.time()),
        )
        problems = [] if armed else ["the bot had not armed the reminders by the due minute"]
        await _collect(arrivals, due.timestamp() + wait)
    finally:
        stop_observing()
        code = await bot.stop()
    stalls = find_lines(bot.log_tail(10_000_000), ours.LOOP_LAG_LINE)
    for when, picked in (
        ("before", [s for s in stalls if s.at < due.timestamp()]),
        ("from", [s for s in stalls if s.at >= due.timestamp()]),
    ):
        if picked:
            longest = max(picked, key=lambda s: s.numbers[0])
            ended = longest.at - due.timestamp()
            notes.append(
                f"{len(picked)} loop stalls logged {when} the due minute, longest "
                f"{longest.numbers[0]} ms (ended at {ended:+.2f} s)"
            )
    notes += request_notes(fd, requests_before, due.timestamp())
    return FanOut(
        bot_side.label(),
        count,
        due.timestamp(),
        arrivals.times,
        rate_limited_since(fd, violations_before),
        arrivals.unexpected,
        problems + _finish_problems(bot, code),
        notes,
    )


async def run_bare(fd: FakeDiscord, servers: Servers, folder: Path, wait: float) -> FanOut:
    await disconnect_all(fd)
    count = len(servers.built)
    channels = [s.text_channel_ids[0] for s in servers.built]
    ids_file = folder / "channels.txt"
    ids_file.write_text("\n".join(str(c) for c in channels))
    env = baseline_env(fd, BENCH_CHANNELS_FILE=str(ids_file))
    log_path = folder / f"bare-{count}.log"
    argv = [sys.executable, "-m", "benchmarks.bare_fanout"]
    bot = BotRun("bare discord.py", argv, env, log_path)
    arrivals = Arrivals(fd, set(channels), BARE_CONTENT)
    stop_observing = fd.observe_messages(arrivals)
    try:
        await bot.start(fd, within=max(60.0, count / 20))
        await gateway_drained(fd, max(60.0, count / 20))
        await asyncio.sleep(2.0)  # its cache is built; nothing else competes for the CPU
        violations_before, requests_before = len(fd.violations), len(fd.requests)
        start = time.time()
        os.kill(bot.pid, signal.SIGUSR1)
        await _collect(arrivals, start + wait, lambda: _reported(bot) is not None)
    finally:
        stop_observing()
        code = await bot.stop()
    said = _reported(bot)
    return FanOut(
        "bare discord.py (asyncio.gather)",
        count,
        start,
        arrivals.times,
        rate_limited_since(fd, violations_before),
        arrivals.unexpected,
        _finish_problems(bot, code),
        ([f"it reported: {said}"] if said else []) + request_notes(fd, requests_before, start),
    )


def request_notes(fd: FakeDiscord, requests_before: int, start: float) -> list[str]:
    """When the 429s came (seconds after `start`) and the most requests the local Discord
    took in any one second: the evidence when a 429 appears."""
    arrived = sorted(r.time for r in fd.requests[requests_before:] if r.time >= start)
    busiest, first = 0, 0
    for last, at in enumerate(arrived):
        while at - arrived[first] >= 1.0:
            first += 1
        busiest = max(busiest, last - first + 1)
    limited = [r.time - start for r in fd.requests[requests_before:] if r.status == 429]
    notes = [f"busiest second at the local Discord: {busiest} requests arrived"]
    if limited:
        shown = ", ".join(f"+{t:.2f} s" for t in limited[:5])
        notes.append(f"429s at {shown}{' ...' if len(limited) > 5 else ''}")
    return notes


def _reported(bot: BotRun) -> str | None:
    """The bare bot's own account once every send has returned: "sent N failed M"."""
    lines = [line.strip() for line in bot.log_tail(5000).splitlines()]
    done = [i for i, line in enumerate(lines) if line.startswith("sent ")]
    return None if not done else " / ".join(lines[done[-1] :][:2])


def report(results: list[FanOut]) -> str:
    rows = []
    for r in results:
        limited = r.rate_limited
        rows.append(
            [
                r.side,
                f"{r.servers:,}",
                f"{r.first():.2f} s",
                f"{r.last():.2f} s",
                f"{r.floor():.0f} s",
                f"{r.last() / r.floor():.2f}x",
                str(r.duplicates()),
                str(r.lost()),
                f"{sum(limited.values())} ({limited['global_rate_limit_exceeded']} global)",
            ]
        )
    headers = ["bot", "servers", "first", "last", "floor", "last/floor", "dup", "lost", "429s"]
    return table(headers, rows)


async def main(
    count: int,
    bot_side: BotUnderTest,
    bare: bool,
    margin: float,
    wait: float,
    keep: Path | None = None,
) -> int:
    # Counted and reported here; one warning per 429 would bury the report.
    logging.getLogger("fakediscord").setLevel(logging.ERROR)
    results: list[FanOut] = []
    with tempfile.TemporaryDirectory(prefix="legday-fanout-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        async with FakeDiscord(heartbeat_interval_ms=5000, check_types=False) as fd:
            built_at = time.monotonic()
            servers = Servers(fd, members_each=8, emojis=(0, 0))
            servers.grow_to(count)
            print(f"built {count:,} servers in {time.monotonic() - built_at:.1f} s", flush=True)
            # The world lives as long as the run: keeping the collector off it keeps this
            # process (the local Discord) from pausing, which would bunch requests up and
            # charge the bot for the jitter.
            gc.collect()
            gc.freeze()
            if bare:
                results.append(await run_bare(fd, servers, folder, wait))
                print(f"{results[-1].side}: done", file=sys.stderr, flush=True)
            results.append(await run_legday(fd, servers, bot_side, folder, margin, wait))
            print(f"{results[-1].side}: done", file=sys.stderr, flush=True)
    print(
        f"Fan-out: {count:,} servers, one reminder each due in the same minute; the local "
        f"Discord allows {DISCORD_GLOBAL_PER_SECOND} requests/s (floor = servers / "
        f"{DISCORD_GLOBAL_PER_SECOND} s); times from the due minute (bare: from its order to send)"
    )
    print(report(results))
    failed = False
    for r in results:
        for note in r.notes:
            print(f"  note, {r.side}: {note}")
    legday = results[-1]
    problems = legday.check_problems()
    print("\nchecks (legday: every server reminded once, no 429):")
    for problem in problems:
        print(f"  FAILED: {problem}")
        failed = True
    if not problems:
        print("  passed: every server reminded exactly once, no 429 from Discord")
    for r in results[:-1]:
        for problem in r.problems:
            print(f"  FAILED, {r.side}: {problem}")
            failed = True
    misses = legday.target_misses()
    print(f"targets: {'; '.join(misses) if misses else 'met (first <= 1 s, last <= 1.1x floor)'}")
    return 1 if failed else 0


def _cli() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.fanout",
        description="legday vs bare discord.py: one reminder to each of N servers, due at once",
    )
    parser.add_argument("--servers", type=at_least(1), default=2000, help="(2000)")
    parser.add_argument("--long", action="store_true", help=f"{LONG:,} servers (not in CI)")
    parser.add_argument("--quick", action="store_true", help="40 servers: checks only")
    parser.add_argument("--no-bare", action="store_true", help="legday alone")
    parser.add_argument(
        "--margin",
        type=float,
        help="seconds from seeding to the earliest due minute (default 8 + servers/100)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        help="seconds after the due minute to wait for the last one (default 60 + servers/4)",
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the logs and database")
    add_bot_arguments(parser)
    args = parser.parse_args()
    count = 40 if args.quick else LONG if args.long else args.servers
    if args.quick:
        print(QUICK_NOTE, flush=True)
    margin = args.margin if args.margin is not None else 8 + count / 100
    wait = args.wait if args.wait is not None else 60 + count / 4
    bot_side = bot_from_arguments(args)
    sys.exit(asyncio.run(main(count, bot_side, not args.no_bare, margin, wait, args.keep)))


if __name__ == "__main__":
    _cli()
