"""The gateway as strict as Discord's: heartbeat timeouts, zombie connections, 4008 for a
client that sends too much, no RESUME after a clean close."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from fakediscord import FakeDiscord
from fakediscord.gateway import SEND_LIMIT
from tests.fakediscord.conftest import World

OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME = 0, 1, 2, 6
OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = 9, 10, 11
INTENTS = (1 << 0) | (1 << 9) | (1 << 15)  # guilds, guild messages, message content


class RawClient:
    """A hand-driven gateway client: it does only what the test tells it to."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.seq = 0

    async def send(self, op: int, d: Any) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": d}))

    async def receive(self, within: float = 5.0) -> dict[str, Any] | int | None:
        """The next frame as a dict, or the close code once the connection is closed."""
        msg = await self.ws.receive(timeout=within)
        if msg.type == aiohttp.WSMsgType.TEXT:
            frame: dict[str, Any] = json.loads(msg.data)
            if frame.get("s") is not None:
                self.seq = frame["s"]
            return frame
        return self.ws.close_code

    async def until(self, op: int, t: str | None = None, within: float = 5.0) -> dict[str, Any]:
        while True:
            frame = await self.receive(within)
            assert isinstance(frame, dict), f"closed with {frame} while waiting for op {op}"
            if frame["op"] == op and (t is None or frame["t"] == t):
                return frame

    async def closed_with(self, within: float = 10.0) -> int | None:
        while True:
            frame = await self.receive(within)
            if not isinstance(frame, dict):
                return frame

    async def identify(self, token: str) -> str:
        await self.send(OP_IDENTIFY, {"token": token, "intents": INTENTS, "properties": {}})
        ready = await self.until(OP_DISPATCH, "READY")
        return str(ready["d"]["session_id"])

    async def resume(self, token: str, session_id: str, seq: int) -> None:
        await self.send(OP_RESUME, {"token": token, "session_id": session_id, "seq": seq})


@asynccontextmanager
async def connected(fd: FakeDiscord) -> AsyncIterator[RawClient]:
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(f"{fd.gateway_url}?v=10&encoding=json") as ws,
    ):
        client = RawClient(ws)
        await client.until(OP_HELLO)
        yield client


async def test_a_client_that_stops_heartbeating_is_closed_with_4009_and_cannot_resume(
    fd: FakeDiscord,
):
    fd.emulator.hub.min_heartbeat_grace = 0.3  # interval 0.5 s: closed after 0.8 s silent
    async with connected(fd) as client:
        session = await client.identify(fd.bot_token)
        assert await client.closed_with() == 4009
    assert fd.gateway_closes[-1].code == 4009 and fd.gateway_closes[-1].by == "server"
    async with connected(fd) as again:
        await again.resume(fd.bot_token, session, again.seq)
        refused = await again.until(OP_INVALID_SESSION)
        assert refused["d"] is False


async def test_heartbeats_keep_a_quiet_connection_open(fd: FakeDiscord):
    fd.emulator.hub.min_heartbeat_grace = 0.3
    async with connected(fd) as client:
        await client.identify(fd.bot_token)
        for _ in range(6):  # 1.8 s, more than twice the deadline
            await client.send(OP_HEARTBEAT, client.seq)
            assert (await client.until(OP_HEARTBEAT_ACK))["op"] == OP_HEARTBEAT_ACK
            await asyncio.sleep(0.3)
    assert all(close.code != 4009 for close in fd.gateway_closes)


async def test_more_than_120_frames_a_minute_is_closed_with_4008(fd: FakeDiscord):
    async with connected(fd) as client:
        await client.identify(fd.bot_token)
        for _ in range(SEND_LIMIT + 1):
            await client.send(OP_HEARTBEAT, client.seq)
        assert await client.closed_with() == 4008
    assert fd.gateway_closes[-1].code == 4008


async def test_a_clean_close_ends_the_session_and_another_code_keeps_it(fd: FakeDiscord):
    for code, resumable in ((1000, False), (1001, False), (4000, True)):
        async with connected(fd) as client:
            session = await client.identify(fd.bot_token)
            seq = client.seq
            await client.ws.close(code=code)
        await asyncio.sleep(0.1)
        async with connected(fd) as again:
            await again.resume(fd.bot_token, session, seq)
            if resumable:
                await again.until(OP_DISPATCH, "RESUMED")
            else:
                assert (await again.until(OP_INVALID_SESSION))["d"] is False
        assert fd.gateway_closes[-2].by == "client" and fd.gateway_closes[-2].code == code


async def test_a_zombie_answers_nothing_and_resume_replays_what_it_held_back(
    fd: FakeDiscord, world: World
):
    async with connected(fd) as client:
        session = await client.identify(fd.bot_token)
        await client.until(OP_DISPATCH, "GUILD_CREATE")
        seq = client.seq
        assert await fd.stop_answering() == 1
        await client.send(OP_HEARTBEAT, seq)
        said = await fd.say(world.alice, world.gym, "said to a zombie")
        try:
            got = await client.receive(within=0.7)
        except TimeoutError:
            got = None
        assert got is None  # no ACK, no event: the connection looks alive and says nothing
        await client.ws.close(code=4000)  # what a client does once it notices
    async with connected(fd) as again:
        await again.resume(fd.bot_token, session, seq)
        replayed = await again.until(OP_DISPATCH, "MESSAGE_CREATE")
        assert replayed["d"]["id"] == str(said.id)
        await again.until(OP_DISPATCH, "RESUMED")


async def test_discord_py_notices_a_zombie_and_resumes_without_losing_an_event(
    fd: FakeDiscord, world: World, start_bot
):
    bot = await start_bot(heartbeat_timeout=2.0)
    assert await fd.stop_answering() == 1
    missed = await fd.say(world.alice, world.gym, "!legday ping")
    await fd.wait_for_op(OP_RESUME, timeout=15)
    assert (await fd.next_message(world.gym, timeout=10)).content == "pong"
    assert bot.seen[missed.id] == 1
    assert fd.identify_count == 1 and fd.resume_count == 1
    assert fd.gateway_closes[0].by == "client" and fd.gateway_closes[0].code == 4000
