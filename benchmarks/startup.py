"""`python -m benchmarks.startup`: how long legday takes to arm its reminders at start-up.

Three databases, each started once (a fresh SQLite file seeded straight into the tables,
then `python -m bot run` on default settings, logging at INFO, with
LEGDAY_LOOP_LAG_WARN_MS=20):

  none     no schedules: the baseline
  fresh    N daily schedules created a minute ago, none due
  history  N daily schedules eight weeks old, with one `sent` delivery row per past
           occurrence (as the engine writes them), and a few (`--missed`) whose occurrence
           fell due a few minutes before the start, inside the catch-up window

Measured from the bot's own log: READY (the "connected as ..." line, once every server has
arrived) to "reminders armed for N schedules", minus the same for `none`; the longest
event-loop stall the bot reported. Checked afterwards in the deliveries table and at the
local Discord: every missed occurrence sent exactly once, marked late, and nothing else
sent or recorded. `--bot-project DIR` runs another checkout with the same benchmark code.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks import ours
from benchmarks.arguments import QUICK_NOTE, at_least
from benchmarks.bot_under_test import (
    BotUnderTest,
    add_bot_arguments,
    bot_from_arguments,
    gateway_drained,
    wait_until,
)
from benchmarks.botlog import find_lines, tracebacks
from benchmarks.measure import median, table
from benchmarks.processes import BotRun, disconnect_all
from benchmarks.profiling import Sampler, summarize
from benchmarks.servers import Servers
from fakediscord import FakeDiscord, Message

SCENARIOS = ("none", "fresh", "history")
HISTORY_WEEKS = 8
MISSED_BEFORE_START = timedelta(minutes=3)
# Schedules that must not fire during a run sit at least this far after the start (and,
# a day round, well before it: outside any catch-up window).
CLEAR_AHEAD = timedelta(minutes=30)
CLEAR_BEHIND = timedelta(minutes=180)
LOOP_LAG_WARN_MS = 20
TARGET_ARMED_OVER_NONE = 1.0  # seconds
TARGET_LOOP_LAG_MS = 100
SETTLE = 2.0  # seconds watched after the last expected event
HISTORY_BATCH = 20_000


@dataclass(frozen=True, slots=True)
class Plan:
    """What one scenario's database holds; `missed` are the schedules owed a late send."""

    schedules: list[ours.ScheduleSeed]
    history: list[ours.DeliverySeed]
    missed: list[ours.ScheduleSeed]


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def clear_times(count: int, now: datetime) -> Iterator[str]:
    """`count` times of day ("HH:MM", UTC) spread over the part of the day that is at least
    CLEAR_AHEAD after `now` and CLEAR_BEHIND before it, a day round."""
    start = _minute(now) + CLEAR_AHEAD + timedelta(minutes=1)
    span = int((timedelta(days=1) - CLEAR_AHEAD - CLEAR_BEHIND) / timedelta(minutes=1)) - 2
    for index in range(count):
        yield (start + timedelta(minutes=index * span // max(count, 1))).strftime("%H:%M")


def past_fires(at: str, since: datetime, before: datetime) -> Iterator[tuple[date, datetime]]:
    """A daily schedule's occurrences (UTC) in [since, before)."""
    hour, minute = (int(part) for part in at.split(":"))
    day = since.date()
    while True:
        fire = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        if fire >= before:
            return
        if fire >= since:
            yield day, fire
        day += timedelta(days=1)


def plan(
    scenario: str, count: int, missed: int, servers: Servers, now: datetime, first_id: int = 1
) -> Plan:
    """The schedules (spread over the servers' first five text channels; the missed ones
    alone in the sixth, so their messages are easy to count) and the history."""
    if scenario == "none":
        return Plan([], [], [])
    built = servers.built
    owed = missed if scenario == "history" else 0
    created = now - timedelta(weeks=HISTORY_WEEKS) if scenario == "history" else now
    created -= timedelta(minutes=1)
    schedules = []
    for index, at in enumerate(clear_times(count - owed, now)):
        server = built[index % len(built)]
        channel = server.text_channel_ids[(index // len(built)) % 5]
        schedules.append(ours.ScheduleSeed(first_id + index, server.guild.id, channel, at, created))
    late_at = _minute(now - MISSED_BEFORE_START)
    owed_seeds = [
        ours.ScheduleSeed(
            first_id + count - owed + k,
            built[k % len(built)].guild.id,
            built[k % len(built)].text_channel_ids[5],
            late_at.strftime("%H:%M"),
            created,
        )
        for k in range(owed)
    ]
    history: list[ours.DeliverySeed] = []
    if scenario == "history":
        for schedule in schedules + owed_seeds:
            before = late_at if schedule in owed_seeds else now
            for day, fire in past_fires(schedule.at, created, before):
                message_id = 10**17 + len(history)
                history.append(ours.DeliverySeed(schedule.id, day, fire, message_id))
    return Plan(schedules + owed_seeds, history, owed_seeds)


@dataclass
class StartUp:
    scenario: str
    schedules: int
    spawned: float  # epoch seconds
    rep: int = 1
    ready: float = math.nan  # the "connected as" line, epoch seconds
    armed: float = math.nan
    armed_count: int | None = None
    stalls_ms: list[int] = field(default_factory=list)
    arming_stall_ms: int = 0  # the longest stall overlapping login .. armed
    late_sends: int = 0  # missed occurrences posted with the late mark
    problems: list[str] = field(default_factory=list)

    def armed_after_ready(self) -> float:
        return self.armed - self.ready

    def armed_after_start(self) -> float:
        return self.armed - self.spawned


class ChannelWatch:
    """Bot messages per channel, for the channels of the missed occurrences and the rest."""

    def __init__(self, fd: FakeDiscord) -> None:
        self.fd = fd
        self.found: dict[int, list[Message]] = {}

    def __call__(self, message: Message) -> None:
        if message.author.id == self.fd.bot_user.id:
            self.found.setdefault(message.channel_id, []).append(message)


async def _seed(db_path: Path, seeded: Plan) -> float:
    started = time.monotonic()
    store = await ours.ours_open_store(f"sqlite+aiosqlite:///{db_path}")
    try:
        batches = (
            seeded.history[i : i + HISTORY_BATCH]
            for i in range(0, len(seeded.history), HISTORY_BATCH)
        )
        await ours.ours_seed_reminders(store, seeded.schedules, (), batches)
    finally:
        await ours.ours_close_store(store)
    return time.monotonic() - started


async def run_scenario(
    fd: FakeDiscord,
    servers: Servers,
    scenario: str,
    count: int,
    missed: int,
    bot_side: BotUnderTest,
    folder: Path,
    within: float,
    rep: int = 1,
    profile: Path | None = None,
) -> StartUp:
    await disconnect_all(fd)
    db_path = folder / f"{scenario}-{rep}.db"
    # New ids each repetition: the reminders' nonces differ, so the local Discord does not
    # answer a repeat with the message the last repetition posted.
    first_id = (rep - 1) * count + 1
    seeded = plan(scenario, count, missed, servers, datetime.now(UTC), first_id)
    took = await _seed(db_path, seeded)
    print(
        f"{scenario}: seeded {len(seeded.schedules):,} schedules, {len(seeded.history):,} "
        f"delivery rows in {took:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    settings = {"LEGDAY_LOOP_LAG_WARN_MS": str(LOOP_LAG_WARN_MS), **bot_side.settings}
    env = ours.ours_reminder_bot_env(fd, f"sqlite+aiosqlite:///{db_path}", **settings)
    bot = BotRun(
        scenario, bot_side.command(), env, folder / f"{scenario}-{rep}.log", cwd=bot_side.project
    )
    watch = ChannelWatch(fd)
    stop_observing = fd.observe_messages(watch)
    result = StartUp(scenario, len(seeded.schedules), time.time(), rep)
    owed_channels = {s.channel_id for s in seeded.missed}

    def logged(pattern: str) -> bool:
        return bool(find_lines(bot.log_tail(100_000_000), pattern))

    def left() -> float:
        return max(0.0, within - (time.time() - result.spawned))

    sampled = asyncio.Event()
    profiling = None
    if profile is not None:
        sample_to = profile / f"{scenario}-{rep}.raw"
        profiling = asyncio.create_task(_sample_from_start(bot, sample_to, sampled))
    try:
        await bot.start(fd, within=within)
        await gateway_drained(fd, left())
        await wait_until(lambda: logged(ours.CONNECTED_LINE), left(), 0.2)
        await wait_until(lambda: logged(ours.ARMED_LINE), left(), 0.2)
        await wait_until(lambda: all(watch.found.get(c) for c in owed_channels), left(), 0.2)
        await asyncio.sleep(SETTLE)
    finally:
        sampled.set()
        if profiling is not None:
            seconds = await profiling
            print(f"{scenario} #{rep} sampled by py-spy:\n{summarize(sample_to, seconds)}\n")
        stop_observing()
        code = await bot.stop()
    text = bot.log_tail(100_000_000)
    connected = find_lines(text, ours.CONNECTED_LINE)
    armed = find_lines(text, ours.ARMED_LINE)
    if connected:
        result.ready = connected[0].at
    else:
        result.problems.append(f"never logged READY within {within:.0f} s")
    if armed:
        result.armed, result.armed_count = armed[0].at, armed[0].numbers[0]
    else:
        result.problems.append(f"not armed after {time.time() - result.spawned:.0f} s")
    stalls = find_lines(text, ours.LOOP_LAG_LINE)
    result.stalls_ms = [n for line in stalls for n in line.numbers]
    login = find_lines(text, ours.LOGIN_LINE)
    if login and armed:
        # A stall is logged when it ends, with its length: it overlapped the arming when it
        # ended after the login began and began before the armed line.
        result.arming_stall_ms = max(
            (
                line.numbers[0]
                for line in stalls
                if line.at >= login[0].at and line.at - line.numbers[0] / 1000 <= armed[0].at
            ),
            default=0,
        )
    result.problems += _delivery_problems(
        db_path, seeded, watch, datetime.fromtimestamp(result.spawned, UTC)
    )
    result.late_sends = sum(
        1
        for c in owed_channels
        if len(watch.found.get(c, [])) == 1 and ours.LATE_MARK in watch.found[c][0].content
    )
    if code not in (0, None):
        result.problems.append(f"did not stop cleanly ({bot.ended})")
    if tracebacks(text):
        result.problems.append(f"logged a traceback:\n{bot.log_tail()}")
    return result


async def _sample_from_start(bot: BotRun, path: Path, done: asyncio.Event) -> float:
    """Record the bot with py-spy from the moment its process exists until `done`."""
    while True:
        try:
            pid = bot.pid
            break
        except RuntimeError:  # not started yet
            await asyncio.sleep(0.005)
    sampler = Sampler(pid, path, gil=True)
    async with sampler:
        await done.wait()
    return sampler.seconds


def _delivery_problems(
    db_path: Path, seeded: Plan, watch: ChannelWatch, since: datetime
) -> list[str]:
    """Every missed occurrence sent once and marked late; nothing else sent or recorded."""
    problems = []
    rows = ours.ours_deliveries_since(db_path, since)
    owed = {s.id: s for s in seeded.missed}
    by_schedule: dict[int, list[ours.DeliveryRow]] = {}
    for row in rows:
        by_schedule.setdefault(row.schedule_id, []).append(row)
    for schedule_id, schedule in owed.items():
        found = by_schedule.get(schedule_id, [])
        if len(found) != 1 or found[0].state != "sent" or found[0].message_id is None:
            problems.append(f"missed schedule {schedule_id}: deliveries written {found}")
        posted = watch.found.get(schedule.channel_id, [])
        if len(posted) != 1:
            problems.append(f"missed schedule {schedule_id}: posted {len(posted)} times")
        elif ours.LATE_MARK not in posted[0].content:
            problems.append(f"missed schedule {schedule_id}: posted without the late mark")
    others = [row for row in rows if row.schedule_id not in owed]
    if others:
        problems.append(f"{len(others)} other deliveries written at start-up (e.g. {others[0]})")
    owed_channels = {s.channel_id for s in seeded.missed}
    stray = sum(len(found) for c, found in watch.found.items() if c not in owed_channels)
    if stray:
        problems.append(f"{stray} bot messages outside the missed schedules' channels")
    return problems


def _seconds(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f} s"


def _over_none(results: list[StartUp], metric: Callable[[StartUp], float]) -> dict[str, float]:
    """Per scenario: the median over repetitions of `metric` minus the same repetition's
    `none`."""
    base = {r.rep: metric(r) for r in results if r.scenario == "none"}
    found: dict[str, list[float]] = {}
    for r in results:
        found.setdefault(r.scenario, []).append(metric(r) - base.get(r.rep, math.nan))
    return {scenario: median(values) for scenario, values in found.items()}


def _longest_stall(results: list[StartUp], scenario: str) -> int:
    return max((n for r in results if r.scenario == scenario for n in r.stalls_ms), default=0)


def report(results: list[StartUp], missed: int) -> str:
    rows = []
    for r in results:
        rows.append(
            [
                f"{r.scenario} #{r.rep}",
                f"{r.schedules:,}",
                _seconds(r.ready - r.spawned),
                _seconds(r.armed_after_start()) if r.armed_count is not None else "not armed",
                _seconds(r.armed_after_ready()),
                f"{max(r.stalls_ms, default=0)} ms ({len(r.stalls_ms)})",
                f"{r.arming_stall_ms} ms",
                f"{r.late_sends}/{missed}" if r.scenario == "history" else "",
            ]
        )
    headers = [
        "scenario",
        "schedules",
        "READY",
        "armed",
        "armed - READY",
        f"longest stall (count > {LOOP_LAG_WARN_MS} ms)",
        "of it while arming",
        "late sends",
    ]
    after_ready = _over_none(results, StartUp.armed_after_ready)
    after_start = _over_none(results, StartUp.armed_after_start)
    summary = [
        [
            scenario,
            _seconds(after_ready[scenario]),
            _seconds(after_start[scenario]),
            f"{_longest_stall(results, scenario)} ms",
        ]
        for scenario in SCENARIOS
        if scenario != "none" and scenario in after_ready
    ]
    return "\n".join(
        [
            table(headers, rows),
            "(READY and armed: seconds after the process started, from its log; a negative "
            "'armed - READY' means armed before the servers had all arrived)",
            "",
            table(
                ["minus none's (median)", "armed - READY", "armed after start", "longest stall"],
                summary,
            ),
        ]
    )


async def main(
    count: int,
    servers_count: int,
    missed: int,
    bot_side: BotUnderTest,
    within: float,
    reps: int = 1,
    keep: Path | None = None,
    profile: Path | None = None,
) -> int:
    # Counted and reported here; one warning per 429 would bury the report.
    logging.getLogger("fakediscord").setLevel(logging.ERROR)
    results = []
    with tempfile.TemporaryDirectory(prefix="legday-startup-") as tmp:
        folder = keep or Path(tmp)
        for where in (folder, profile):
            if where is not None:
                where.mkdir(parents=True, exist_ok=True)
        async with FakeDiscord(heartbeat_interval_ms=5000, check_types=False) as fd:
            servers = Servers(fd, members_each=8, emojis=(0, 0))
            servers.grow_to(servers_count)
            for rep in range(1, reps + 1):
                for scenario in SCENARIOS:
                    result = await run_scenario(
                        fd, servers, scenario, count, missed, bot_side, folder, within, rep, profile
                    )
                    results.append(result)
                    print(f"{scenario} #{rep}: done", file=sys.stderr, flush=True)
    print(
        f"Start-up: {count:,} daily schedules over {servers_count:,} servers, "
        f"{bot_side.label()}; history = {HISTORY_WEEKS} weeks of deliveries and {missed} "
        f"occurrence{'s' if missed != 1 else ''} due {MISSED_BEFORE_START.seconds // 60} "
        "minutes before the start"
    )
    print(report(results, missed))
    failed = False
    print("\nchecks (missed occurrences sent once and marked late; nothing else sent):")
    for r in results:
        for problem in r.problems:
            print(f"  FAILED {r.scenario}: {problem}")
            failed = True
    if not failed:
        print("  passed: every missed occurrence sent exactly once, late; nothing else")
    after_ready = _over_none(results, StartUp.armed_after_ready)
    misses = [
        f"{scenario} armed {after_ready[scenario]:.2f} s after none (READY to armed)"
        for scenario in SCENARIOS[1:]
        if not after_ready[scenario] <= TARGET_ARMED_OVER_NONE
    ]
    misses += [
        f"{r.scenario}: loop stalled {max(r.stalls_ms)} ms"
        for r in results
        if max(r.stalls_ms, default=0) > TARGET_LOOP_LAG_MS
    ]
    print(
        "targets: "
        + ("; ".join(misses) if misses else "met (armed within 1 s of none, stalls <= 100 ms)")
    )
    return 1 if failed else 0


def _cli() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.startup",
        description="legday start-up with many schedules: READY to reminders armed",
    )
    parser.add_argument("--schedules", type=at_least(1), default=10_000, help="(10000)")
    parser.add_argument("--servers", type=at_least(1), default=1000, help="(1000)")
    parser.add_argument("--missed", type=at_least(1), default=1, help="occurrences owed (1)")
    parser.add_argument(
        "--timeout", type=float, default=180.0, help="seconds a start may take (180)"
    )
    parser.add_argument("--reps", type=at_least(1), default=1, help="repetitions (1)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the logs and databases")
    parser.add_argument(
        "--profile", type=Path, metavar="DIR", help="record each start with py-spy into DIR"
    )
    parser.add_argument("--quick", action="store_true", help="200 schedules: checks only")
    add_bot_arguments(parser)
    args = parser.parse_args()
    if args.quick:
        print(QUICK_NOTE, flush=True)
        count, servers_count, missed = 200, 20, 3
    else:
        count, servers_count, missed = args.schedules, args.servers, args.missed
    if missed > min(count, servers_count):
        parser.error("--missed must not exceed --schedules or --servers")
    bot_side = bot_from_arguments(args)
    run = main(
        count, servers_count, missed, bot_side, args.timeout, args.reps, args.keep, args.profile
    )
    sys.exit(asyncio.run(run))


if __name__ == "__main__":
    _cli()
