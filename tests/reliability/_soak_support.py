"""The soak's parts (issue 12, item 10): the command mix, the reminder schedules, the
gateway faults and 429 bursts fired on a timetable, and what is sampled from the bot
process (resident memory, CPU time, run-queue wait) and read from its log."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import ours
from benchmarks.botlog import find_lines
from benchmarks.proc import cpu_seconds, memory_kib
from benchmarks.servers import Servers
from fakediscord import FakeDiscord, Message, User
from fakediscord.interactions import InteractionRecord
from tests.reliability._storm_support import (
    CLOSE_4000,
    NEW_SESSION,
    RECONNECT,
    RESUMABLE_INVALID,
    TCP_DROP,
    break_resumably,
    wait_resumed,
)


@dataclass(frozen=True, slots=True)
class SoakSize:
    seconds: float  # how long the load runs
    warmup: float  # seconds of load before the memory baseline is taken
    per_second: float  # commands a second, over all servers
    servers: int
    reminders_per_minute: int  # servers reminded at each whole minute of the run
    reconnect_every: float  # seconds between two forced gateway faults
    burst_every: float  # seconds between two 429 bursts
    report_seconds: float  # LEGDAY_LOOP_LAG_REPORT_SECONDS


#: (how it is typed, share of the mix): check-ins both ways, the leaderboard, stats, a quote
COMMAND_MIX: tuple[tuple[str, float], ...] = (
    ("!legday", 0.25),
    ("/legday checkin", 0.20),
    ("!legday top", 0.10),
    ("/legday top", 0.10),
    ("!legday stats", 0.10),
    ("/legday stats", 0.10),
    ("!legday why", 0.075),
    ("/legday why", 0.075),
)

#: text channels of each server (benchmarks/servers.py): commands go to the first two,
#: reminders to the other four, so the two are told apart by channel alone
COMMAND_CHANNELS = 2


@dataclass(slots=True, eq=False)
class Sent:
    """One command a member typed, and how it reached the local Discord."""

    text: str
    member: User
    channel_id: int
    at: float
    said: Message | None = None
    record: InteractionRecord | None = None

    @property
    def slash(self) -> bool:
        return self.record is not None


def answers(sent: Sent, replies: dict[str, list[Message]]) -> int:
    """How many times the bot answered one command: replies to the message, or interaction
    callbacks plus followups (a deferral and the followup that fills it are one answer)."""
    if sent.record is not None:
        record = sent.record
        count = len(record.callbacks) + len(record.followups)
        deferred = bool(record.callbacks) and record.callbacks[0].get("type") == 5
        return count - 1 if deferred and record.followups else count
    assert sent.said is not None
    return len(replies.get(str(sent.said.id), []))


class Load:
    """Sends the command mix at a steady rate to random members of random servers."""

    def __init__(self, fd: FakeDiscord, servers: Servers, size: SoakSize, seed: int) -> None:
        self.fd = fd
        self.servers = servers.built[: size.servers]
        self.size = size
        self.rng = random.Random(seed)
        self.sent: list[Sent] = []
        self.users = {u.id: u for u in servers.users}
        #: cleared while the gateway session is gone (op 9, not resumable): on Discord
        #: whatever is said then never reaches the bot, so the load waits
        self.session_open = asyncio.Event()
        self.session_open.set()
        texts, weights = zip(*COMMAND_MIX, strict=True)
        self._texts, self._weights = list(texts), list(weights)

    async def run(self, until: float) -> None:
        gap = 1.0 / self.size.per_second
        next_at = time.monotonic()
        while next_at < until:
            delay = next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if not self.session_open.is_set():
                await self.session_open.wait()
                next_at = time.monotonic()  # no catching up in a burst afterwards
            await self.send_one()
            next_at += gap

    async def send_one(self) -> None:
        server = self.rng.choice(self.servers)
        channel_id = server.text_channel_ids[self.rng.randrange(COMMAND_CHANNELS)]
        member = self.users[self.rng.choice(server.member_ids)]
        text = self.rng.choices(self._texts, self._weights)[0]
        channel = self.fd.state.channels[channel_id]
        sent = Sent(text, member, channel_id, time.monotonic())
        if text.startswith("/"):
            sent.record = await self.fd.slash(member, channel, text[1:], {})
        else:
            sent.said = await self.fd.say(member, channel, text)
        self.sent.append(sent)


# -- reminders ----------------------------------------------------------------------------


def plan_reminders(
    servers: Servers, size: SoakSize, start: datetime, until: datetime
) -> list[ours.ScheduleSeed]:
    """Daily schedules at every whole minute after `start` up to `until`, each minute in
    `reminders_per_minute` servers and each schedule in its own channel (so a channel's
    reminders in the run are one occurrence, counted exactly)."""
    minute = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    built = servers.built[: size.servers]
    slots = [(s, c) for c in range(COMMAND_CHANNELS, 6) for s in built]
    schedules: list[ours.ScheduleSeed] = []
    while minute <= until:
        for _ in range(size.reminders_per_minute):
            server, channel = slots[len(schedules) % len(slots)]
            if len(schedules) >= len(slots):
                raise ValueError("more reminders than channels to put them in")
            schedules.append(
                ours.ScheduleSeed(
                    len(schedules) + 1,
                    server.guild.id,
                    server.text_channel_ids[channel],
                    minute.strftime("%H:%M"),
                    start - timedelta(minutes=1),
                )
            )
        minute += timedelta(minutes=1)
    return schedules


def fire_time(schedule: ours.ScheduleSeed, start: datetime) -> datetime:
    """When a schedule planned from `start` fires (its first whole minute after `start`)."""
    hour, minute = map(int, schedule.at.split(":"))
    at = start.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return at if at > start else at + timedelta(days=1)


async def seed_reminders(
    db_path: Path, servers: Servers, schedules: list[ours.ScheduleSeed]
) -> None:
    store = await ours.ours_open_store(f"sqlite+aiosqlite:///{db_path}")
    try:
        guilds = {s.guild_id for s in schedules}
        opted = [
            (s.guild.id, user)
            for s in servers.built
            if s.guild.id in guilds
            for user in s.member_ids[:2]
        ]
        await ours.ours_seed_reminders(store, schedules, opted)
    finally:
        await ours.ours_close_store(store)


# -- faults on a timetable ----------------------------------------------------------------

#: in the order they are fired, round and round
GATEWAY_FAULTS = (RECONNECT, NEW_SESSION, CLOSE_4000, RESUMABLE_INVALID, TCP_DROP)
ROUTE_BURST = "429 burst on sending messages"
GLOBAL_BURST = "global 429 burst"
BURSTS = (ROUTE_BURST, GLOBAL_BURST)


@dataclass(slots=True)
class Fired:
    kind: str
    at: float  # seconds into the load
    back_after: float | None = None  # seconds until the bot was on the gateway again


class Faults:
    """A forced gateway reconnect every `reconnect_every` s and a 429 burst every
    `burst_every` s, each kind in turn."""

    def __init__(self, fd: FakeDiscord, load: Load, size: SoakSize) -> None:
        self.fd = fd
        self.load = load
        self.size = size
        self.fired: list[Fired] = []

    async def run(self, started: float, until: float) -> None:
        await asyncio.gather(
            self._every(self.size.reconnect_every, started, until, GATEWAY_FAULTS, self._gateway),
            self._every(self.size.burst_every, started, until, BURSTS, self._burst),
        )

    async def _every(
        self,
        gap: float,
        started: float,
        until: float,
        kinds: tuple[str, ...],
        fire: object,
    ) -> None:
        assert callable(fire)
        number = 0
        while True:
            at = started + gap * (number + 1)
            if at >= until - 5:  # nothing in the run's last seconds: room to recover
                return
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            await fire(kinds[number % len(kinds)], started)
            number += 1

    async def _gateway(self, kind: str, started: float) -> None:
        fd, hub = self.fd, self.fd.emulator.hub
        await fd.wait_connected(timeout=30)
        fired = Fired(kind, time.monotonic() - started)
        self.fired.append(fired)
        resumes, readies = hub.resume_count, hub.ready_count
        began = time.monotonic()
        if kind == NEW_SESSION:
            self.load.session_open.clear()
            try:
                assert await fd.send_invalid_session(resumable=False) == 1
                await fd.wait_ready(30, count=readies + 1)
            finally:
                self.load.session_open.set()
        else:
            await break_resumably(fd, kind)
            await wait_resumed(fd, kind, resumes, readies, within=30)
        await fd.wait_connected(timeout=30)
        fired.back_after = time.monotonic() - began

    async def _burst(self, kind: str, started: float) -> None:
        self.fired.append(Fired(kind, time.monotonic() - started))
        if kind == ROUTE_BURST:
            # The next 15 messages the bot sends, wherever, are told to wait a second.
            self.fd.rate_limit("POST /channels/{channel_id}/messages", count=15, retry_after=1.0)
        else:
            self.fd.global_rate_limit_once(retry_after=0.5, count=10)


# -- the bot process, from outside --------------------------------------------------------


def run_queue_seconds(pid: int) -> float:
    """How long the process's main thread (the event loop's) waited for a CPU."""
    with open(f"/proc/{pid}/schedstat") as stat:
        return int(stat.read().split()[1]) / 1e9


@dataclass(frozen=True, slots=True)
class Sample:
    at: float  # seconds into the load
    rss_kib: int
    cpu: float  # the process's CPU seconds so far
    run_queue: float  # its main thread's run-queue wait so far
    load_average: float  # the machine's 1-minute load average


@dataclass(slots=True)
class Sampler:
    pid: int
    started: float
    every: float = 1.0
    samples: list[Sample] = field(default_factory=list)

    def take(self) -> Sample:
        sample = Sample(
            time.monotonic() - self.started,
            memory_kib(self.pid)["VmRSS"],
            cpu_seconds(self.pid),
            run_queue_seconds(self.pid),
            os.getloadavg()[0],
        )
        self.samples.append(sample)
        return sample

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.take()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every)

    def rss_around(self, start: float, end: float) -> float:
        """The median resident memory (KiB) sampled between `start` and `end` s."""
        found = [s.rss_kib for s in self.samples if start <= s.at <= end]
        assert found, f"no memory sample between {start:.0f} and {end:.0f} s"
        return float(statistics.median(found))

    def timeline(self, every: float) -> str:
        """Resident memory every `every` s, in MiB: "0 s 55.1, 10 s 55.3, ..."."""
        shown, next_at = [], 0.0
        for sample in self.samples:
            if sample.at >= next_at:
                shown.append(f"{sample.at:.0f} s {sample.rss_kib / 1024:.1f}")
                next_at = sample.at + every
        return ", ".join(shown)

    def slope_kib_per_minute(self, after: float) -> float:
        """Least-squares growth of resident memory after `after` s, in KiB a minute."""
        points = [(s.at, s.rss_kib) for s in self.samples if s.at >= after]
        if len(points) < 2:
            return 0.0
        return statistics.linear_regression(*zip(*points, strict=True)).slope * 60


# -- the bot's own log --------------------------------------------------------------------

LAG_REPORT = re.compile(
    r"event loop lag over (?P<seconds>[\d.]+) s \((?P<samples>\d+) samples\): "
    r"p50 (?P<p50>[\d.]+) ms, p99 (?P<p99>[\d.]+) ms, max (?P<max>[\d.]+) ms"
    r"(?:; without waiting for a CPU: p99 (?P<own_p99>[\d.]+) ms, max (?P<own_max>[\d.]+) ms "
    r"\(waited (?P<waited>[\d.]+) s\))?"
    r"; CPU (?P<cpu>\d+)%; full GC (?P<gc_full>\d+), longest GC (?P<gc_max>[\d.]+) ms "
    r"\((?P<gc_cpu>[\d.]+) ms CPU\)"
)


@dataclass(frozen=True, slots=True)
class LagLine:
    at: float  # seconds since the epoch, when the bot logged it
    seconds: float
    samples: int
    p50: float  # all in ms
    p99: float
    longest: float
    own_p99: float | None
    own_longest: float | None
    waited: float | None  # seconds
    cpu_percent: int
    gc_full: int
    gc_longest: float
    gc_longest_cpu: float


def lag_reports(log: str) -> list[LagLine]:
    found = []
    # Matched with the groups' numbers read here: find_lines reads whole numbers only.
    for logged in find_lines(log, "event loop lag over "):
        match = LAG_REPORT.search(logged.line)
        assert match is not None, logged.line

        def number(name: str, match: re.Match[str] = match) -> float | None:
            value = match.group(name)
            return None if value is None else float(value)

        found.append(
            LagLine(
                at=logged.at,
                seconds=float(match["seconds"]),
                samples=int(match["samples"]),
                p50=float(match["p50"]),
                p99=float(match["p99"]),
                longest=float(match["max"]),
                own_p99=number("own_p99"),
                own_longest=number("own_max"),
                waited=number("waited"),
                cpu_percent=int(match["cpu"]),
                gc_full=int(match["gc_full"]),
                gc_longest=float(match["gc_max"]),
                gc_longest_cpu=float(match["gc_cpu"]),
            )
        )
    return found


def error_lines(log: str) -> list[str]:
    """Lines logged at ERROR or CRITICAL, and tracebacks."""
    level = re.compile(r"^\S+ \S+ (ERROR|CRITICAL) ")
    return [
        line
        for line in log.splitlines()
        if level.match(line) or line.startswith("Traceback (most recent call last)")
    ]


def now_utc() -> datetime:
    return datetime.now(UTC)
