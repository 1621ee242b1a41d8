"""Sharding as Discord does it: the shard in IDENTIFY (4010, 4011), each server's events
only to the sessions of its shard (`(guild_id >> 22) % num_shards`), DMs to shard 0,
READY listing the shard's servers, the identify limit by `max_concurrency` bucket, and
GET /gateway/bot; then discord.py's AutoShardedBot holding one shard each of two."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from discord.ext import commands

from fakediscord import FakeDiscord, Guild, ScenarioError, Shard, User, shard_of
from fakediscord.gateway import GatewayFrame
from tests.fakediscord.conftest import BotRunner
from tests.fakediscord.test_gateway_fidelity import (
    INTENTS,
    OP_DISPATCH,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    RawClient,
)
from tests.fakediscord.tiny_bot import TinyBot, default_intents

MEMBERS = 1 << 1
REACTIONS = 1 << 10
DMS = 1 << 12
ALL = INTENTS | MEMBERS | REACTIONS | DMS


class ShardClient(RawClient):
    async def identify_shard(
        self, token: str, shard: Any, *, intents: int = ALL
    ) -> dict[str, Any] | int | None:
        """IDENTIFY with `shard`: READY's data, or what came instead (op 9's frame, or
        the close code)."""
        await self.send(OP_IDENTIFY, {"token": token, "intents": intents, "shard": shard})
        while True:
            frame = await self.receive()
            if not isinstance(frame, dict):
                return frame
            if frame["op"] == OP_DISPATCH and frame["t"] == "READY":
                return dict(frame["d"])
            if frame["op"] == OP_INVALID_SESSION:
                return frame


@asynccontextmanager
async def shard_connection(fd: FakeDiscord) -> AsyncIterator[ShardClient]:
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(f"{fd.gateway_url}?v=10&encoding=json") as ws,
    ):
        client = ShardClient(ws)
        await client.until(OP_HELLO)
        yield client


def servers(fd: FakeDiscord, owner: User, count: int) -> list[Guild]:
    """One server on each shard of `count`, with a #gym."""
    made = []
    for shard_id in range(count):
        guild = fd.create_guild(f"shard {shard_id}", owner=owner, shard=(shard_id, count))
        fd.create_channel(guild, "gym")
        made.append(guild)
    return made


def gym(fd: FakeDiscord, guild: Guild) -> Any:
    return next(c for c in guild.channels.values() if c.name == "gym")


def sent(fd: FakeDiscord, event: str) -> list[GatewayFrame]:
    return fd.dispatched(event)


async def until_sent(fd: FakeDiscord, event: str, count: int) -> list[GatewayFrame]:
    """The dispatches of `event` once `count` of them went out (then a moment more, so
    a copy that should not exist would have gone out too)."""
    await fd.emulator.notifier.wait_for(
        lambda: len(sent(fd, event)) >= count, 5, f"{count} x {event}"
    )
    await asyncio.sleep(0.1)
    return sent(fd, event)


# -- the arithmetic ------------------------------------------------------------------------


def test_shard_of_is_discords_formula_and_a_dm_is_shard_zero():
    guild_id = 81384788765712384  # Discord API server, an example from Discord's docs
    assert shard_of(guild_id, 1) == 0
    assert shard_of(guild_id, 4) == (guild_id >> 22) % 4
    assert shard_of(None, 8) == 0
    with pytest.raises(ValueError):
        shard_of(guild_id, 0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, Shard(0, 1)),
        ([0, 1], Shard(0, 1)),
        ([3, 4], Shard(3, 4)),
        ([4, 4], None),
        ([-1, 2], None),
        ([0, 0], None),
        ([0], None),
        ("0,2", None),
        ([True, 2], None),
        ([0.0, 2], None),
    ],
)
def test_an_identify_shard_is_two_whole_numbers_with_the_id_below_the_count(
    raw: Any, expected: Shard | None
):
    assert Shard.parse(raw) == expected


async def test_create_guild_on_a_shard_lands_there_and_ids_keep_increasing(fd: FakeDiscord):
    owner = fd.create_user("owner")
    before = fd.create_user("before").id
    for count in (1, 2, 3, 16):
        for shard_id in range(count):
            guild = fd.create_guild("g", owner=owner, shard=(shard_id, count))
            assert fd.shard_of(guild, count) == shard_id
            assert guild.id > before
            before = guild.id
    after = fd.create_user("after")
    assert after.id > before
    with pytest.raises(ScenarioError):
        fd.create_guild("g", owner=owner, shard=(2, 2))
    with pytest.raises(ScenarioError):
        fd.create_guild("g", owner=owner, shard=(0, 2), id=123)


# -- the gateway ---------------------------------------------------------------------------


async def test_each_shard_is_told_only_of_its_own_servers(fd: FakeDiscord):
    owner = fd.create_user("owner")
    g0, g1 = servers(fd, owner, 2)
    async with shard_connection(fd) as zero, shard_connection(fd) as one:
        ready0 = await zero.identify_shard(fd.bot_token, [0, 2])
        ready1 = await one.identify_shard(fd.bot_token, [1, 2])
        assert isinstance(ready0, dict) and isinstance(ready1, dict)
        assert [g["id"] for g in ready0["guilds"]] == [str(g0.id)]
        assert [g["id"] for g in ready1["guilds"]] == [str(g1.id)]
        assert ready0["shard"] == [0, 2] and ready1["shard"] == [1, 2]
        created = await until_sent(fd, "GUILD_CREATE", 2)
        assert {(f.shard, f.guild_id) for f in created} == {
            (Shard(0, 2), g0.id),
            (Shard(1, 2), g1.id),
        }
        # a server the bot joins now is announced on its shard only
        late = fd.create_guild("late", owner=owner, shard=(1, 2))
        created = await until_sent(fd, "GUILD_CREATE", 3)
        assert [(f.shard, f.guild_id) for f in created[2:]] == [(Shard(1, 2), late.id)]


async def test_a_servers_events_reach_its_shard_and_a_dm_reaches_shard_zero(fd: FakeDiscord):
    owner = fd.create_user("owner")
    alice = fd.create_user("alice")
    g0, g1 = servers(fd, owner, 2)
    async with shard_connection(fd) as zero, shard_connection(fd) as one:
        await zero.identify_shard(fd.bot_token, [0, 2])
        await one.identify_shard(fd.bot_token, [1, 2])
        for guild in (g0, g1):
            fd.add_member(guild, alice)
            role = fd.create_role(guild, "lifters")
            fd.set_roles(guild, alice, [role])
            said = await fd.say(alice, gym(fd, guild), "leg day")
            await fd.react(alice, said, "\N{FLEXED BICEPS}")
            fd.create_channel(guild, "general")
        await fd.say(alice, fd.dm_channel(alice), "hello bot")
        events = (
            "GUILD_MEMBER_ADD",
            "GUILD_ROLE_CREATE",
            "GUILD_MEMBER_UPDATE",
            "MESSAGE_CREATE",
            "MESSAGE_REACTION_ADD",
            "CHANNEL_CREATE",
        )
        await until_sent(fd, "CHANNEL_CREATE", 2)
        for event in events:
            routed = [(f.shard, f.guild_id) for f in sent(fd, event)]
            expected: list[tuple[Shard, int | None]] = [
                (Shard(0, 2), g0.id),
                (Shard(1, 2), g1.id),
            ]
            if event == "MESSAGE_CREATE":
                expected.append((Shard(0, 2), None))  # the DM
            assert routed == expected, event


async def test_two_sessions_of_the_same_shard_both_get_its_events(fd: FakeDiscord):
    # Discord: "You can establish multiple sessions with the same [shard_id, num_shards]"
    owner = fd.create_user("owner")
    g0, g1 = servers(fd, owner, 2)
    async with shard_connection(fd) as first, shard_connection(fd) as second:
        await first.identify_shard(fd.bot_token, [1, 2])
        await second.identify_shard(fd.bot_token, [1, 2])
        said = await fd.say(owner, gym(fd, g1), "twice")
        await fd.say(owner, gym(fd, g0), "nobody hears this")
        frames = await until_sent(fd, "MESSAGE_CREATE", 2)
        assert len({f.connection for f in frames}) == 2
        assert {f.guild_id for f in frames} == {said.guild_id}


async def test_an_unsharded_session_gets_everything(fd: FakeDiscord):
    owner = fd.create_user("owner")
    guilds = servers(fd, owner, 3)
    async with shard_connection(fd) as client:
        ready = await client.identify_shard(fd.bot_token, None)
        assert isinstance(ready, dict) and "shard" not in ready
        assert {g["id"] for g in ready["guilds"]} == {str(g.id) for g in guilds}


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], [0], "0,2", [None, 2]])
async def test_an_invalid_shard_is_closed_with_4010(fd: FakeDiscord, shard: Any):
    async with shard_connection(fd) as client:
        assert await client.identify_shard(fd.bot_token, shard) == 4010
    assert fd.gateway_closes[-1].code == 4010 and fd.identify_count == 0


async def test_a_shard_with_too_many_servers_is_closed_with_4011():
    async with FakeDiscord(max_guilds_per_shard=2) as fd:
        owner = fd.create_user("owner")
        for _ in range(2):
            servers(fd, owner, 2)  # two servers on each of two shards: 4 in all
        async with shard_connection(fd) as client:
            assert await client.identify_shard(fd.bot_token, None) == 4011
        async with shard_connection(fd) as zero, shard_connection(fd) as one:
            assert isinstance(await zero.identify_shard(fd.bot_token, [0, 2]), dict)
            assert isinstance(await one.identify_shard(fd.bot_token, [1, 2]), dict)
        fd.create_guild("one too many", owner=owner, shard=(1, 2))
        async with shard_connection(fd) as one:
            assert await one.identify_shard(fd.bot_token, [1, 2]) == 4011


async def test_a_dropped_shard_can_resume_while_another_shard_identifies_again(
    fd: FakeDiscord,
):
    owner = fd.create_user("owner")
    _, g1 = servers(fd, owner, 2)
    async with shard_connection(fd) as one:
        ready = await one.identify_shard(fd.bot_token, [1, 2])
        assert isinstance(ready, dict)
        session, seq = ready["session_id"], one.seq
        assert await fd.drop_connection() == 1  # no close frame: the session stays
    # shard 0 identifies (twice) while shard 1 is away: shard 1's session must survive
    for _ in range(2):
        async with shard_connection(fd) as zero:
            assert isinstance(await zero.identify_shard(fd.bot_token, [0, 2]), dict)
    missed = await fd.say(owner, gym(fd, g1), "said while shard 1 was away")
    async with shard_connection(fd) as back:
        await back.resume(fd.bot_token, session, seq)
        replayed = await back.until(OP_DISPATCH, "MESSAGE_CREATE")
        assert replayed["d"]["id"] == str(missed.id)
        await back.until(OP_DISPATCH, "RESUMED")
        assert await fd.drop_connection() == 1  # away again, its session resumable
    assert [s.shard for s in fd.gateway_sessions()].count(Shard(1, 2)) == 1
    # while a fresh IDENTIFY of shard 1 supersedes its old, unattended session
    async with shard_connection(fd) as again:
        assert isinstance(await again.identify_shard(fd.bot_token, [1, 2]), dict)
        assert [s.shard for s in fd.gateway_sessions()].count(Shard(1, 2)) == 1


async def test_identifies_are_paced_by_bucket_and_too_soon_gets_op_9():
    async with FakeDiscord(max_concurrency=2, identify_window=1.0) as fd:
        servers(fd, fd.create_user("owner"), 4)
        async with (
            shard_connection(fd) as s0,
            shard_connection(fd) as s1,
            shard_connection(fd) as s2,
        ):
            # shards 0 and 1 are buckets 0 and 1: both may start at once
            assert isinstance(await s0.identify_shard(fd.bot_token, [0, 4]), dict)
            assert isinstance(await s1.identify_shard(fd.bot_token, [1, 4]), dict)
            # shard 2 is bucket 0 again: too soon
            refused = await s2.identify_shard(fd.bot_token, [2, 4])
            assert isinstance(refused, dict) and refused["op"] == OP_INVALID_SESSION
            assert refused["d"] is False
            await asyncio.sleep(1.05)
            assert isinstance(await s2.identify_shard(fd.bot_token, [2, 4]), dict)
        outcomes = [(r.shard.id, r.bucket, r.accepted) for r in fd.identifies]
        assert outcomes == [(0, 0, True), (1, 1, True), (2, 0, False), (2, 0, True)]
        assert fd.identify_count == 3


async def test_identifies_are_not_paced_unless_asked(fd: FakeDiscord):
    for _ in range(3):
        async with shard_connection(fd) as client:
            assert isinstance(await client.identify_shard(fd.bot_token, [0, 1]), dict)
    assert all(r.accepted for r in fd.identifies) and len(fd.identifies) == 3


async def test_gateway_bot_tells_the_shards_and_the_concurrency_configured():
    async with FakeDiscord(shards=4, max_concurrency=16) as fd:
        headers = {"Authorization": f"Bot {fd.bot_token}"}
        async with aiohttp.ClientSession(headers=headers) as http:
            async with http.get(f"{fd.api_base}/gateway/bot") as response:
                first = await response.json()
            async with shard_connection(fd) as client:
                await client.identify_shard(fd.bot_token, [0, 4])
            async with http.get(f"{fd.api_base}/gateway/bot") as response:
                second = await response.json()
        assert first["shards"] == 4
        assert first["url"] == fd.gateway_url.rstrip("/")
        limit = first["session_start_limit"]
        assert limit["max_concurrency"] == 16 and limit["total"] == 1000
        assert second["session_start_limit"]["remaining"] == limit["remaining"] - 1


async def test_wait_shards_waits_for_every_shard_asked_for(fd: FakeDiscord):
    servers(fd, fd.create_user("owner"), 2)
    async with shard_connection(fd) as zero:
        await zero.identify_shard(fd.bot_token, [0, 2])
        with pytest.raises(TimeoutError):
            await fd.wait_shards([0, 1], 2, timeout=0.3)
        async with shard_connection(fd) as one:
            await one.identify_shard(fd.bot_token, [1, 2])
            await fd.wait_shards([0, 1], 2, timeout=2)
            # a session from before `since` does not count
            with pytest.raises(TimeoutError):
                await fd.wait_shards([0], 2, timeout=0.3, since=fd.identify_count)


# -- discord.py ----------------------------------------------------------------------------


class ShardedTinyBot(TinyBot, commands.AutoShardedBot):
    """The tiny test bot, as discord.py's sharded bot."""


async def test_two_sharded_discord_py_bots_each_answer_their_own_shard(
    fd: FakeDiscord, runner: BotRunner
):
    owner = fd.create_user("owner")
    alice = fd.create_user("alice")
    g0, g1 = servers(fd, owner, 2)
    for guild in (g0, g1):
        fd.add_member(guild, alice)
    bots = []
    for shard_id in (0, 1):
        bot = ShardedTinyBot(intents=default_intents(), shard_count=2, shard_ids=[shard_id])
        bots.append(await runner.start(bot))
    zero, one = bots
    assert {g.id for g in zero.guilds} == {g0.id} and {g.id for g in one.guilds} == {g1.id}

    for guild, holder, other in ((g0, zero, one), (g1, one, zero)):
        said = await fd.say(alice, gym(fd, guild), "!legday ping")
        assert (await fd.next_message(gym(fd, guild))).content == "pong"
        await fd.no_message(gym(fd, guild), within=0.3)
        assert holder.seen[said.id] == 1 and other.seen[said.id] == 0
        record = await fd.slash(alice, gym(fd, guild), "legday whois", {"member": owner})
        answer = await record.wait_response()
        assert answer is not None and answer.content.startswith("member=owner")

    dm = fd.dm_channel(alice)
    said = await fd.say(alice, dm, "!legday ping")
    assert (await fd.next_message(dm)).content == "pong"
    assert zero.seen[said.id] == 1 and one.seen[said.id] == 0
    assert fd.violations_of("interaction_already_acknowledged") == []
    fd.assert_no_violations()


async def test_discord_py_with_too_few_shards_is_told_4011_and_gives_up():
    async with FakeDiscord(max_guilds_per_shard=1, heartbeat_interval_ms=500) as fd:
        fd.point_discord_py()
        servers(fd, fd.create_user("owner"), 2)
        bot = TinyBot(intents=default_intents())
        task = asyncio.create_task(bot.start(fd.bot_token))
        with pytest.raises(Exception) as raised:
            await asyncio.wait_for(task, 10)
        await bot.close()
        assert getattr(raised.value, "code", None) == 4011
