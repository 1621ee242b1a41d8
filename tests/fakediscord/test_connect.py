"""Connecting an unmodified discord.py client: login, READY, GUILD_CREATE, intents, auth."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest

from fakediscord import FakeDiscord
from tests.fakediscord.tiny_bot import TinyBot, default_intents


async def test_on_ready_and_guild_visible(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    await fd.wait_ready()
    assert bot.user is not None and bot.user.id == fd.bot_user.id
    guild = bot.get_guild(world.guild.id)
    assert guild is not None and guild.name == "Iron Temple"
    gym = guild.get_channel(world.gym.id)
    assert isinstance(gym, discord.TextChannel) and gym.name == "gym"
    assert guild.me is not None and guild.me.id == fd.bot_user.id
    assert bot.application_id == fd.application.id
    # the bot cannot see #secret, alice cannot either, bob (overwrite) can
    secret = guild.get_channel(world.secret.id)
    assert secret is not None
    assert not secret.permissions_for(guild.me).view_channel
    assert fd.identify_count == 1
    # discord.py asked for zlib-stream and decoded it fine
    assert any(f.op == 2 for f in fd.gateway_frames if f.direction == "in")


async def test_members_intent_sends_all_members(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot(intents=default_intents(members=True))
    guild = bot.get_guild(world.guild.id)
    assert guild is not None and guild.chunked
    alice = guild.get_member(world.alice.id)
    assert alice is not None and alice.name == "alice"
    bob = guild.get_member(world.bob.id)
    assert bob is not None and bob.guild_permissions.manage_guild


async def test_guild_created_after_ready_is_dispatched(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    joined = asyncio.Event()

    async def on_guild_join(guild: discord.Guild) -> None:
        joined.set()

    bot.add_listener(on_guild_join)
    later = fd.create_guild("Late Gym")
    await asyncio.wait_for(joined.wait(), 5)
    assert bot.get_guild(later.id) is not None


async def test_disallowed_message_content_intent_closes_4014(fd: FakeDiscord, world) -> None:
    fd.application.message_content_allowed = False
    bot = TinyBot(intents=default_intents(message_content=True))
    try:
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await asyncio.wait_for(bot.start(fd.bot_token), 10)
    finally:
        await bot.close()
    assert any(f.op == 2 for f in fd.gateway_frames if f.direction == "in")


async def test_invalid_token_rest_401_login_failure(fd: FakeDiscord) -> None:
    fd.invalidate_token("bad-token")
    bot = TinyBot(intents=default_intents())
    try:
        with pytest.raises(discord.LoginFailure):
            await asyncio.wait_for(bot.start("bad-token"), 10)
    finally:
        await bot.close()
    assert fd.requests[-1].status == 401


async def test_gateway_4004_and_plain_json(fd: FakeDiscord) -> None:
    fd.invalidate_token("bad-token")
    url = fd.gateway_url + "?v=10&encoding=json"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        hello = await ws.receive_json(timeout=5)
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 500
        await ws.send_json({"op": 1, "d": None})
        assert (await ws.receive_json(timeout=5))["op"] == 11
        await ws.send_json({"op": 2, "d": {"token": "bad-token", "intents": 513, "properties": {}}})
        msg = await ws.receive(timeout=5)
        assert msg.type == aiohttp.WSMsgType.CLOSE
        assert ws.close_code == 4004


async def test_raw_identify_ready_shape(fd: FakeDiscord, world) -> None:
    url = fd.gateway_url + "?v=10&encoding=json"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.receive_json(timeout=5)
        await ws.send_json(
            {"op": 2, "d": {"token": fd.bot_token, "intents": 1 | 512, "properties": {}}}
        )
        ready = await ws.receive_json(timeout=5)
        assert ready["t"] == "READY" and ready["s"] == 1
        assert ready["d"]["resume_gateway_url"] == fd.resume_gateway_url
        assert ready["d"]["application"]["id"] == str(fd.application.id)
        assert ready["d"]["guilds"] == [{"id": str(world.guild.id), "unavailable": True}]
        created = await ws.receive_json(timeout=5)
        assert created["t"] == "GUILD_CREATE" and created["s"] == 2
        members = created["d"]["members"]
        # no GUILD_MEMBERS intent: only the bot's own member
        assert [m["user"]["id"] for m in members] == [str(fd.bot_user.id)]
        assert created["d"]["member_count"] == 4
