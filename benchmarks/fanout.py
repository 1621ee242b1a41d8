"""`python -m benchmarks.fanout`: thousands of servers whose reminders (or weekly recaps,
or streak-at-risk calls: `--kind`) fall due in the same minute, the local Discord
enforcing the global 50 requests/s and the per-route buckets.

legday runs as production does (`python -m bot run`, default settings, a SQLite file
seeded with one daily schedule per server, each server with three members who opted in
to pings; for the weekly kinds, see `benchmarks.fanout_kinds`), from this checkout or
another (`--bot-project DIR`: the same benchmark code measures an older engine). Measured
at the local Discord, as the messages are stored: the first and last message's arrival
after the due minute, against the floor N/50 s that Discord's global limit allows;
duplicates (a channel served twice), lost (a server never served) and the 429s Discord
answered. The weekly kinds' messages are also checked for what they say, and the bot's
ledger for one post per server recorded sent. `--quick` runs all three kinds at once, on
separate servers, in one bot (one wait for the due minute).

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
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
from benchmarks.fanout_kinds import KINDS, MARKS, OPTED_IN, WORDING, Plan, plan
from benchmarks.measure import table
from benchmarks.processes import BotRun, baseline_env, disconnect_all
from benchmarks.servers import Server, Servers
from bot.core.days import week_start
from fakediscord import FakeDiscord, Message

DISCORD_GLOBAL_PER_SECOND = 50
TARGET_FIRST = 1.0  # seconds after the due minute
TARGET_LAST_OVER_FLOOR = 1.1
AFTERWARDS = 3.0  # seconds to keep watching for a second copy once every server has one
LONG = 10_000


@dataclass
class Arrivals:
    """Bot messages in the watched channels, by channel, stamped (wall clock) as stored."""

    fd: FakeDiscord
    channels: set[int]
    marker: str
    times: dict[int, list[float]] = field(default_factory=dict)
    firsts: dict[int, Message] = field(default_factory=dict)  # the first copy in each
    unexpected: int = 0  # bot messages there that are not the reminder

    def __call__(self, message: Message) -> None:
        if message.author.id != self.fd.bot_user.id or message.channel_id not in self.channels:
            return
        if self.marker not in message.content:
            self.unexpected += 1
            return
        self.times.setdefault(message.channel_id, []).append(time.time())
        self.firsts.setdefault(message.channel_id, message)

    def reached_all(self) -> bool:
        return len(self.times) >= len(self.channels)


@dataclass
class Everywhere:
    """Every kind's arrivals at once, for `_collect`."""

    parts: list[Arrivals]

    def reached_all(self) -> bool:
        return all(part.reached_all() for part in self.parts)


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
    kind: str = "reminder"

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
        said = WORDING.get(self.kind, WORDING["reminder"])
        if self.lost():
            found.append(f"{self.lost()} of {self.servers} servers {said.lost}")
        if self.duplicates():
            found.append(f"{self.duplicates()} {said.twice}")
        if self.too_many_requests():
            found.append(f"Discord answered {self.too_many_requests()} requests with 429")
        if self.unexpected:
            found.append(f"{self.unexpected} other bot messages in the {said.noun} channels")
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


def make_plans(kinds: Sequence[str], servers: Sequence[Server], now: datetime) -> list[Plan]:
    """Each kind on its own equal share of `servers`, in the order given."""
    each = len(servers) // len(kinds)
    return [
        plan(kind, servers[n * each : (n + 1) * each], week_start(now.date()), now, 1 + each * n)
        for n, kind in enumerate(kinds)
    ]


async def _seed(db_path: Path, plans: Sequence[Plan], margin: float, this_monday: date) -> datetime:
    """Seed every plan (made for the week of `this_monday`); returns the due minute, the
    first whole minute `margin` seconds after the slow part (the weekly kinds' history)
    is done."""
    url = f"sqlite+aiosqlite:///{db_path}"
    weekly = [server for p in plans for server in p.weekly]
    if weekly:
        store = await ours.ours_open_store(url)
        try:
            await ours.ours_seed_weekly(store, weekly, datetime.now(UTC))
        finally:
            await ours.ours_close_store(store)
    due = next_due_minute(time.time(), margin)
    if weekly and week_start(due.date()) != this_monday:
        raise SystemExit("the due minute fell in a new week (UTC) while seeding: run it again")
    now = datetime.now(UTC)
    store = await ours.ours_open_store(url)
    try:
        for p in plans:
            if p.kind == "reminder":
                await _seed_reminders(store, p, due, now)
            else:
                channels = {s.guild.id: c for s, c in zip(p.servers, p.channels, strict=True)}
                await ours.ours_set_weekly_moment(store, p.kind, channels, due)
    finally:
        await ours.ours_close_store(store)
    return due


async def _seed_reminders(store: object, p: Plan, due: datetime, now: datetime) -> None:
    """One daily schedule per server at `due` in its first text channel, and three members
    each who opted in."""
    schedules = [
        ours.ScheduleSeed(p.first_id + n, s.guild.id, channel, due.strftime("%H:%M"), now)
        for n, (s, channel) in enumerate(zip(p.servers, p.channels, strict=True))
    ]
    opted = [(s.guild.id, user) for s in p.servers for user in s.member_ids[:OPTED_IN]]
    await ours.ours_seed_reminders(store, schedules, opted)


async def _collect(
    arrivals: Arrivals | Everywhere, until: float, gave_up: Callable[[], bool] = lambda: False
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
    kinds: Sequence[str],
    servers: Sequence[Server],
    bot_side: BotUnderTest,
    folder: Path,
    margin: float,
    wait: float,
) -> list[FanOut]:
    """One bot serving every kind, each on its own share of `servers`, all due in the same
    minute: one result per kind (the run's notes, 429s and process problems on each)."""
    await disconnect_all(fd)
    count = len(servers)
    db_path = folder / f"legday-{count}.db"
    started = datetime.now(UTC)
    plans = make_plans(kinds, servers, started)
    due = await _seed(db_path, plans, margin, week_start(started.date()))
    notes = []
    if any(p.weekly for p in plans):
        seeded = (datetime.now(UTC) - started).total_seconds()
        notes.append(f"seeding the weekly kinds' history took {seeded:.1f} s (before the margin)")
    env = ours.ours_reminder_bot_env(fd, f"sqlite+aiosqlite:///{db_path}", **bot_side.settings)
    log_path = folder / f"legday-{count}.log"
    bot = BotRun("legday", bot_side.command(), env, log_path, cwd=bot_side.project)
    watched = [Arrivals(fd, set(p.channels), MARKS[p.kind]) for p in plans]
    stops = [fd.observe_messages(arrivals) for arrivals in watched]
    violations_before, requests_before = len(fd.violations), len(fd.requests)
    everywhere = Everywhere(watched)
    try:
        await bot.start(fd, within=max(60.0, count / 20))
        if not await gateway_drained(fd, max(0.0, due.timestamp() - time.time())):
            notes.append("the servers were still arriving at the bot at the due minute")
        armed = await wait_until(
            lambda: bool(find_lines(bot.log_tail(10_000_000), ours.ARMED_LINE)),
            max(0.0, due.timestamp() - time.time()),
        )
        problems = [] if armed else ["the bot had not armed the reminders by the due minute"]
        await _collect(everywhere, due.timestamp() + wait)
    finally:
        for stop in stops:
            stop()
        code = await bot.stop()
    notes += _stall_notes(bot, due.timestamp())
    notes += request_notes(fd, requests_before, due.timestamp())
    problems += _finish_problems(bot, code)
    rate_limited = rate_limited_since(fd, violations_before)
    return [
        FanOut(
            bot_side.label(),
            len(p.servers),
            due.timestamp(),
            arrivals.times,
            rate_limited,
            arrivals.unexpected,
            problems + _content_problems(p, arrivals) + p.ledger_problems(db_path),
            notes,
            p.kind,
        )
        for p, arrivals in zip(plans, watched, strict=True)
    ]


def _content_problems(p: Plan, arrivals: Arrivals, shown: int = 3) -> list[str]:
    """What the first message in each channel says that it should not."""
    wrong = []
    for channel, message in sorted(arrivals.firsts.items()):
        expect = p.expect.get(channel)
        found = expect(message) if expect else None
        if found:
            wrong.append(f"channel {channel}: {found}")
    if not wrong:
        return []
    more = f" (and {len(wrong) - shown} more)" if len(wrong) > shown else ""
    examples = "; ".join(wrong[:shown])
    return [f"{len(wrong)} {WORDING[p.kind].noun}s said the wrong thing: {examples}{more}"]


def _stall_notes(bot: BotRun, due: float) -> list[str]:
    stalls = find_lines(bot.log_tail(10_000_000), ours.LOOP_LAG_LINE)
    notes = []
    for when, picked in (
        ("before", [s for s in stalls if s.at < due]),
        ("from", [s for s in stalls if s.at >= due]),
    ):
        if picked:
            longest = max(picked, key=lambda s: s.numbers[0])
            ended = longest.at - due
            notes.append(
                f"{len(picked)} loop stalls logged {when} the due minute, longest "
                f"{longest.numbers[0]} ms (ended at {ended:+.2f} s)"
            )
    return notes


async def run_bare(fd: FakeDiscord, channels: list[int], folder: Path, wait: float) -> FanOut:
    """discord.py alone, one message to each channel: the baseline of every kind."""
    await disconnect_all(fd)
    count = len(channels)
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
        "any",
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
                r.kind,
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
    headers = ["bot", "kind", "servers", "first", "last", "floor", "last/floor", "dup", "lost"]
    return table([*headers, "429s"], rows)


def together(results: Sequence[FanOut]) -> FanOut:
    """One bot's kinds as one fan-out (their channels are distinct)."""
    first = results[0]
    arrivals = {channel: found for r in results for channel, found in r.arrivals.items()}
    servers = sum(r.servers for r in results)
    unexpected = sum(r.unexpected for r in results)
    return FanOut(
        first.side, servers, first.start, arrivals, first.rate_limited, unexpected, kind="all"
    )


def _title(count: int, kinds: Sequence[str]) -> str:
    if len(kinds) == 1:
        what = f"{count:,} servers, one {WORDING[kinds[0]].noun} each due in the same minute"
    else:
        what = (
            f"{len(kinds)} x {count:,} servers ({', '.join(kinds)}, each kind on its own "
            "servers, in one bot), all due in the same minute"
        )
    return (
        f"Fan-out: {what}; the local Discord allows {DISCORD_GLOBAL_PER_SECOND} requests/s "
        f"(floor = servers / {DISCORD_GLOBAL_PER_SECOND} s); times from the due minute "
        "(bare: from its order to send)"
    )


async def main(
    count: int,
    bot_side: BotUnderTest,
    bare: bool,
    margin: float,
    wait: float,
    keep: Path | None = None,
    kinds: Sequence[str] = ("reminder",),
) -> int:
    """`count` servers for each of `kinds`; 1 when a check failed."""
    # Counted and reported here; one warning per 429 would bury the report.
    logging.getLogger("fakediscord").setLevel(logging.ERROR)
    results: list[FanOut] = []
    with tempfile.TemporaryDirectory(prefix="legday-fanout-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        async with FakeDiscord(heartbeat_interval_ms=5000, check_types=False) as fd:
            built_at = time.monotonic()
            servers = Servers(fd, members_each=8, emojis=(0, 0))
            servers.grow_to(count * len(kinds))
            print(
                f"built {count * len(kinds):,} servers in {time.monotonic() - built_at:.1f} s",
                flush=True,
            )
            # The world lives as long as the run: keeping the collector off it keeps this
            # process (the local Discord) from pausing, which would bunch requests up and
            # charge the bot for the jitter.
            gc.collect()
            gc.freeze()
            if bare:
                channels = [s.text_channel_ids[0] for s in servers.built]
                results.append(await run_bare(fd, channels, folder, wait))
                print(f"{results[-1].side}: done", file=sys.stderr, flush=True)
            results += await run_legday(fd, kinds, servers.built, bot_side, folder, margin, wait)
            print(f"{results[-1].side}: done", file=sys.stderr, flush=True)
    legday = results[len(results) - len(kinds) :]
    baselines = results[: len(results) - len(kinds)]
    # Kinds due together share Discord's 50/s: the targets are the whole run's.
    timed = [together(legday)] if len(kinds) > 1 else legday
    print(_title(count, kinds))
    print(report(results if timed is legday else [*results, *timed]))
    failed = False
    for r in [*baselines, legday[0]]:  # a bot's run notes are the same on each of its kinds
        for note in r.notes:
            print(f"  note, {r.side}: {note}")
    for r in legday:
        problems = r.check_problems()
        print(f"\nchecks, {r.kind} (legday: every server served once, no 429):")
        for problem in problems:
            print(f"  FAILED: {problem}")
            failed = True
        if not problems:
            print(f"  {WORDING[r.kind].passed}")
    for r in baselines:
        for problem in r.problems:
            print(f"  FAILED, {r.side}: {problem}")
            failed = True
    for r in timed:
        misses = r.target_misses()
        met = "met (first <= 1 s, last <= 1.1x floor)"
        print(f"targets, {r.kind}: {'; '.join(misses) if misses else met}")
    return 1 if failed else 0


def _cli() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.fanout",
        description="legday vs bare discord.py: one reminder (recap, streak-at-risk call) to "
        "each of N servers, due at once",
    )
    parser.add_argument("--servers", type=at_least(1), default=2000, help="(2000)")
    parser.add_argument("--long", action="store_true", help=f"{LONG:,} servers (not in CI)")
    parser.add_argument(
        "--quick", action="store_true", help="40 servers of each kind at once: checks only"
    )
    parser.add_argument(
        "--kind",
        choices=[*KINDS, "all"],
        help="what falls due: a reminder (default), the weekly recap, the streak-at-risk "
        "call, or all three on separate servers in one bot (default with --quick)",
    )
    parser.add_argument("--no-bare", action="store_true", help="legday alone")
    parser.add_argument(
        "--margin",
        type=float,
        help="seconds from seeding (the weekly kinds: from the end of their history) to the "
        "earliest due minute (default 8 + servers/100, all kinds' servers counted)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        help="seconds after the due minute to wait for the last one (default 60 + servers/4, "
        "all kinds' servers counted)",
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the logs and database")
    add_bot_arguments(parser)
    args = parser.parse_args()
    count = 40 if args.quick else LONG if args.long else args.servers
    kind = args.kind or ("all" if args.quick else "reminder")
    kinds = KINDS if kind == "all" else (kind,)
    if args.quick:
        print(QUICK_NOTE, flush=True)
    total = count * len(kinds)
    margin = args.margin if args.margin is not None else 8 + total / 100
    wait = args.wait if args.wait is not None else 60 + total / 4
    bot_side = bot_from_arguments(args)
    sys.exit(asyncio.run(main(count, bot_side, not args.no_bare, margin, wait, args.keep, kinds)))


if __name__ == "__main__":
    _cli()
