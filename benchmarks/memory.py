"""`python -m benchmarks.memory`: resident memory of legday against a default discord.py
bot, both connected alone to the same local Discord with thousands of servers.

Each server has 100 members, 11 channels of mixed types (two categories, six text
channels, an announcement channel with an overwrite, two voice channels) and 10 roles;
the members are drawn from one shared pool, as people are in several servers. Each also
has 10 to 50 custom emojis and up to 5 stickers, as community servers do (`--emojis 0`
measures bare servers): a bot with the default intents caches them, legday does not ask
for them.

Compared at each size: the real bot process (`python -m bot run`, default settings but
logging at WARNING, a fresh SQLite file) and `python -m benchmarks.bare_bot --default`, which is
`commands.Bot(command_prefix="!", intents=discord.Intents.default())` with a
`/legday checkin` answering a constant. Each bot is measured after READY and every
GUILD_CREATE have been processed (the emulator has sent them all and the process has gone
idle) plus a settle period, then again after a little traffic across servers: chat, some
`!legday` (legday answers them; the default bot sees no message content, as its intents
say) and `/legday checkin` (both answer). Every expected reply is checked, once each.

Why it is fair: the same world, the same emulator, the same traffic, one bot at a time;
RSS (VmRSS) and peak RSS (VmHWM) come from /proc. Neither bot requests the member list,
so members reach them only through the traffic, as on Discord.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import ours
from benchmarks.arguments import QUICK_NOTE, server_counts
from benchmarks.bare_bot import REPLY_TITLE
from benchmarks.imports import breakdown
from benchmarks.measure import CheckFailed, ratio, require, table, times
from benchmarks.proc import memory_kib, wait_idle
from benchmarks.processes import BotRun, baseline_env, disconnect_all
from benchmarks.servers import EMOJIS, Servers
from fakediscord import FakeDiscord, Message

SIDES = ("default discord.py", "legday")
CHAT = ("anyone lifting tonight?", "new squat PR 💪", "rest day for me", "see you at 6")


@dataclass
class Measured:
    servers: int
    side: str
    ready_kib: dict[str, int]
    traffic_kib: dict[str, int]
    loaded_in: float
    traffic_events: int


def _reply_ok(side: str, message: Message) -> bool:
    if side == "legday":
        return ours.ours_checkin_reply_ok(message)
    return bool(message.embeds) and message.embeds[0].get("title") == REPLY_TITLE


async def _loaded(fd: FakeDiscord, bot: BotRun, quiet: float) -> float:
    """Seconds until the emulator has sent every GUILD_CREATE and the bot has gone idle."""
    started = time.monotonic()
    hub = fd.emulator.hub

    def drained() -> bool:
        sessions = hub.connected_sessions()
        return bool(sessions) and all(
            s.connection is not None and s.connection.queue.empty() for s in sessions
        )

    # The gateway writer reports every frame it sends, so this wakes up as the queue drains.
    await fd.emulator.notifier.wait_for(drained, 600, "the GUILD_CREATEs to be sent")
    await wait_idle(bot.pid, quiet=quiet)
    return time.monotonic() - started


class Replies:
    """Replies from the bot, by the message or interaction they answer."""

    def __init__(self, fd: FakeDiscord) -> None:
        self.fd = fd
        self.found: dict[int, list[Message]] = {}

    def __call__(self, message: Message) -> None:
        if message.author.id != self.fd.bot_user.id:
            return
        key = message.interaction_id or int((message.message_reference or {}).get("message_id", 0))
        if key:
            self.found.setdefault(key, []).append(message)

    async def wait(self, keys: list[int], within: float = 15.0) -> None:
        await self.fd.emulator.notifier.wait_for(
            lambda: all(self.found.get(k) for k in keys), within, "the bot's replies"
        )


async def _traffic(fd: FakeDiscord, servers: Servers, side: str, guilds: int) -> int:
    """Chat, `!legday` and `/legday checkin` in `guilds` random servers; checks the replies."""
    rng = random.Random(9)
    replies = Replies(fd)
    stop = fd.observe_messages(replies)
    sent = 0
    expected: list[int] = []
    try:
        for server in rng.sample(servers.built, min(guilds, len(servers.built))):
            channel = fd.state.channels[rng.choice(server.text_channel_ids)]
            talkers = [fd.state.users[u] for u in rng.sample(server.member_ids, 4)]
            for user in talkers[:2]:
                await fd.say(user, channel, rng.choice(CHAT))
            said = await fd.say(talkers[2], channel, "!legday")
            record = await fd.slash(talkers[3], channel, "legday checkin")
            sent += 4
            keys = [record.id] + ([said.id] if side == "legday" else [])
            await replies.wait(keys)
            expected += keys
        await asyncio.sleep(0.5)  # room for a reply nobody should get
    finally:
        stop()
    require(set(replies.found) == set(expected), f"{side}: replies to unexpected messages")
    for key in expected:
        found = replies.found[key]
        require(len(found) == 1, f"{side}: {len(found)} replies to one command")
        require(_reply_ok(side, found[0]), f"{side}: unexpected reply {found[0]!r}")
    return sent


async def _measure(
    fd: FakeDiscord,
    servers: Servers,
    side: str,
    folder: Path,
    quiet: float,
    settle: float,
    traffic_guilds: int,
) -> Measured:
    await disconnect_all(fd)
    count = len(servers.built)
    log_path = folder / f"{side.split()[0]}-{count}.log"
    if side == "legday":
        db = folder / f"legday-{count}.db"
        env = ours.ours_bot_env(fd, f"sqlite+aiosqlite:///{db}", dev_guild_id=None)
        bot = BotRun(side, ours.ours_bot_command(), env, log_path)
    else:
        argv = [sys.executable, "-m", "benchmarks.bare_bot", "--default"]
        bot = BotRun(side, argv, baseline_env(fd), log_path)
    violations_before = len(fd.violations)
    await bot.start(fd, within=300)
    try:
        loaded_in = await _loaded(fd, bot, quiet)
        await asyncio.sleep(settle)
        ready = memory_kib(bot.pid)
        if side == "legday":
            owner_channel = fd.state.channels[servers.built[0].text_channel_ids[0]]
            said = await fd.say(fd.emulator.owner, owner_channel, ours.ours_sync_global_command())
            await fd.next_message(
                owner_channel,
                timeout=30,
                predicate=lambda m: (m.message_reference or {}).get("message_id") == str(said.id),
            )
        events = await _traffic(fd, servers, side, traffic_guilds)
        await wait_idle(bot.pid, quiet=quiet)
        await asyncio.sleep(settle)
        after = memory_kib(bot.pid)
    finally:
        code = await bot.stop()
    require(code in (0, None), f"{side} did not stop cleanly ({bot.ended}):\n{bot.log_tail()}")
    require("Traceback" not in bot.log_tail(1_000_000), f"{side} logged:\n{bot.log_tail()}")
    violations = fd.violations[violations_before:]
    require(not violations, f"{side}: emulator violations: {violations}")
    return Measured(count, side, ready, after, loaded_in, events)


def _report(results: list[Measured], sizes: list[int]) -> str:
    mib = 1024
    rows = []
    for m in results:
        rows.append(
            [
                f"{m.servers:,}",
                m.side,
                f"{m.loaded_in:.1f} s",
                f"{m.ready_kib['VmRSS'] / mib:.1f}",
                f"{m.traffic_kib['VmRSS'] / mib:.1f}",
                f"{m.traffic_kib['VmHWM'] / mib:.1f}",
            ]
        )
    lines = [
        table(
            ["servers", "bot", "loaded in", "RSS ready", "RSS after traffic", "peak (HWM)"],
            rows,
        ),
        "(MiB; 'loaded in' = READY until every GUILD_CREATE is processed and the bot is idle)",
        "",
    ]
    by = {(m.servers, m.side): m for m in results}
    ratio_rows = []
    for size in sizes:
        default, legday = by[(size, SIDES[0])], by[(size, SIDES[1])]
        ratio_rows.append(
            [
                f"{size:,} servers",
                times(ratio(legday.ready_kib["VmRSS"], default.ready_kib["VmRSS"])),
                times(ratio(legday.traffic_kib["VmRSS"], default.traffic_kib["VmRSS"])),
                times(ratio(legday.traffic_kib["VmHWM"], default.traffic_kib["VmHWM"])),
            ]
        )
    lines.append(table(["legday / default", "RSS ready", "RSS after traffic", "peak"], ratio_rows))
    if len(sizes) > 1:
        low, high = sizes[0], sizes[-1]
        growth = {}
        for side in SIDES:
            grown = by[(high, side)].traffic_kib["VmRSS"] - by[(low, side)].traffic_kib["VmRSS"]
            growth[side] = grown / (high - low)
        lines.append("")
        lines.append(
            f"growth per server from {low:,} to {high:,} (RSS after traffic): "
            f"default {growth[SIDES[0]]:.2f} KiB, legday {growth[SIDES[1]]:.2f} KiB, "
            f"ratio {times(ratio(growth[SIDES[1]], growth[SIDES[0]]))}"
        )
    return "\n".join(lines)


async def main(
    sizes: list[int], quiet: float, settle: float, traffic_guilds: int, emojis: tuple[int, int]
) -> int:
    results: list[Measured] = []
    built: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="legday-memory-") as tmp:
        folder = Path(tmp)
        async with FakeDiscord(
            check_types=False, heartbeat_interval_ms=41250, route_rate_limit=(1_000_000_000, 1.0)
        ) as fd:
            fd.set_global_rate_limit(None)
            servers = Servers(fd, members_each=100, emojis=emojis)
            for size in sizes:
                started = time.monotonic()
                servers.grow_to(size)
                built[size] = time.monotonic() - started
                print(f"{size:,} servers built", file=sys.stderr, flush=True)
                for side in SIDES:
                    results.append(
                        await _measure(fd, servers, side, folder, quiet, settle, traffic_guilds)
                    )
                    print(f"  {side}: measured", file=sys.stderr, flush=True)
    print(
        f"Memory: each bot alone on the local Discord with {' and '.join(f'{s:,}' for s in sizes)}"
        f" servers of 100 members and {emojis[0]} to {emojis[1]} custom emojis;"
        f" traffic = {results[0].traffic_events} messages and"
        f" commands in {traffic_guilds} servers; settle {settle:.1f} s; building the servers"
        " in the emulator took " + ", ".join(f"{t:.1f} s (to {n:,})" for n, t in built.items())
    )
    print(_report(results, sizes))
    print("checks passed: every command got exactly one right reply; no emulator violations")
    print()
    print(breakdown())
    return 0


def _cli() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.memory",
        description="legday's resident memory against a default discord.py bot",
    )
    parser.add_argument(
        "--servers",
        type=server_counts,
        default=[2500, 10000],
        help="server counts, comma-separated (2500,10000)",
    )
    parser.add_argument(
        "--emojis",
        type=int,
        default=None,
        metavar="N",
        help="custom emojis per server: 0 for none (default: 10 to 50 at random)",
    )
    parser.add_argument("--quick", action="store_true", help="50 and 200 servers: checks only")
    args = parser.parse_args()
    emojis = EMOJIS if args.emojis is None else (args.emojis, args.emojis)
    if args.quick:
        print(QUICK_NOTE, flush=True)
        sizes, quiet, settle, traffic = [50, 200], 0.5, 0.5, 10
    else:
        sizes, quiet, settle, traffic = args.servers, 1.5, 3.0, 100
    try:
        code = asyncio.run(main(sizes, quiet, settle, traffic, emojis))
    except CheckFailed as exc:
        print(f"check failed: {exc}", file=sys.stderr)
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    _cli()
