"""Smaller surfaces: selects, reactions, typing, DMs, default permissions, intents filtering."""

from __future__ import annotations

import asyncio

import discord
import pytest

from fakediscord import CommandError, FakeDiscord, Permission, ScenarioError
from tests.fakediscord.tiny_bot import default_intents


async def test_string_select(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    inter = await fd.slash(world.alice, world.gym, "legday pick")
    msg = await inter.wait_response()
    assert msg is not None
    chosen = await fd.select(world.alice, msg, "pick:day", ["friday"])
    await chosen.wait_response()
    assert msg.content == "leg day is friday"


async def test_prefix_hybrid_reaction_and_typing(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    said = await fd.say(world.alice, world.gym, "!legday flex")
    assert (await fd.next_message(world.gym)).content == "flexed"
    assert said.reactions == {"\N{FLEXED BICEPS}": [fd.bot_user.id]}
    assert fd.requests_to("POST /channels/{channel_id}/typing")[0].status == 204


async def test_slash_in_dm(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    dm = fd.dm_channel(world.alice)
    inter = await fd.slash(world.alice, dm, "legday ping")
    msg = await inter.wait_response()
    assert msg is not None and msg.content == "pong" and msg.guild_id is None
    assert "user" in inter.payload and "member" not in inter.payload


async def test_default_member_permissions(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    with pytest.raises(CommandError, match="may not use /adminonly"):
        await fd.slash(world.alice, world.gym, "adminonly")
    inter = await fd.slash(world.bob, world.gym, "adminonly")
    msg = await inter.wait_response()
    assert msg is not None and msg.content == "hello admin"


async def test_user_attachment_reaches_bot(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    got: list[bytes] = []

    async def on_message(message: discord.Message) -> None:
        for attachment in message.attachments:
            got.append(await attachment.read())

    bot.add_listener(on_message)
    await fd.say(world.alice, world.gym, "my log", attachments={"log.txt": b"5x5 squats"})
    for _ in range(200):
        if got:
            break
        await asyncio.sleep(0.01)
    assert got == [b"5x5 squats"]


async def test_intent_filtering(fd: FakeDiscord, world, start_bot) -> None:
    intents = default_intents()
    intents.guild_messages = False
    bot = await start_bot(intents=intents)
    said = await fd.say(world.alice, world.gym, "!legday ping")
    dm = await fd.say(world.alice, fd.dm_channel(world.alice), "!legday ping")
    assert (await fd.next_message(fd.dm_channel(world.alice))).content == "pong"
    assert bot.seen[said.id] == 0 and bot.seen[dm.id] == 1
    assert not any(m.author == fd.bot_user for m in fd.messages(world.gym))


async def test_member_and_channel_events(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot(intents=default_intents(members=True))
    joined = asyncio.Event()

    async def on_member_join(member: discord.Member) -> None:
        joined.set()

    bot.add_listener(on_member_join)
    carol = fd.create_user("carol")
    fd.add_member(world.guild, carol)
    await asyncio.wait_for(joined.wait(), 5)
    guild = bot.get_guild(world.guild.id)
    assert guild is not None and guild.get_member(carol.id) is not None
    fd.delete_channel(world.gym)
    for _ in range(200):
        if guild.get_channel(world.gym.id) is None:
            break
        await asyncio.sleep(0.01)
    assert guild.get_channel(world.gym.id) is None


async def test_modal_submit(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    inter = await fd.slash(world.alice, world.gym, "legday note")
    await inter.wait_response()
    assert inter.response_type == 9 and inter.modal is not None
    submitted = await fd.submit_modal(world.alice, inter, {"note:text": "deep squats"})
    msg = await submitted.wait_response()
    assert msg is not None and msg.content == "noted: deep squats" and msg.ephemeral


async def test_role_assignment_and_hierarchy(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot(intents=default_intents(members=True))
    lifters = fd.create_role(world.guild, "lifters")
    bot_role = fd.bot_role(world.guild)
    fd.update_role(bot_role, permissions=bot_role.permissions | Permission.MANAGE_ROLES)
    inter = await fd.slash(
        world.bob, world.gym, "legday promote", {"member": world.alice, "role": lifters}
    )
    assert (await inter.wait_response()).content == "promoted alice"
    assert lifters.id in fd.member(world.guild, world.alice).role_ids
    top = fd.create_role(world.guild, "champions", position=99)
    inter = await fd.slash(
        world.bob, world.gym, "legday promote", {"member": world.alice, "role": top}
    )
    assert (await inter.wait_response()).content == "cannot: 50013"
    assert fd.violations_of("missing_permissions")
    assert bot.errors == []


async def test_rest_fetch_respects_app_intent_setting(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot(intents=default_intents(message_content=False))
    fd.application.message_content_allowed = False
    said = await fd.say(world.alice, world.gym, "secret squats")
    channel = bot.get_channel(world.gym.id)
    assert isinstance(channel, discord.TextChannel)
    fetched = await channel.fetch_message(said.id)
    assert fetched.content == ""
    fd.application.message_content_allowed = True
    assert (await channel.fetch_message(said.id)).content == "secret squats"


async def test_explicit_ids_make_a_world_that_is_the_same_on_every_run(
    fd: FakeDiscord, start_bot
) -> None:
    base = 1_300_000_000_000_000_000
    carol = fd.create_user("carol", id=base + 1)
    guild = fd.create_guild("Fixed", owner=carol, id=base + 2)
    role = fd.create_role(guild, "lifters", id=base + 3)
    channel = fd.create_channel(guild, "gym", id=base + 4)
    assert (carol.id, guild.id, role.id, channel.id) == (base + 1, base + 2, base + 3, base + 4)
    with pytest.raises(ScenarioError, match="already taken"):
        fd.create_user("impostor", id=base + 3)
    assert fd.create_user("dave").id not in {base + 1, base + 2, base + 3, base + 4}
    bot = await start_bot()
    seen = bot.get_guild(base + 2)
    assert seen is not None and seen.get_channel(base + 4) is not None
    assert seen.get_role(base + 3) is not None
