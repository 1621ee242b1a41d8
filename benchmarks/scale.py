"""`python -m benchmarks.scale`: two shard processes on PostgreSQL against one process on
SQLite: check-ins answered per second, and N reminders due at once.

Side A is the bot as one process (`python -m bot run`) on a fresh SQLite file. Side B is
the scale-out: two processes, `LEGDAY_SHARD_COUNT=2` with `LEGDAY_SHARD_IDS=0` and `=1`,
on one fresh PostgreSQL database (on the server of `--postgres-url` or
LEGDAY_TEST_POSTGRES_URL; without one the run prints a line saying so and stops). Both
sides serve the same local Discord, the same servers (half of them on each shard:
Discord routes a server's events to shard `(guild_id >> 22) % 2`) and the same members,
and do the same work:

1. check-ins: every member of the check-in servers sends one `!legday` at once (spread
   over the servers in turn), then as many others one `/legday checkin`; latency is the
   member's send to the reply's arrival at the local Discord, rate = replies / (last
   reply - first send);
2. fan-out: N more servers each have one daily reminder due in the same minute (three
   members each opted in to pings). The bots' clock is moved to a few seconds before it
   (LEGDAY_CLOCK_FILE, with the local Discord's), so nobody waits for a whole minute;
   measured: the first and last reminder's arrival after the due moment.

Also measured, over each phase: the bot processes' CPU time, and the database's: on
SQLite the bot's threads other than the event loop (SQLite runs on a thread of its own),
on PostgreSQL the server processes serving the database (read from /proc, so only when
the server runs on this machine).

Limits. Discord's global limit (50 requests/s) is per bot, shared by all its shards. By
default it is lifted, in the local Discord and in each process's own limiter
(LEGDAY_GLOBAL_RATE_LIMIT), as the throughput benchmark does: the bots' own capacity is
measured, not Discord's. With `--discord-limit` the local Discord enforces 50/s and each
process keeps under its share (A: 50; B: 25 each, the split that keeps two processes
under one bot's limit without a shared REST proxy): then a fan-out takes N/50 s on both
sides. Per-route buckets and the 3 s interaction deadline are lifted either way (slash
answers later than 3 s are counted).

Checks, every run and both sides: every member got exactly one right reply and has
exactly one stored check-in, made the way they made it; every reminder server got
exactly one reminder and the ledger holds one sent delivery each; no 429; no traceback;
each process stopped cleanly. `--quick` runs tiny sizes: the checks, not the times.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import logging
import math
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import ours
from benchmarks.arguments import QUICK_NOTE, at_least
from benchmarks.bot_under_test import gateway_drained, rate_limited_since, wait_until
from benchmarks.botlog import find_lines, tracebacks
from benchmarks.fanout import AFTERWARDS, DISCORD_GLOBAL_PER_SECOND, Arrivals
from benchmarks.fanout_kinds import OPTED_IN
from benchmarks.measure import CheckFailed, checkin_mismatch, percentile, ratio, table
from benchmarks.postgres import SKIP_LINE, Backends, add_postgres_argument, fresh_database
from benchmarks.postgres import server_url as postgres_server
from benchmarks.proc import cpu_seconds
from benchmarks.processes import PROJECT, BotRun, disconnect_all
from benchmarks.profiling import Sampler, summarize
from benchmarks.servers import Servers
from benchmarks.throughput import (
    BANG,
    DISCORD_INTERACTION_DEADLINE,
    SLASH,
    Burst,
    Collector,
    bot_env_settings,
)
from fakediscord import Channel, FakeDiscord, Guild, InteractionRecord, User

SHARDS = 2
DUE_AHEAD = timedelta(minutes=10)  # the reminders' minute, on the bots' clock at seeding
LIFTED = 1_000_000  # LEGDAY_GLOBAL_RATE_LIMIT when Discord's limit is lifted
SIDE_A = "A: 1 process, SQLite"
SIDE_B = f"B: {SHARDS} processes, PostgreSQL"
# Servers a run may have, built reminder servers to spare included, under Discord's 2,500
# on one connection (side A's).
MOST_SERVERS = 2200


@dataclass
class CheckinServer:
    guild: Guild
    channel: Channel
    warmup: list[User]  # one `!`, one `/`
    bang: list[User]
    slash: list[User]


@dataclass
class World:
    """What both sides serve: the check-in servers and the reminder servers."""

    checkin: list[CheckinServer]
    reminder_guilds: list[int]
    reminder_channels: list[int]
    reminder_members: list[list[int]]
    commands_synced: bool = False

    def sends(self, pick: str) -> list[tuple[User, Channel]]:
        """Each server's members of one kind, the servers taken in turn (so both shards
        are busy from the first message)."""
        lists = [(getattr(s, pick), s.channel) for s in self.checkin]
        longest = max(len(members) for members, _ in lists)
        return [
            (members[i], channel)
            for i in range(longest)
            for members, channel in lists
            if i < len(members)
        ]


def build_world(fd: FakeDiscord, servers: int, members: int, reminders: int) -> World:
    checkin = []
    per_server = max(1, members // servers)
    for n in range(servers):
        users = [fd.create_user(f"s{n}lifter{i}") for i in range(2 * per_server + 2)]
        guild = fd.create_guild(f"Check-in Gym {n}", members=users, shard=(n % SHARDS, SHARDS))
        channel = fd.create_channel(guild, "gym")
        checkin.append(
            CheckinServer(
                guild,
                channel,
                users[:2],
                users[2 : 2 + per_server],
                users[2 + per_server :],
            )
        )
    # The reminder servers: realistic ones, as the fan-out benchmark builds them, as many
    # on each shard.
    built = Servers(fd, members_each=OPTED_IN + 2, emojis=(0, 0))
    wanted = -(-reminders // SHARDS)
    by_shard: dict[int, list[int]] = {}
    while True:
        by_shard = {shard: [] for shard in range(SHARDS)}
        for index, server in enumerate(built.built):
            by_shard[(server.guild.id >> 22) % SHARDS].append(index)
        if all(len(found) >= wanted for found in by_shard.values()):
            break
        built.grow_to(len(built.built) + max(8, reminders // 10))
    chosen = sorted(i for found in by_shard.values() for i in found[:wanted])[:reminders]
    picked = [built.built[i] for i in chosen]
    return World(
        checkin,
        [s.guild.id for s in picked],
        [s.text_channel_ids[0] for s in picked],
        [s.member_ids[:OPTED_IN] for s in picked],
    )


# -- one side ----------------------------------------------------------------------------------


@dataclass
class Phase:
    """CPU used while a phase ran: the bot processes, the database, this process."""

    bots: float = math.nan
    database: float = math.nan
    emulator: float = math.nan
    per_process: list[float] = field(default_factory=list)
    connections_opened: int | None = None  # PostgreSQL server processes started in it


@dataclass
class SideResult:
    name: str
    processes: int
    limit: int
    bursts: list[Burst] = field(default_factory=list)
    checkins_cpu: Phase = field(default_factory=Phase)
    fanout_start: float = math.nan
    arrivals: dict[int, list[float]] = field(default_factory=dict)
    unexpected: int = 0
    fanout_cpu: Phase = field(default_factory=Phase)
    rate_limited: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fanout_first(self) -> float:
        stamps = [t for found in self.arrivals.values() for t in found]
        return min(stamps) - self.fanout_start if stamps else math.nan

    def fanout_last(self) -> float:
        firsts = [min(found) for found in self.arrivals.values() if found]
        return max(firsts) - self.fanout_start if firsts else math.nan


@dataclass
class Side:
    name: str
    database_url: str
    shard_envs: list[dict[str, str]]  # one per process: its LEGDAY_SHARD_* settings
    limit: int  # LEGDAY_GLOBAL_RATE_LIMIT of each process
    sqlite: bool


def _thread_cpu(pid: int) -> float:
    """CPU seconds of the process's threads other than the main one (the event loop)."""
    total = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        if int(task.name) == pid:
            continue
        with contextlib.suppress(OSError):
            fields = (task / "stat").read_text().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Meter:
    """The CPU counters over one phase: `begin`, then `end` returns what it used."""

    def __init__(self, bots: Sequence[BotRun], backends: Backends | None) -> None:
        self.bots = bots
        self.backends = backends
        self._before: tuple[list[float], float, float] = ([], 0.0, 0.0)

    def _read(self) -> tuple[list[float], float, float]:
        per_process = [cpu_seconds(bot.pid) for bot in self.bots]
        threads = sum(_thread_cpu(bot.pid) for bot in self.bots)
        return per_process, threads, time.process_time()

    async def begin(self) -> None:
        if self.backends is not None:
            await self.backends.begin()
        self._before = self._read()

    async def end(self) -> Phase:
        per_after, threads_after, own_after = self._read()
        per_before, threads_before, own_before = self._before
        per_process = [b - a for a, b in zip(per_before, per_after, strict=True)]
        if self.backends is None:
            database, opened = threads_after - threads_before, None
        else:
            database, opened = await self.backends.end()
        return Phase(sum(per_process), database, own_after - own_before, per_process, opened)


class Clocks:
    """The bots' clock (LEGDAY_CLOCK_FILE) and the local Discord's, moved together."""

    def __init__(self, fd: FakeDiscord, path: Path) -> None:
        self.fd = fd
        self.path = path
        self._write()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.fd.clock.now(), UTC)

    def move_to(self, when: datetime) -> float:
        """Both clocks to `when`; returns the wall-clock time that is now `when`."""
        ahead = (when - self.now()).total_seconds()
        self.fd.clock.advance(ahead)
        self._write()
        return time.time()

    def _write(self) -> None:
        draft = self.path.with_suffix(".tmp")
        draft.write_text(repr(self.fd.clock.offset), encoding="utf-8")
        os.replace(draft, self.path)


async def _seed(url: str, world: World, due: datetime) -> None:
    now = datetime.now(UTC)
    schedules = [
        ours.ScheduleSeed(n + 1, guild, channel, due.strftime("%H:%M"), now)
        for n, (guild, channel) in enumerate(
            zip(world.reminder_guilds, world.reminder_channels, strict=True)
        )
    ]
    opted = [
        (guild, user)
        for guild, members in zip(world.reminder_guilds, world.reminder_members, strict=True)
        for user in members
    ]
    store = await ours.ours_open_store(url)
    try:
        await ours.ours_seed_reminders(store, schedules, opted)
    finally:
        await ours.ours_close_store(store)


async def _send_burst(
    fd: FakeDiscord, collector: Collector, kind: str, sends: list[tuple[User, Channel]]
) -> Burst:
    burst = Burst(kind, [user for user, _ in sends])
    interactions: list[InteractionRecord] = []
    collector.burst = burst
    collector.answered = 0
    collector.done.clear()
    for user, channel in sends:
        burst.sent_at[user.id] = time.perf_counter()
        if kind == BANG:
            await fd.say(user, channel, BANG)
        else:
            interactions.append(await fd.slash(user, channel, "legday checkin"))
    with contextlib.suppress(TimeoutError):  # reported as members without a reply
        await asyncio.wait_for(collector.done.wait(), 30 + len(sends) * 0.05)
    await asyncio.sleep(0.3)  # a second reply to anyone would arrive now
    collector.burst = None
    burst.late = sum(
        1
        for record in interactions
        if record.callbacks
        and record.callbacks[0]["time"] - record.created_at > DISCORD_INTERACTION_DEADLINE
    )
    return burst


async def _stored(url: str) -> tuple[dict[tuple[int, int], list[str]], dict[str, int]]:
    """Every check-in (guild, user) -> how each was made; and the deliveries by state."""
    store = await ours.ours_open_store(url)
    try:
        checkins = await store.read(
            lambda tx: tx.rows("SELECT guild_id, user_id, source FROM checkins")
        )
        states = await store.read(
            lambda tx: tx.rows("SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state")
        )
    finally:
        await ours.ours_close_store(store)
    found: dict[tuple[int, int], list[str]] = {}
    for row in checkins:
        found.setdefault((int(row["guild_id"]), int(row["user_id"])), []).append(str(row["source"]))
    return found, {str(row["state"]): int(row["n"]) for row in states}


def _stored_problems(
    world: World, checkins: dict[tuple[int, int], list[str]], deliveries: dict[str, int]
) -> list[str]:
    bang, slash = ours.ours_checkin_sources()
    expected: dict[tuple[int, int], list[str]] = {}
    for server in world.checkin:
        for users, how in (
            ([server.warmup[0], *server.bang], bang),
            (
                [server.warmup[1], *server.slash],
                slash,
            ),
        ):
            for user in users:
                expected[(server.guild.id, user.id)] = [how]
    problems = []
    mismatch = checkin_mismatch(expected, checkins)
    if mismatch:
        problems.append(mismatch)
    if deliveries != {"sent": len(world.reminder_guilds)}:
        problems.append(
            f"the ledger holds {deliveries} deliveries, expected "
            f"{{'sent': {len(world.reminder_guilds)}}}"
        )
    return problems


@dataclass(frozen=True)
class Pacing:
    """How long a side waits, the settings every process gets on top, and where py-spy's
    recordings go (None: no profiling)."""

    wait: float  # seconds after the due moment for the last reminder
    lead: float = 3.0  # seconds between moving the clocks and the due moment
    afterwards: float = AFTERWARDS  # watching for second copies
    extra: dict[str, str] = field(default_factory=dict)
    profile: Path | None = None


@contextlib.asynccontextmanager
async def _sampled(bots: Sequence[BotRun], pacing: Pacing, phase: str) -> AsyncIterator[None]:
    """Every process under py-spy for the phase, when `--profile` asked for it."""
    if pacing.profile is None:
        yield
        return
    async with contextlib.AsyncExitStack() as stack:
        for bot in bots:
            path = pacing.profile / f"{bot.name}-{phase}.txt"
            await stack.enter_async_context(Sampler(bot.pid, path, gil=True))
        yield


async def run_side(
    fd: FakeDiscord,
    world: World,
    side: Side,
    clocks: Clocks,
    folder: Path,
    pacing: Pacing,
) -> SideResult:
    await disconnect_all(fd)
    result = SideResult(side.name, len(side.shard_envs), side.limit)
    due = (clocks.now() + DUE_AHEAD).replace(second=0, microsecond=0) + timedelta(minutes=1)
    await _seed(side.database_url, world, due)
    settings = {
        "LEGDAY_COOLDOWN_RATE": "1000000",  # members check in at once: no cooldown
        "LEGDAY_GUILD_READY_TIMEOUT": "0.05",
        "LEGDAY_IDENTIFY_DELAY": "0",  # the local Discord does not pace identifies
        "LEGDAY_GLOBAL_RATE_LIMIT": str(side.limit),
        "LEGDAY_CLOCK_FILE": str(clocks.path),
        **pacing.extra,
    }
    tag = side.name.split(":")[0]
    bots = [
        BotRun(
            f"{tag}{n}",
            ours.ours_bot_command(),
            ours.ours_reminder_bot_env(fd, side.database_url, **settings, **shard_env),
            folder / f"{tag}{n}.log",
            cwd=PROJECT,
        )
        for n, shard_env in enumerate(side.shard_envs)
    ]
    hub = fd.emulator.hub
    readies = hub.ready_count
    violations_before = len(fd.violations)
    backends = None if side.sqlite else Backends(side.database_url)
    resources = contextlib.AsyncExitStack()
    watched = Arrivals(fd, set(world.reminder_channels), ours.REMINDER_MARK)
    stop_watching = fd.observe_messages(watched)
    collector = Collector(fd)
    stop_collecting = fd.observe_messages(collector)
    try:
        await asyncio.gather(*(bot.start(fd, within=120) for bot in bots))
        await fd.emulator.notifier.wait_for(
            lambda: hub.ready_count >= readies + len(bots), 60, "every process to identify"
        )
        if backends is not None:
            await resources.enter_async_context(backends)
        servers = len(world.checkin) + len(world.reminder_guilds)
        await gateway_drained(fd, max(30.0, servers / 20))
        armed = await wait_until(
            lambda: all(find_lines(b.log_tail(10_000_000), ours.ARMED_LINE) for b in bots),
            60,
        )
        if not armed:
            result.problems.append("not every process logged that its reminders were armed")
        if not world.commands_synced:
            await _sync_commands(fd, world)
        meter = Meter(bots, backends)
        warm = [(s.warmup[0], s.channel) for s in world.checkin]
        warm_slash = [(s.warmup[1], s.channel) for s in world.checkin]
        for kind, sends in ((BANG, warm), (SLASH, warm_slash)):
            burst = await _send_burst(fd, collector, kind, sends)
            result.problems += burst.problems(ours.ours_checkin_reply_ok)
        gc.collect()
        async with _sampled(bots, pacing, "checkins"):
            await meter.begin()
            for kind, pick in ((BANG, "bang"), (SLASH, "slash")):
                result.bursts.append(await _send_burst(fd, collector, kind, world.sends(pick)))
            result.checkins_cpu = await meter.end()
        for burst in result.bursts:
            result.problems += burst.problems(ours.ours_checkin_reply_ok)
        # The reminders: both clocks to a few seconds before the due minute.
        async with _sampled(bots, pacing, "reminders"):
            await meter.begin()
            now = clocks.move_to(due - timedelta(seconds=pacing.lead))
            result.fanout_start = now + pacing.lead
            left = result.fanout_start + pacing.wait - time.time()
            await wait_until(watched.reached_all, left, 0.05)
            result.fanout_cpu = await meter.end()
        await asyncio.sleep(pacing.afterwards)  # a second copy anywhere would arrive now
    finally:
        stop_watching()
        stop_collecting()
        await resources.aclose()
        codes = await asyncio.gather(*(bot.stop() for bot in bots))
    result.arrivals = watched.times
    result.unexpected = watched.unexpected
    for bot, code in zip(bots, codes, strict=True):
        log = bot.log_tail(10_000_000)
        if code not in (0, None):
            result.problems.append(
                f"{bot.name} did not stop cleanly ({bot.ended}):\n{bot.log_tail()}"
            )
        if tracebacks(log):
            result.problems.append(f"{bot.name} logged a traceback:\n{bot.log_tail()}")
    result.rate_limited = rate_limited_since(fd, violations_before)
    limited = sum(result.rate_limited.values())
    if limited:
        result.problems.append(f"the local Discord answered {limited} requests with 429")
    lost = len(world.reminder_channels) - len(result.arrivals)
    if lost:
        result.problems.append(
            f"{lost} of {len(world.reminder_channels)} servers were never reminded"
        )
    twice = sum(len(found) - 1 for found in result.arrivals.values())
    if twice:
        result.problems.append(f"{twice} reminders were posted twice")
    if result.unexpected:
        result.problems.append(f"{result.unexpected} other bot messages in the reminder channels")
    checkins, deliveries = await _stored(side.database_url)
    result.problems += _stored_problems(world, checkins, deliveries)
    late = sum(b.late for b in result.bursts)
    if late:
        result.notes.append(f"{late} slash answers came after Discord's 3 s deadline")
    return result


async def _sync_commands(fd: FakeDiscord, world: World) -> None:
    """The application's owner publishes the slash commands everywhere (once: the local
    Discord keeps them for the next side)."""
    channel = world.checkin[0].channel
    said = await fd.say(fd.emulator.owner, channel, ours.ours_sync_global_command())
    await fd.next_message(
        channel,
        timeout=60,
        predicate=lambda m: (m.message_reference or {}).get("message_id") == str(said.id),
    )
    world.commands_synced = True


# -- the report --------------------------------------------------------------------------------


def _rate(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:,.0f}/s"


def _ms(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:,.1f} ms"


def _s(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:,.2f} s"


def _per(cpu: float, count: int) -> float:
    return cpu * 1000 / count if count else math.nan


def report(a: SideResult, b: SideResult, reminders: int) -> str:
    rows: list[list[str]] = []

    def row(name: str, x: float, y: float, show: Callable[[float], str] = _rate) -> None:
        r = ratio(y, x)
        rows.append([name, show(x), show(y), "n/a" if math.isnan(r) else f"{r:.2f}x"])

    for index, kind in enumerate((BANG, SLASH)):
        x, y = a.bursts[index], b.bursts[index]
        row(f"{kind}: answered per second", x.rate(), y.rate())
        for name, q in (("p50", 0.5), ("p99", 0.99)):
            row(
                f"{kind}: latency {name}",
                percentile(x.latencies_ms(), q),
                percentile(y.latencies_ms(), q),
                _ms,
            )
    count_a = sum(len(burst.members) for burst in a.bursts)
    count_b = sum(len(burst.members) for burst in b.bursts)
    phases = (
        ("check-ins", "check-in", a.checkins_cpu, b.checkins_cpu, count_a, count_b),
        ("reminders", "reminder", a.fanout_cpu, b.fanout_cpu, reminders, reminders),
    )
    for phase, unit, x_cpu, y_cpu, x_count, y_count in phases[:1]:
        _cpu_rows(row, phase, unit, x_cpu, y_cpu, x_count, y_count)
    for name, pick in (("first", SideResult.fanout_first), ("last", SideResult.fanout_last)):
        row(f"reminders ({reminders:,} due at once): {name} after due", pick(a), pick(b), _s)
    row(
        "reminders: sent per second (N / last)",
        reminders / a.fanout_last(),
        reminders / b.fanout_last(),
    )
    for phase, unit, x_cpu, y_cpu, x_count, y_count in phases[1:]:
        _cpu_rows(row, phase, unit, x_cpu, y_cpu, x_count, y_count)
    return table(["", a.name, b.name, "B/A"], rows)


def _cpu_rows(
    row: Callable[[str, float, float, Callable[[float], str]], None],
    phase: str,
    unit: str,
    x: Phase,
    y: Phase,
    x_count: int,
    y_count: int,
) -> None:
    """CPU per unit: the bots (every thread: A's SQLite is in it), the database on its own
    (A: the SQLite thread again; B: PostgreSQL, outside the bots), the local Discord, and
    all of it together (what a machine must have to keep up)."""
    row(f"{phase}: bots' CPU per {unit}", _per(x.bots, x_count), _per(y.bots, y_count), _cpu)
    row(
        f"{phase}: database's CPU per {unit}",
        _per(x.database, x_count),
        _per(y.database, y_count),
        _cpu,
    )
    row(
        f"{phase}: local Discord's CPU per {unit}",
        _per(x.emulator, x_count),
        _per(y.emulator, y_count),
        _cpu,
    )
    row(
        f"{phase}: all CPU per {unit}",
        _per(x.bots + x.emulator, x_count),
        _per(y.bots + y.database + y.emulator, y_count),
        _cpu,
    )


def _cpu(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.2f} ms"


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


async def main(
    servers: int,
    members: int,
    reminders: int,
    postgres: str,
    discord_limit: bool,
    pacing: Pacing,
    keep: Path | None,
) -> int:
    logging.getLogger("fakediscord").setLevel(logging.ERROR)  # 429s are counted instead
    print(f"started with {_load()}", flush=True)
    extra = pacing.extra
    with tempfile.TemporaryDirectory(prefix="legday-scale-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        async with FakeDiscord(
            check_types=False,
            heartbeat_interval_ms=5000,
            route_rate_limit=(1_000_000_000, 1.0),
            interaction_deadline=3600.0,
        ) as fd:
            fd.set_global_rate_limit(DISCORD_GLOBAL_PER_SECOND if discord_limit else None)
            built_at = time.monotonic()
            world = build_world(fd, servers, members, reminders)
            print(
                f"built {servers} check-in servers and {reminders:,} reminder servers in "
                f"{time.monotonic() - built_at:.1f} s",
                flush=True,
            )
            gc.collect()
            gc.freeze()  # the world lives as long as the run: keep the collector off it
            clocks = Clocks(fd, folder / "clock")
            limit_a = DISCORD_GLOBAL_PER_SECOND if discord_limit else LIFTED
            limit_b = DISCORD_GLOBAL_PER_SECOND // SHARDS if discord_limit else LIFTED
            side_a = Side(SIDE_A, f"sqlite+aiosqlite:///{folder / 'a.db'}", [{}], limit_a, True)
            a = await run_side(fd, world, side_a, clocks, folder, pacing)
            print(f"{SIDE_A}: done", file=sys.stderr, flush=True)
            async with fresh_database(postgres, "legday_scale") as url:
                shard_envs = [
                    {"LEGDAY_SHARD_COUNT": str(SHARDS), "LEGDAY_SHARD_IDS": str(n)}
                    for n in range(SHARDS)
                ]
                side_b = Side(SIDE_B, url, shard_envs, limit_b, False)
                b = await run_side(fd, world, side_b, clocks, folder, pacing)
            print(f"{SIDE_B}: done", file=sys.stderr, flush=True)
    per_server = max(1, members // servers)
    print(
        f"\nScale: {servers} servers ({servers // SHARDS} on each shard), {per_server} members "
        f"each send {BANG} at once, then {per_server} others each {SLASH}; then "
        f"{reminders:,} more servers ({reminders // SHARDS:,} a shard) each have a reminder "
        "due at the same moment"
    )
    if discord_limit:
        print(
            f"limits: the local Discord enforces {DISCORD_GLOBAL_PER_SECOND} requests/s for the "
            f"bot (all its shards together); A's limiter {limit_a}/s, each of B's "
            f"{limit_b}/s (its share without a shared REST proxy); floor for the reminders "
            f"{reminders / DISCORD_GLOBAL_PER_SECOND:.1f} s on both sides"
        )
    else:
        print(
            "limits: Discord's global 50 requests/s lifted in the local Discord and in every "
            f"process (LEGDAY_GLOBAL_RATE_LIMIT={LIFTED}): the bots' own capacity is measured. "
            "Discord counts its 50/s per bot, not per shard: with it, the reminders take "
            f"{reminders / DISCORD_GLOBAL_PER_SECOND:.1f} s on both sides (--discord-limit)"
        )
    print(
        "CPU: the bots' = every thread of every bot process; the database's = on A the bot's "
        "threads besides the event loop (SQLite runs there: already in the bots'), on B the "
        "PostgreSQL server processes serving the database (outside the bots'); all = bots, "
        "PostgreSQL and the local Discord (this process)"
    )
    if extra:
        print("settings changed: " + " ".join(f"{k}={v}" for k, v in sorted(extra.items())))
    print(report(a, b, reminders))
    print("B/A: above 1 for a rate means B is faster; below 1 for a time means B is faster")
    for side in (a, b):
        per = ", ".join(f"{cpu:.1f} s" for cpu in side.checkins_cpu.per_process)
        print(f"  {side.name}: bot CPU in the check-in bursts by process: {per}")
        for phase, cpu in (("check-ins", side.checkins_cpu), ("reminders", side.fanout_cpu)):
            if cpu.connections_opened is not None:
                print(
                    f"  {side.name}: {cpu.connections_opened} PostgreSQL connections opened "
                    f"during the {phase}"
                )
        for note in side.notes:
            print(f"  note, {side.name}: {note}")
    print(f"finished with {_load()}")
    if pacing.profile is not None:
        print(f"\npy-spy recordings in {pacing.profile} (the numbers above were taken under it):")
        for found in sorted(pacing.profile.glob("*.txt")):
            print(f"\n== {found.stem}\n{summarize(found, top=10)}")
    failed = False
    print(
        "\nchecks (one right reply and one stored check-in per member; one reminder per "
        "server, one sent delivery each; no 429):"
    )
    for side in (a, b):
        for problem in side.problems:
            print(f"  FAILED {side.name}: {problem}")
            failed = True
    if not failed:
        print(
            "  passed: both sides answered every member once, stored each check-in once "
            "and reminded every server once"
        )
    return 1 if failed else 0


def _cli() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scale",
        description="two shard processes on PostgreSQL vs one process on SQLite: check-ins "
        "per second and reminders due at once",
    )
    parser.add_argument(
        "--servers", type=at_least(SHARDS), default=20, help="check-in servers (20)"
    )
    parser.add_argument(
        "--members", type=at_least(1), default=600, help="members per burst, over all servers (600)"
    )
    parser.add_argument(
        "--reminders",
        type=at_least(SHARDS),
        default=2000,
        help="servers with a reminder due (2000)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks only")
    parser.add_argument(
        "--discord-limit",
        action="store_true",
        help="enforce Discord's 50 requests/s per bot (B's processes take 25 each)",
    )
    parser.add_argument(
        "--bot-env",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="one more setting for every bot process (repeatable)",
    )
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep the logs and the SQLite file"
    )
    add_postgres_argument(parser)
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record every process with py-spy in each phase, into DIR (pip install py-spy)",
    )
    args = parser.parse_args()
    if args.servers + args.reminders > MOST_SERVERS:
        parser.error(
            f"--servers plus --reminders: at most {MOST_SERVERS:,}; side A is one unsharded "
            "connection, and Discord puts at most 2,500 servers on one"
        )
    extra = bot_env_settings(parser, args.bot_env)
    postgres = postgres_server(args.postgres_url)
    if args.quick:
        print(QUICK_NOTE, flush=True)
    if postgres is None:
        print(SKIP_LINE)
        sys.exit(0)
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    servers, members, reminders = (
        (4, 16, 20) if args.quick else (args.servers, args.members, args.reminders)
    )
    pacing = Pacing(30 + reminders / 20, extra=extra, profile=args.profile)
    if args.quick:  # tiny sizes: nothing takes long, and CI waits for it
        pacing = dataclasses.replace(pacing, lead=1.5, afterwards=1.0)
    try:
        code = asyncio.run(
            main(servers, members, reminders, postgres, args.discord_limit, pacing, args.keep)
        )
    except CheckFailed as exc:
        print(f"check failed: {exc}", file=sys.stderr)
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    _cli()
