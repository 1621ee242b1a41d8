"""legday's global limiter against the emulator's global window, side by side with
discord.py alone: a burst to 60 channels gets global 429s without it and none with it.

Bot and emulator share one event loop here, so a request can reach the emulator's counter
well after it left (by the loop's backlog at the start of a burst): the limiter's places,
freed a window after each answer, hold however late that is."""

from __future__ import annotations

import asyncio

from bot.rate_limits import GlobalLimiter, http_trace
from fakediscord import FakeDiscord
from tests.fakediscord.conftest import World
from tests.fakediscord.tiny_bot import TinyBot, default_intents

CHANNELS = 60


async def burst(fd: FakeDiscord, world: World, start_bot, **options: object) -> None:
    channels = [fd.create_channel(world.guild, f"room-{n}") for n in range(CHANNELS)]
    bot = await start_bot(TinyBot(intents=default_intents(), **options))
    sends = [bot.get_partial_messageable(c.id).send("leg day!") for c in channels]
    await asyncio.gather(*sends)
    assert all(len(fd.messages(c)) == 1 for c in channels)  # every one delivered once


async def test_discord_py_alone_meets_the_global_limit_with_429s(
    fd: FakeDiscord, world: World, start_bot
):
    await burst(fd, world, start_bot)
    assert fd.served_429s(scope="global")  # discord.py learns of the limit from a 429
    fd.violations.clear()  # expected here: it is what the limiter below prevents


async def test_with_the_global_limiter_the_same_burst_gets_none(
    fd: FakeDiscord, world: World, start_bot
):
    limiter = GlobalLimiter()
    await burst(fd, world, start_bot, http_trace=http_trace(limiter))
    assert fd.served_429s() == []
    assert limiter.waited > 0 and limiter.global_429s == 0
    fd.assert_no_violations()
