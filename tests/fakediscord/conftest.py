from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import discord
import pytest
from discord.ext import commands

from fakediscord import Channel, FakeDiscord, Guild, Permission, Role, User
from tests.fakediscord.tiny_bot import TinyBot, default_intents


@pytest.fixture
async def fd() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(heartbeat_interval_ms=500) as emulator:
        emulator.point_discord_py()
        yield emulator


@dataclass
class World:
    guild: Guild
    alice: User
    bob: User
    admin: Role
    gym: Channel
    secret: Channel


@pytest.fixture
def world(fd: FakeDiscord) -> World:
    alice = fd.create_user("alice")
    bob = fd.create_user("bob")
    guild = fd.create_guild("Iron Temple", members=[alice, bob])
    admin = fd.create_role(guild, "admins", permissions=Permission.MANAGE_GUILD)
    fd.set_roles(guild, bob, [admin])
    gym = fd.create_channel(guild, "gym")
    secret = fd.create_channel(
        guild,
        "secret",
        overwrites={guild: (0, Permission.VIEW_CHANNEL), bob: (Permission.VIEW_CHANNEL, 0)},
    )
    return World(guild=guild, alice=alice, bob=bob, admin=admin, gym=gym, secret=secret)


class BotRunner:
    def __init__(self, fd: FakeDiscord) -> None:
        self.fd = fd
        self.bots: list[tuple[discord.Client, asyncio.Task[None]]] = []

    async def start(
        self,
        bot: discord.Client | None = None,
        *,
        wait: bool = True,
        sync: bool = True,
        **kwargs,
    ) -> TinyBot:
        if bot is None:
            bot = TinyBot(intents=kwargs.pop("intents", default_intents()), **kwargs)
        task = asyncio.create_task(bot.start(self.fd.bot_token))
        self.bots.append((bot, task))
        if wait:
            assert isinstance(bot, TinyBot)
            ready = asyncio.create_task(bot.ready_event.wait())
            done, _ = await asyncio.wait(
                {task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED
            )
            if task in done:
                ready.cancel()
                task.result()
                raise AssertionError("bot stopped before becoming ready")
            assert ready in done, "bot did not become ready within 10s"
            if sync and isinstance(bot, commands.Bot):
                await bot.tree.sync()
        return bot  # type: ignore[return-value]

    async def close(self) -> None:
        for bot, task in self.bots:
            await bot.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=5)


@pytest.fixture
async def runner(fd: FakeDiscord) -> AsyncIterator[BotRunner]:
    r = BotRunner(fd)
    yield r
    await r.close()


@pytest.fixture
def start_bot(runner: BotRunner) -> Callable[..., object]:
    return runner.start
