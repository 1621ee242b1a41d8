"""`python -m benchmarks.throughput`: how many check-ins a second legday answers under a
burst, against a bare discord.py bot on the same local Discord in the same run.

Compared: the real bot process (`python -m bot run`, SQLite, a fresh database each
repetition) and `benchmarks.bare_bot` (discord.py, default intents plus message content,
replying a constant embed). Each side, interleaved bare, ours, bare, ours, ...: every member
sends one `!legday` at once, as fast as the emulator takes them; then a fresh set of
members each sends one `/legday checkin`. Latency is the member's send to the reply's
arrival at the emulator; rate = messages / (last reply - first send).

Why it is fair: both bots are separate processes talking to the same emulator over the
same sockets, take the same messages from the same members, and each run checks that
every member got exactly one reply, that it is the right one, and (for legday) that the
database holds exactly one check-in per member. Discord's limits are lifted, since the
bot's own rate is measured: the global 50 requests/s, the per-channel message bucket
(50/s, which would cap the `!` burst), and the 3 s interaction deadline (answers later
than 3 s are counted and printed instead: Discord would have refused them).

The bot's own global limiter (`LEGDAY_GLOBAL_RATE_LIMIT`, 50 requests/s, what Discord
enforces) stays on unless `--bot-env LEGDAY_GLOBAL_RATE_LIMIT=...` raises it: with it on,
the `!legday` row measures the limiter (each reply is one request), not the bot.
`--note TEXT` sends every check-in with that note (e.g. lifts, which the bot parses and
stores). `--bot-project DIR` runs legday from another checkout of it (with this Python,
and DIR first on the bot's import path), so one run of this same benchmark code can
measure an older commit against the bare bot, and two runs compare the commits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import ours
from benchmarks.arguments import QUICK_NOTE, at_least
from benchmarks.bare_bot import REPLY_TITLE
from benchmarks.measure import (
    CheckFailed,
    checkin_mismatch,
    median,
    percentile,
    ratio,
    table,
    times,
)
from benchmarks.proc import cpu_seconds
from benchmarks.processes import PROJECT, BotRun, baseline_env, disconnect_all
from benchmarks.profiling import Sampler, summarize
from fakediscord import Channel, FakeDiscord, Guild, InteractionRecord, Message, User

DISCORD_INTERACTION_DEADLINE = 3.0
BANG, SLASH = "!legday", "/legday checkin"


@dataclass
class Burst:
    """One phase: each member sends one command; replies are collected as they arrive."""

    kind: str
    members: list[User]
    sent_at: dict[int, float] = field(default_factory=dict)
    replies: dict[int, list[tuple[float, Message]]] = field(default_factory=dict)
    late: int = 0  # interactions answered after Discord's deadline
    stray: int = 0  # bot messages during the burst that answer none of its members
    cpu_seconds: float = math.nan  # the bot process's CPU time (user + system) in the burst

    def cpu_ms_per_command(self) -> float:
        return self.cpu_seconds * 1000 / len(self.members) if self.members else math.nan

    def answered(self) -> int:
        return sum(1 for user in self.members if self.replies.get(user.id))

    def latencies_ms(self) -> list[float]:
        return [
            (self.replies[u.id][0][0] - self.sent_at[u.id]) * 1000
            for u in self.members
            if self.replies.get(u.id)
        ]

    def rate(self) -> float:
        firsts = [found[0][0] for found in self.replies.values() if found]
        if not firsts or not self.sent_at:
            return math.nan
        return len(firsts) / (max(firsts) - min(self.sent_at.values()))

    def problems(self, reply_ok: Callable[[Message], bool]) -> list[str]:
        found = []
        missing = [u.name for u in self.members if not self.replies.get(u.id)]
        if missing:
            found.append(f"{len(missing)} members got no reply to {self.kind} (e.g. {missing[0]})")
        doubled = [u.name for u in self.members if len(self.replies.get(u.id, [])) > 1]
        if doubled:
            found.append(f"{len(doubled)} members got more than one reply to {self.kind}")
        wrong = [
            msg for u in self.members for _, msg in self.replies.get(u.id, []) if not reply_ok(msg)
        ]
        if wrong:
            said = wrong[0].content or (wrong[0].embeds or [{}])[0].get("title", "")
            found.append(
                f"{len(wrong)} replies to {self.kind} were not the expected answer"
                f" (e.g. {said[:100]!r})"
            )
        if self.stray:
            found.append(f"{self.stray} bot messages during {self.kind} answered no member")
        return found


@dataclass
class SideRun:
    side: str
    rep: int
    bursts: list[Burst]
    problems: list[str]
    violations: list[str]


class Collector:
    """Files each bot message under the member it answers, timestamped on arrival."""

    def __init__(self, fd: FakeDiscord) -> None:
        self.fd = fd
        self.burst: Burst | None = None
        self.answered = 0
        self.done = asyncio.Event()

    def __call__(self, message: Message) -> None:
        burst = self.burst
        if burst is None or message.author.id != self.fd.bot_user.id:
            return
        arrived = time.perf_counter()
        member = self._member_answered(message)
        if member is None or member not in burst.sent_at:
            burst.stray += 1
            return
        found = burst.replies.setdefault(member, [])
        found.append((arrived, message))
        if len(found) == 1:
            self.answered += 1
            if self.answered == len(burst.members):
                self.done.set()

    def _member_answered(self, message: Message) -> int | None:
        world = self.fd.state
        if message.interaction_id is not None:
            record = self.fd.emulator.interaction(message.interaction_id)
            return None if record is None else record.user.id
        reference = message.message_reference or {}
        said = world.messages.get(int(reference.get("message_id") or 0))
        return None if said is None else said.author.id


async def _burst(
    fd: FakeDiscord,
    collector: Collector,
    channel: Channel,
    kind: str,
    members: list[User],
    pid: int | None = None,
    note: str | None = None,
) -> Burst:
    burst = Burst(kind, members)
    cpu_before = cpu_seconds(pid) if pid is not None else math.nan
    interactions: list[InteractionRecord] = []
    collector.burst = burst
    collector.answered = 0
    collector.done.clear()
    for user in members:
        burst.sent_at[user.id] = time.perf_counter()
        if kind == BANG:
            await fd.say(user, channel, BANG if note is None else f"{BANG} {note}")
        else:
            options = None if note is None else {"note": note}
            interactions.append(await fd.slash(user, channel, "legday checkin", options))
    with contextlib.suppress(TimeoutError):  # reported as members without a reply
        await asyncio.wait_for(collector.done.wait(), 30 + len(members) * 0.05)
    await asyncio.sleep(0.5)  # a second reply to anyone would arrive now
    if pid is not None:
        burst.cpu_seconds = cpu_seconds(pid) - cpu_before
    collector.burst = None
    burst.late = sum(
        1
        for record in interactions
        if record.callbacks
        and record.callbacks[0]["time"] - record.created_at > DISCORD_INTERACTION_DEADLINE
    )
    return burst


@dataclass(frozen=True, slots=True)
class LegdayUnderTest:
    """Which legday runs and how: the checkout (None: this one), LEGDAY_* settings changed
    on purpose, and the note every check-in carries (None: no note)."""

    project: Path | None = None
    settings: dict[str, str] = field(default_factory=dict)
    note: str | None = None

    def command_and_env(
        self, fd: FakeDiscord, url: str, guild_id: int
    ) -> tuple[list[str], dict[str, str]]:
        env = ours.ours_bot_env(fd, url, dev_guild_id=guild_id, burst=True) | self.settings
        if self.project is None:
            return ours.ours_bot_command(), env
        return [sys.executable, "-m", "bot", "run"], env | {"PYTHONPATH": str(self.project)}

    def describe(self) -> str:
        folder = PROJECT if self.project is None else str(self.project)
        commit = subprocess.run(
            ["git", "-C", folder, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        where = "this checkout" if self.project is None else folder
        where += f" at {commit or 'an unknown commit'}"
        changed = " ".join(f"{k}={v}" for k, v in sorted(self.settings.items()))
        note = "no note" if self.note is None else f"note {self.note!r}"
        return f"legday from {where}, {note}{', ' + changed if changed else ''}"


@dataclass
class Stage:
    fd: FakeDiscord
    guild: Guild
    channel: Channel
    bang_members: list[User]
    slash_members: list[User]
    warmup: list[User]
    folder: Path
    profile: Path | None = None  # py-spy output for legday's bursts, when asked
    profiled_seconds: float = 0.0
    legday: LegdayUnderTest = field(default_factory=LegdayUnderTest)


@contextlib.asynccontextmanager
async def _maybe_sampled(bot: BotRun, stage: Stage) -> AsyncIterator[None]:
    """Record the bot with py-spy during the bursts when `--profile` asked for it."""
    if stage.profile is None:
        yield
        return
    sampler = Sampler(bot.pid, stage.profile, gil=True)
    async with sampler:
        yield
    stage.profiled_seconds = sampler.seconds


async def _run_side(stage: Stage, side: str, rep: int, collector: Collector) -> SideRun:
    fd = stage.fd
    await disconnect_all(fd)
    violations_before = len(fd.violations)
    db_path = stage.folder / f"ours-{rep}.db"
    log_path = stage.folder / f"{side}-{rep}.log"
    note = None
    if side == "legday":
        url = f"sqlite+aiosqlite:///{db_path}"
        command, env = stage.legday.command_and_env(fd, url, stage.guild.id)
        cwd = PROJECT if stage.legday.project is None else str(stage.legday.project)
        bot = BotRun(side, command, env, log_path, cwd=cwd)
        reply_ok = ours.ours_checkin_reply_ok
        note = stage.legday.note
    else:
        env = baseline_env(fd, BENCH_GUILD_ID=str(stage.guild.id))
        bot = BotRun(side, [sys.executable, "-m", "benchmarks.bare_bot"], env, log_path)

        def reply_ok(message: Message) -> bool:
            return bool(message.embeds) and message.embeds[0].get("title") == REPLY_TITLE

    await bot.start(fd)
    try:
        # One of each command first: connections, caches and the database file warm up.
        channel = stage.channel
        warm_bang = await _burst(fd, collector, channel, BANG, stage.warmup[:1], note=note)
        warm_slash = await _burst(fd, collector, channel, SLASH, stage.warmup[1:2], note=note)
        problems = warm_bang.problems(reply_ok) + warm_slash.problems(reply_ok)
        async with _maybe_sampled(bot, stage):
            bang = await _burst(fd, collector, channel, BANG, stage.bang_members, bot.pid, note)
            slash = await _burst(fd, collector, channel, SLASH, stage.slash_members, bot.pid, note)
    finally:
        code = await bot.stop()
    problems += bang.problems(reply_ok) + slash.problems(reply_ok)
    if code not in (0, None):
        problems.append(f"{side} did not stop cleanly ({bot.ended}):\n{bot.log_tail()}")
    if "Traceback" in bot.log_tail(200_000):
        problems.append(f"{side} logged a traceback:\n{bot.log_tail()}")
    if side == "legday":
        problems += stored_problems(db_path, stage)
    violations = [str(v) for v in fd.violations[violations_before:]]
    return SideRun(side, rep, [bang, slash], problems, violations)


def stored_problems(db_path: Path, stage: Stage) -> list[str]:
    """Exactly one check-in per member, made the way the member made it, nothing else."""
    stored = ours.ours_stored_checkins(db_path, stage.guild.id)
    bang_source, slash_source = ours.ours_checkin_sources()
    expected = {u.id: [bang_source] for u in [stage.warmup[0], *stage.bang_members]}
    expected |= {u.id: [slash_source] for u in [stage.warmup[1], *stage.slash_members]}
    problems = []
    mismatch = checkin_mismatch(expected, stored)
    if mismatch:
        problems.append(mismatch)
    return problems


def build_stage(fd: FakeDiscord, members: int, folder: Path) -> Stage:
    users = [fd.create_user(f"lifter{i}") for i in range(2 * members + 2)]
    guild = fd.create_guild("Bench Gym", members=users)
    channel = fd.create_channel(guild, "gym")
    return Stage(
        fd, guild, channel, users[:members], users[members : 2 * members], users[-2:], folder
    )


def _report(runs: list[SideRun]) -> tuple[list[str], dict[str, dict[str, float]]]:
    lines = []
    rows = []
    summary: dict[str, dict[str, float]] = {}
    for run in runs:
        for burst in run.bursts:
            lat = burst.latencies_ms()
            rows.append(
                [
                    f"rep {run.rep} {run.side}",
                    burst.kind,
                    f"{burst.rate():.0f}/s",
                    f"{percentile(lat, 0.5):.1f} ms",
                    f"{percentile(lat, 0.99):.1f} ms",
                    f"{burst.answered()}/{len(burst.members)}",
                    str(burst.late) if burst.kind == SLASH else "",
                    f"{burst.cpu_ms_per_command():.2f} ms",
                ]
            )
    lines.append(
        table(["run", "command", "rate", "p50", "p99", "answered", ">3 s", "bot CPU/cmd"], rows)
    )
    lines.append("")
    for kind_index, kind in enumerate((BANG, SLASH)):
        for side in ("bare", "legday"):
            bursts = [r.bursts[kind_index] for r in runs if r.side == side]
            pooled = [x for b in bursts for x in b.latencies_ms()]
            summary[f"{side} {kind}"] = {
                "cpu": median([b.cpu_ms_per_command() for b in bursts]),
                "rate": median([b.rate() for b in bursts]),
                "p50": percentile(pooled, 0.5),
                "p99": percentile(pooled, 0.99),
            }
    rows = []
    for kind in (BANG, SLASH):
        bare, legday = summary[f"bare {kind}"], summary[f"legday {kind}"]
        rows.append(
            [
                kind,
                f"{bare['rate']:.0f}/s",
                f"{legday['rate']:.0f}/s",
                times(ratio(legday["rate"], bare["rate"])),
                f"{bare['p50']:.1f} / {bare['p99']:.1f} ms",
                f"{legday['p50']:.1f} / {legday['p99']:.1f} ms",
                times(ratio(legday["p99"], bare["p99"])),
                f"{bare['cpu']:.2f} / {legday['cpu']:.2f} ms",
                times(ratio(bare["cpu"], legday["cpu"])),
            ]
        )
    lines.append(
        table(
            [
                "median of reps",
                "bare rate",
                "legday rate",
                "rate ratio",
                "bare p50 / p99",
                "legday p50 / p99",
                "p99 ratio",
                "CPU/cmd bare / legday",
                "CPU ratio",
            ],
            rows,
        )
    )
    lines.append(
        "CPU ratio = bare CPU per command / legday's: the rate a bot can reach when the other "
        "side of the socket is not the bottleneck (above 0.7: the target)"
    )
    return lines, summary


async def main(
    members: int,
    reps: int,
    profile: Path | None = None,
    legday: LegdayUnderTest | None = None,
) -> int:
    with tempfile.TemporaryDirectory(prefix="legday-throughput-") as tmp:
        folder = Path(tmp)
        async with FakeDiscord(
            check_types=False,
            heartbeat_interval_ms=5000,
            route_rate_limit=(1_000_000_000, 1.0),
            interaction_deadline=3600.0,
        ) as fd:
            fd.set_global_rate_limit(None)
            stage = build_stage(fd, members, folder)
            stage.legday = legday or LegdayUnderTest()
            collector = Collector(fd)
            stop_observing = fd.observe_messages(collector)
            runs: list[SideRun] = []
            try:
                for rep in range(1, reps + 1):
                    for side in ("bare", "legday"):
                        run = await _run_side(stage, side, rep, collector)
                        runs.append(run)
                        print(f"rep {rep} {side}: done", file=sys.stderr, flush=True)
                if profile is not None:
                    # One more legday run under py-spy; the measured runs stay unsampled.
                    stage.profile = profile
                    profiled = await _run_side(stage, "legday", reps + 1, collector)
                    stage.profile = None
                    print(f"profiled run: {', '.join(profiled.problems) or 'checks passed'}")
            finally:
                stop_observing()
    print(
        f"Throughput: {members} members each send {BANG} at once, then {members} others "
        f"{SLASH}; {reps} interleaved repetition{'s' if reps > 1 else ''} per side (member "
        "send -> reply at the local Discord)"
    )
    print(stage.legday.describe())
    lines, _ = _report(runs)
    print("\n".join(lines))
    failed = False
    print("\nchecks (one reply each, the right reply, one stored check-in each):")
    for run in runs:
        for problem in run.problems:
            print(f"  FAILED rep {run.rep} {run.side}: {problem}")
            failed = True
        for violation in run.violations:
            print(f"  emulator violation, rep {run.rep} {run.side}: {violation}")
    late = sum(b.late for r in runs for b in r.bursts)
    if late:
        print(f"  note: {late} slash answers came after Discord's 3 s deadline (would fail)")
    if not failed:
        print("  passed: every member got exactly one right reply; legday stored each once")
    if profile is not None:
        print(f"\nlegday during both bursts of an extra run, sampled by py-spy ({profile}):")
        print(summarize(profile, stage.profiled_seconds))
    return 1 if failed else 0


def bot_env_settings(parser: argparse.ArgumentParser, pairs: list[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            parser.error(f"--bot-env {pair!r}: expected KEY=VALUE")
        settings[key] = value
    return settings


def _cli() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.throughput",
        description="legday vs a bare discord.py bot: check-ins answered per second in a burst",
    )
    parser.add_argument("--members", type=at_least(1), default=600, help="per burst (600)")
    parser.add_argument("--reps", type=at_least(1), default=3, help="repetitions per side (3)")
    parser.add_argument("--quick", action="store_true", help="20 members, 1 rep: checks only")
    parser.add_argument(
        "--profile", type=Path, metavar="FILE", help="also profile legday with py-spy into FILE"
    )
    parser.add_argument("--note", help="every check-in carries this note (default: none)")
    parser.add_argument(
        "--bot-project",
        type=Path,
        metavar="DIR",
        help="run legday from this checkout (this Python, DIR on its import path)",
    )
    parser.add_argument(
        "--bot-env",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="one more setting for legday, e.g. LEGDAY_GLOBAL_RATE_LIMIT=100000 (repeatable)",
    )
    args = parser.parse_args()
    members, reps = (20, 1) if args.quick else (args.members, args.reps)
    legday = LegdayUnderTest(args.bot_project, bot_env_settings(parser, args.bot_env), args.note)
    if args.bot_project is not None and not (args.bot_project / "bot").is_dir():
        parser.error(f"--bot-project {args.bot_project}: no bot/ package there")
    if args.quick:
        print(QUICK_NOTE, flush=True)
    try:
        code = asyncio.run(main(members, reps, args.profile, legday))
    except CheckFailed as exc:
        print(f"check failed: {exc}", file=sys.stderr)
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    _cli()
