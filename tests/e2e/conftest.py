"""The real bot process against the local Discord, one stage per test module.

Starting `python -m bot` costs about a second, so a module shares one bot; each test gets
a server of its own on it (`e2e`), with fresh members, so no test sees what another left
behind (a leaderboard, a schedule, a server setting) and each runs alone or in any order.

Every module runs twice, once per database (`tests/postgres.py` BACKENDS): its bot on a
SQLite file, then on a fresh PostgreSQL database (which the bot migrates as it starts).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from fakediscord import Channel, FakeDiscord, Member, Message, Role, User
from fakediscord.commands import upsert
from fakediscord.interactions import InteractionRecord
from fakediscord.notifier import WAIT
from sandbox.demo import ADMIN_PERMISSIONS, Demo, build_demo
from sandbox.stage import Stage
from tests.postgres import SQLITE, backend_url, query

# Discord lets a bot post 5 messages per 5 s per channel; these tests post many more to #gym
# and would spend minutes waiting for that window (numbers in the emu branch's report). Every
# other limit stays Discord's.
E2E_ROUTE_LIMITS = {"POST /channels/{channel_id}/messages": (50, 1.0)}

_names = itertools.count(1)
INVALID_REQUEST_BUDGET = 100

#: every stage currently open, so the autouse check below can look at its violations
_open: list[E2E] = []


class E2E:
    """A stage plus helpers for making members on the fly and talking to the bot."""

    def __init__(self, stage: Stage, demo: Demo | None = None, *, root: E2E | None = None) -> None:
        self.stage = stage
        self.fd = stage.fd
        self.demo = demo or stage.demo
        self.guild = self.demo.guild
        self.gym = self.demo.gym
        # A server made by `new_server` shares the bot, so it shares the bot's request
        # pacing and the count of violations already looked at with the stage's own view.
        self._root: E2E = root or self
        self._violations_seen = 0
        self._sent: deque[float] = deque()

    @property
    def violations_seen(self) -> int:
        return self._root._violations_seen

    @violations_seen.setter
    def violations_seen(self, value: int) -> None:
        self._root._violations_seen = value

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """Rows of `sql` (`:name` parameters) read from the bot's database, either one."""
        return [tuple(row) for row in query(self.stage.database_url, sql, params)]

    def new_server(self, name: str = "Iron Temple", *, shard: tuple[int, int] | None = None) -> E2E:
        """A server of its own on the same bot: the demo's roles (@coaches with Manage
        Server, a mentionable @lifters) and channels (#gym, #general), nobody in it yet but
        its owner. The bot hears of it as Discord tells a bot it was added (GUILD_CREATE,
        then the roles and channels), before anything a test says there. `shard=(i, n)`:
        a server Discord routes to shard i of n."""
        fd = self.fd
        owner = fd.create_user(f"owner{next(_names)}")
        guild = fd.create_guild(name, owner=owner, shard=shard)
        coaches = fd.create_role(guild, "coaches", permissions=ADMIN_PERMISSIONS)
        lifters = fd.create_role(guild, "lifters", mentionable=True)
        gym = fd.create_channel(guild, "gym", topic="Leg day or bust")
        general = fd.create_channel(guild, "general")
        demo = Demo(guild, gym, general, lifters, coaches, {"owner": owner})
        return E2E(self.stage, demo, root=self._root)

    async def pace(self, per_second: int = 40) -> None:
        """Keep commands under Discord's global limit of 50 requests a second: each one is
        answered with at least one request, and a test typing faster than any group chat
        would only measure that limit (the emulator flags it as a violation)."""
        sent = self._root._sent
        now = time.monotonic()
        while sent and now - sent[0] > 1.0:
            sent.popleft()
        if len(sent) >= per_second:
            await asyncio.sleep(1.0 - (now - sent[0]))
        sent.append(time.monotonic())

    def member(self, name: str = "member", *, roles: list[Role] | None = None) -> User:
        user = self.fd.create_user(f"{name}{next(_names)}")
        self.fd.add_member(self.guild, user, roles=roles or [])
        return user

    def admin(self, name: str = "admin") -> User:
        return self.member(name, roles=[self.demo.coaches])

    def as_member(self, user: User) -> Member:
        return self.fd.member(self.guild, user)

    async def reply_to(self, said: Message, *, within: float = WAIT) -> Message:
        """The bot's reply to the message `said` (a `!` command is answered with a reply)."""
        channel = self.fd.state.channels[said.channel_id]

        def answers(msg: Message) -> bool:
            reference = msg.message_reference or {}
            return reference.get("message_id") == str(said.id)

        return await self.fd.next_message(channel, timeout=within, predicate=answers)

    async def ask(
        self, user: User, text: str, channel: Channel | None = None, *, within: float = WAIT
    ) -> Message:
        """`user` says `text` (a `!` command) and this returns the bot's reply to it."""
        await self.pace()
        said = await self.fd.say(user, channel or self.gym, text)
        return await self.reply_to(said, within=within)

    async def slash(
        self,
        user: User,
        command: str,
        options: dict[str, Any] | None = None,
        channel: Channel | None = None,
        *,
        within: float = WAIT,
        overridden: bool = False,
    ) -> tuple[InteractionRecord, Message]:
        """`user` runs `/command`; returns the interaction and the message the user sees.

        `overridden`: the server has opened the command to members its default permissions
        would hide it from (Server Config > Integrations), so only the bot's own check
        stands between them and it."""
        await self.pace()
        record = await self.fd.slash(
            user, channel or self.gym, command, options or {}, check_permissions=not overridden
        )
        message = await record.wait_response(timeout=within)
        assert message is not None, f"/{command} was not answered with a message"
        return record, message

    def take_violations(self, kind: str) -> list[Any]:
        """Remove and return the violations of `kind`: for a test that provokes them on
        purpose (and asserts on them) so the end-of-test check doesn't count them."""
        taken = self.fd.violations_of(kind)
        before = self.fd.violations[: self.violations_seen]
        for violation in taken:
            self.fd.violations.remove(violation)
        self.violations_seen = len([v for v in before if v not in taken])
        return taken

    def new_violations(self) -> list[Any]:
        found = self.fd.violations[self.violations_seen :]
        self.violations_seen = len(self.fd.violations)
        return found


class TimeMachine:
    """Moves the bot's clock and the local Discord's together, so what the bot stamps
    (check-in days, due recaps and nudges) and what Discord stamps (message timestamps,
    snowflakes, which the bot reads back when it looks for its earlier posts) agree.

    The bot follows the file `path` (LEGDAY_CLOCK_FILE, in `env()`): it holds the seconds
    both clocks run ahead of the wall clock. Time only moves when a test moves it; in
    between it runs at the wall clock's pace."""

    # The bot re-reads the file every 0.2 s and then wakes its timers: wait that out, so a
    # command sent after `advance` lands on the new day.
    SETTLE = 0.5

    def __init__(self, fd: FakeDiscord, path: Path) -> None:
        self.fd = fd
        self.path = path
        self._write(fd.clock.offset)

    def env(self) -> dict[str, str]:
        return {"LEGDAY_CLOCK_FILE": str(self.path)}

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.fd.clock.now(), UTC)

    async def advance(self, seconds: float) -> None:
        """Move both clocks `seconds` ahead, and wait until the bot has seen it."""
        self.fd.clock.advance(seconds)
        self._write(self.fd.clock.offset)
        await asyncio.sleep(self.SETTLE)

    async def to(self, when: datetime) -> None:
        """Move both clocks to the instant `when` (it must be ahead)."""
        ahead = (when - self.now()).total_seconds()
        assert ahead > 0, f"{when} is in the past of the moved clock ({self.now()})"
        await self.advance(ahead)

    def _write(self, offset: float) -> None:
        # Written whole and renamed: the bot never reads half a number.
        draft = self.path.with_suffix(".tmp")
        draft.write_text(repr(offset), encoding="utf-8")
        os.replace(draft, self.path)


def embed_text(message: Message) -> str:
    """Everything readable in a message: content, embed titles, descriptions and fields."""
    parts = [message.content]
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        for item in embed.get("fields", []):
            parts += [item.get("name", ""), item.get("value", "")]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(p for p in parts if p)


def field(message: Message, name: str) -> str:
    """The value of the embed field called `name` in the message's first embed."""
    for item in message.embeds[0].get("fields", []):
        if item["name"] == name:
            return str(item["value"])
    raise AssertionError(f"no field {name!r} in {message.embeds[0]!r}")


def publish_globally(fd: FakeDiscord, demo: Demo) -> None:
    """The commands the bot synced to the demo server (LEGDAY_DEV_GUILD_ID), published for
    every server as `legday commands sync` does in production, so the servers that
    `E2E.new_server` makes have them too."""
    for command in list(fd.emulator.world.commands.values()):
        if command.guild_id == demo.guild.id:
            upsert(fd.emulator, None, dict(command.raw))


async def open_stage(
    folder: Path,
    env: dict[str, str] | None = None,
    *,
    configure: Callable[[FakeDiscord], None] | None = None,
    nonce_dedupe: bool = True,
    backend: str = SQLITE,
) -> AsyncIterator[E2E]:
    """Start the local Discord, the demo server and the bot; `configure` runs before the
    bot connects (e.g. to turn an application setting off). Every message the bot sends is
    checked for pings it should not make (`strict_mentions`: only a reminder may ping, and
    only whom its `allowed_mentions` names). `nonce_dedupe=False`: a repeated nonce makes
    a second message, as on Discord once its few minutes have passed. `backend`: the
    database, `sqlite` (a file in `folder`) or `postgresql` (a fresh database)."""
    async with (
        backend_url(backend, folder / "e2e.db") as url,
        FakeDiscord(
            heartbeat_interval_ms=1000,
            route_limits=E2E_ROUTE_LIMITS,
            strict_mentions=True,
            nonce_dedupe=nonce_dedupe,
        ) as fd,
    ):
        demo = build_demo(fd)
        if configure is not None:
            configure(fd)
        stage = Stage(fd, demo, url, folder, {"LEGDAY_COOLDOWN_RATE": "1000", **(env or {})})
        await stage.start_bot()
        publish_globally(fd, demo)
        e2e = E2E(stage)
        _open.append(e2e)
        try:
            yield e2e
        finally:
            _open.remove(e2e)
            code = await stage.stop_bot()
            log = stage.bot.log_text()
            # A traceback in the bot's log is a failure even when every reply looked fine.
            assert "Traceback" not in log, log[-4000:]
            assert code in (0, None), f"bot exited with {code}:\n{log[-4000:]}"
            # Nothing answered twice or late, nothing oversize, over the whole module.
            fd.assert_no_violations()
            # Discord bans an address at 10,000 401/403/429 answers in 10 minutes; a whole
            # module of hostile and unlucky cases stays far below that.
            assert fd.invalid_request_count < INVALID_REQUEST_BUDGET, fd.invalid_request_count


@pytest.fixture(autouse=True)
def _no_new_violations() -> Iterator[None]:
    """After every e2e test: the local Discord recorded no rule violation during it."""
    for e2e in _open:
        e2e.new_violations()
    yield
    for e2e in _open:
        found = e2e.new_violations()
        assert not found, "fakediscord recorded violations:\n" + "\n".join(map(str, found))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def e2e_stage(tmp_path_factory: pytest.TempPathFactory, backend: str) -> AsyncIterator[E2E]:
    """The module's bot, its database and the local Discord (in the demo server)."""
    async for stage in open_stage(tmp_path_factory.mktemp("e2e"), backend=backend):
        yield stage


@pytest.fixture
def e2e(e2e_stage: E2E) -> E2E:
    """The module's bot, in a server of this test's own."""
    return e2e_stage.new_server()
