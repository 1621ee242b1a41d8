"""Two bot processes sharing the work of one bot, as in production at scale: one local
Discord, one PostgreSQL database, four shards, process A holding shards 0 and 1 and
process B shards 2 and 3 (`LEGDAY_SHARD_COUNT`, `LEGDAY_SHARD_IDS`).

- every command works on a server of each shard, answered once, by the process holding it
  (Discord sends a server's events to its shard's connection only);
- a schedule on every server fires once; process B is killed (`kill -9`), a second round
  falls due while it is down, and B started again sends its servers' missed reminders once
  (A does not send them: not its shards), with the check-ins made before the kill counted;
- a process given a shard another one holds stands by (no second gateway session, so
  commands are answered once, and no reminders armed) and takes over when the holder
  dies.

Time moves with `TimeMachine` (both processes follow the one LEGDAY_CLOCK_FILE). Discord's
nonce check is off, so a reminder posted twice would show up twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.store.coordination import LOCK_SPACE
from fakediscord import Channel, FakeDiscord, Message, Shard, User
from sandbox.demo import build_demo
from sandbox.stage import Stage
from tests.e2e.conftest import E2E, E2E_ROUTE_LIMITS, TimeMachine, publish_globally
from tests.postgres import fresh_database

pytestmark = [pytest.mark.e2e]

REMINDER = "It's leg day!"
SCHEDULED = re.compile(r"Reminder schedule #(\d+) added")
SETTLE = 3.0  # seconds a second copy of anything would have had to show up
IDENTIFY_WINDOW = 1.0  # the identify limit's window, the local Discord's and the bots'


@dataclass
class Fleet:
    fd: FakeDiscord
    clock: TimeMachine
    stages: dict[str, Stage]
    root: E2E
    database_url: str

    def bot_messages(self, channel: Channel) -> list[Message]:
        return [m for m in self.fd.messages(channel) if m.author.id == self.fd.bot_user.id]

    def reminders(self, channel: Channel) -> list[Message]:
        return [m for m in self.bot_messages(channel) if REMINDER in m.content]

    async def wait_reminders(self, channels: Iterable[Channel], count: int) -> None:
        wanted = list(channels)
        await self.fd.emulator.notifier.wait_for(
            lambda: all(len(self.reminders(c)) >= count for c in wanted),
            30,
            f"{count} reminder(s) in each of {[c.id for c in wanted]}",
        )

    async def start(self, *names: str) -> None:
        """Start these processes together (as a deployment does) and wait for all."""
        async with asyncio.TaskGroup() as group:  # one failing stops the others waiting
            for name in names:
                group.create_task(self.stages[name].start_bot(within=45))

    def logs(self) -> str:
        return "\n".join(
            f"--- {name} ---\n{stage.bot.log_text()[-3000:]}" for name, stage in self.stages.items()
        )


@asynccontextmanager
async def fleet(
    folder: Path,
    shard_count: int,
    holders: dict[str, str],
    *,
    expected_errors: tuple[str, ...] = (),
) -> AsyncIterator[Fleet]:
    """The local Discord (recommending `shard_count` shards, 2 identifies at a time),
    a fresh PostgreSQL database and one stage per process (`holders`: name -> the
    LEGDAY_SHARD_IDS it holds). Nothing is started; everything is stopped at the end and
    checked: no traceback, exit 0, no error logged (but `expected_errors`), no rule of
    Discord's broken."""
    async with AsyncExitStack() as stack:
        url = await stack.enter_async_context(fresh_database("legday_shards"))
        fd = await stack.enter_async_context(
            FakeDiscord(
                heartbeat_interval_ms=1000,
                route_limits=E2E_ROUTE_LIMITS,
                strict_mentions=True,
                nonce_dedupe=False,
                shards=shard_count,
                max_concurrency=2,
                identify_window=IDENTIFY_WINDOW,
            )
        )
        demo = build_demo(fd)
        clock_file = folder / "clock"
        clock = TimeMachine(fd, clock_file)
        stages = {}
        for name, held in holders.items():
            (folder / name).mkdir()
            env = {
                **clock.env(),
                "LEGDAY_COOLDOWN_RATE": "1000",
                "LEGDAY_SHARD_COUNT": str(shard_count),
                "LEGDAY_SHARD_IDS": held,
                "LEGDAY_IDENTIFY_DELAY": str(IDENTIFY_WINDOW),
            }
            stages[name] = Stage(fd, demo, url, folder / name, env)
        first = next(iter(stages.values()))
        crew = Fleet(fd, clock, stages, E2E(first, demo), url)
        try:
            yield crew
        finally:
            codes = {name: await stage.stop_bot() for name, stage in stages.items()}
            logs = crew.logs()
            assert "Traceback" not in logs, logs
            errors = [
                line
                for line in logs.splitlines()
                if " ERROR " in line and not any(e in line for e in expected_errors)
            ]
            assert not errors, logs
            # -9: a process the test killed and left down.
            assert all(code in (0, None, -9) for code in codes.values()), f"{codes}\n{logs}"
            fd.assert_no_violations()


def servers(crew: Fleet, shard_count: int) -> list[E2E]:
    """A server on each shard (after the first process synced the commands: they are
    published for every server, as `legday commands sync` does)."""
    publish_globally(crew.fd, crew.root.demo)
    made = [crew.root.new_server(f"Shard {i}", shard=(i, shard_count)) for i in range(shard_count)]
    for i, server in enumerate(made):
        assert crew.fd.shard_of(server.guild, shard_count) == i
    return made


def next_minute(now: datetime, ahead: float = 120) -> datetime:
    """A whole minute at least `ahead` seconds after `now`."""
    return (now + timedelta(seconds=ahead + 60)).replace(second=0, microsecond=0)


async def add_schedule(server: E2E, admin: User, at: datetime) -> int:
    reply = await server.ask(admin, f"!legday schedule add daily {at:%H:%M} <#{server.gym.id}>")
    match = SCHEDULED.fullmatch(reply.embeds[0]["title"])
    assert match, reply.embeds[0]
    return int(match[1])


def answered_once(crew: Fleet, server: E2E, said: Sequence[Message], shard_count: int) -> None:
    """Each of `said` got exactly one reply, and its MESSAGE_CREATE went to one gateway
    connection: one of the shard the server is on."""
    for message in said:
        replies = [
            m
            for m in crew.bot_messages(server.gym)
            if (m.message_reference or {}).get("message_id") == str(message.id)
        ]
        assert len(replies) == 1, (message.content, replies)
    got: dict[Shard | None, set[int]] = {}
    for frame in crew.fd.dispatched("MESSAGE_CREATE"):
        if frame.guild_id == server.guild.id:
            got.setdefault(frame.shard, set()).add(frame.connection)
    shard = Shard(crew.fd.shard_of(server.guild, shard_count), shard_count)
    assert list(got) == [shard], got
    assert len(got[shard]) == 1, got


async def test_two_processes_serve_four_shards_and_a_killed_one_loses_nothing(
    tmp_path: Path,
) -> None:
    async with fleet(tmp_path, 4, {"a": "0,1", "b": "2,3"}) as crew:
        fd = crew.fd
        await crew.start("a", "b")
        # Identifies came at most two at a time (buckets 0 and 1), each bucket once per
        # window, the two processes taking turns through the database: none was refused.
        assert all(r.accepted for r in fd.identifies), fd.identifies
        accepted = [r for r in fd.identifies if r.accepted]
        assert sorted(r.shard.id for r in accepted) == [0, 1, 2, 3], fd.identifies
        for bucket in (0, 1):
            times = sorted(r.time for r in accepted if r.bucket == bucket)
            assert all(b - a >= IDENTIFY_WINDOW for a, b in itertools.pairwise(times))

        every = servers(crew, 4)
        a_side, b_side = every[:2], every[2:]
        now = crew.clock.now()
        first, second = next_minute(now), next_minute(now, ahead=300)
        admins: dict[int, User] = {}
        members: dict[int, tuple[User, User]] = {}
        for server in every:
            admin, lifter, slasher = (
                server.admin("coach"),
                server.member("ana"),
                server.member("ben"),
            )
            admins[server.guild.id], members[server.guild.id] = admin, (lifter, slasher)
            goal = await server.ask(admin, "!legday settings goal 3")
            assert goal.content.startswith("Group goal set to **3 leg days**"), goal.content
            logged = await server.ask(lifter, "!legday squats")
            assert logged.embeds[0]["title"].startswith("Leg day logged"), logged.embeds
            record, slashed = await server.slash(slasher, "legday checkin", {"note": "lunges"})
            assert slashed.embeds[0]["title"].startswith("Leg day logged"), slashed.embeds
            assert len(record.callbacks) == 1, record.callbacks
            board = await server.ask(lifter, "!legday top all")
            assert board.embeds[0]["title"] == "Leg day leaderboard: all time"
            for user in (lifter, slasher):
                assert f"<@{user.id}> · 1 day" in board.embeds[0]["description"]
            for at in (first, second):
                await add_schedule(server, admin, at)
        await asyncio.sleep(SETTLE)
        for server in every:
            said = [
                m
                for m in fd.messages(server.gym)
                if m.author.id != fd.bot_user.id and m.content.startswith("!legday")
            ]
            answered_once(crew, server, said, 4)
        assert fd.violations_of("interaction_already_acknowledged") == []

        # Round one: every server's schedule fires, once.
        await crew.clock.to(first + timedelta(seconds=2))
        await crew.wait_reminders((s.gym for s in every), 1)

        # A restarts (a deploy): it arms, from the database, its own servers' schedules
        # only. Then B dies, and round two falls due while it is down: A sends its own
        # servers' reminders, not B's.
        await crew.stages["a"].stop_bot()
        await crew.start("a")
        await crew.stages["b"].kill_bot()
        await crew.clock.to(second + timedelta(seconds=2))
        await crew.wait_reminders((s.gym for s in a_side), 2)
        await asyncio.sleep(SETTLE)
        assert [len(crew.reminders(s.gym)) for s in b_side] == [1, 1], crew.logs()

        # B is back: it catches up on its servers' missed round, once; the check-ins of
        # before the kill are still there, and it answers its servers again.
        await crew.start("b")
        await crew.wait_reminders((s.gym for s in b_side), 2)
        for server in b_side:
            lifter, slasher = members[server.guild.id]
            board = await server.ask(lifter, "!legday top all")
            for user in (lifter, slasher):
                assert f"<@{user.id}> · 1 day" in board.embeds[0]["description"], board.embeds
            again = await server.ask(slasher, "!legday")
            assert again.embeds[0]["title"].startswith("Already logged"), again.embeds
        await asyncio.sleep(SETTLE)
        for server in every:
            reminders = crew.reminders(server.gym)
            assert len(reminders) == 2, (server.guild.name, reminders, crew.logs())


async def test_a_process_given_a_held_shard_stands_by_and_takes_over_when_the_holder_dies(
    tmp_path: Path,
) -> None:
    # B is given shard 1, which A holds (shards given twice, or B started as a stand-by).
    # B waits without connecting: a second session of shard 1 would get its events too
    # and answer every command twice. When A dies, B takes shard 1 over.
    async with fleet(tmp_path, 2, {"a": "0,1", "b": "1", "c": "0"}) as crew:
        await crew.start("a")
        every = servers(crew, 2)
        shard_1 = every[1]
        # A stand-by stopped while it waits ends at once, and well, never having connected.
        c = crew.stages["c"]
        identifies = len(crew.fd.identifies)
        c_up = asyncio.create_task(c.start_bot(within=60))
        await until(lambda: "standing by until it lets go" in c.bot.log_text(), 30, crew)
        assert await asyncio.wait_for(c.stop_bot(), 10) == 0
        assert len(crew.fd.identifies) == identifies
        with contextlib.suppress(RuntimeError):  # "the bot exited during start-up"
            await c_up

        now = crew.clock.now()
        first, second = next_minute(now), next_minute(now, ahead=300)
        for server in every:
            for at in (first, second):
                await add_schedule(server, server.admin("coach"), at)
        b = crew.stages["b"]
        b_up = asyncio.create_task(b.start_bot(within=90))
        await until(lambda: "standing by until it lets go" in b.bot.log_text(), 30, crew)
        sessions = [s for s in crew.fd.gateway_sessions(connected=True) if s.shard == Shard(1, 2)]
        assert len(sessions) == 1, sessions
        ana = shard_1.member("ana")
        said = await shard_1.ask(ana, "!legday")
        assert said.embeds[0]["title"].startswith("Leg day logged"), said.embeds
        await crew.clock.to(first + timedelta(seconds=2))
        await crew.wait_reminders((s.gym for s in every), 1)
        await asyncio.sleep(SETTLE)
        assert [len(crew.reminders(s.gym)) for s in every] == [1, 1], crew.logs()
        assert not b_up.done()

        await crew.stages["a"].kill_bot()
        await b_up  # B's shard 1 identified, and READY
        assert "took over shards 1 of 2" in b.bot.log_text(), b.bot.log_text()
        again = await shard_1.ask(ana, "!legday")
        assert again.embeds[0]["title"].startswith("Already logged"), again.embeds
        await crew.clock.to(second + timedelta(seconds=2))
        await crew.wait_reminders([shard_1.gym], 2)
        await asyncio.sleep(SETTLE)
        # Shard 0 is nobody's now (A is down); shard 1's second round came from B, once.
        assert [len(crew.reminders(s.gym)) for s in every] == [1, 2], crew.logs()
        for message in (m for m in crew.fd.messages(shard_1.gym) if m.author.id == ana.id):
            replies = [
                m
                for m in crew.bot_messages(shard_1.gym)
                if (m.message_reference or {}).get("message_id") == str(message.id)
            ]
            assert len(replies) == 1, (message.content, replies)


async def until(done: Callable[[], bool], within: float, crew: Fleet) -> None:
    for _ in range(int(within / 0.1)):
        if done():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {within} s\n{crew.logs()}")


TAKEN = "another process took over shards 0 and 1 while the database was out of reach"


async def test_a_process_whose_leases_went_while_its_database_connection_was_down_stops(
    tmp_path: Path,
) -> None:
    # A's lease connection is cut; before A is back (a second later), someone else takes
    # the leases (here the test, as a stand-by would). A stops with exit code 5 rather
    # than answer beside them; started again, it stands by until they are free.
    async with fleet(tmp_path, 2, {"a": "0,1"}, expected_errors=(TAKEN,)) as crew:
        a = crew.stages["a"]
        await crew.start("a")
        dsn = crew.database_url.replace("postgresql+asyncpg://", "postgresql://")
        rival, cutter = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
        try:
            [holder] = await cutter.fetch(
                "SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1",
                LOCK_SPACE + 2,
            )

            async def take_both() -> None:
                for shard_id in (0, 1):
                    await rival.execute("SELECT pg_advisory_lock($1, $2)", LOCK_SPACE + 2, shard_id)

            # The rival queues for the locks first, so it gets them the moment the cut
            # session ends, well before A reconnects (a second later) and tries again.
            taking = asyncio.create_task(take_both())
            waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            for _ in range(100):
                if await cutter.fetchval(waiting):
                    break
                await asyncio.sleep(0.05)
            await cutter.execute("SELECT pg_terminate_backend($1)", holder["pid"])
            await asyncio.wait_for(taking, 10)
            assert await a.bot.wait(30) == 5
            assert TAKEN in a.bot.log_text(), a.bot.log_text()

            up = asyncio.create_task(a.start_bot(within=60))
            await until(lambda: a.bot.log_text().count("standing by until") == 1, 30, crew)
            assert not up.done()
        finally:
            await rival.close()  # the leases go with the session
            await cutter.close()
        await up
        server = servers(crew, 2)[0]
        logged = await server.ask(server.member("ana"), "!legday")
        assert logged.embeds[0]["title"].startswith("Leg day logged"), logged.embeds
