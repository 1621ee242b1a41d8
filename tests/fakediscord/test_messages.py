"""Messages both ways: prefix commands, mentions, intents, DMs, files, edits, nonces."""

from __future__ import annotations

import asyncio

import aiohttp
import discord

from fakediscord import FakeDiscord
from tests.fakediscord.tiny_bot import default_intents


async def test_prefix_command_round_trip(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    said = await fd.say(world.alice, world.gym, "!legday ping")
    reply = await fd.next_message(world.gym)
    assert reply.content == "pong"
    assert reply.author.id == fd.bot_user.id
    assert bot.seen[said.id] == 1
    # the bot's own message is echoed back over the gateway
    assert await _eventually(lambda: bot.seen[reply.id] == 1)
    record = fd.requests_to("POST /channels/{channel_id}/messages")[-1]
    assert record.status == 200 and record.json["content"] == "pong"


async def test_mention_prefix_and_mentions(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    msg = await fd.say(world.alice, world.gym, f"{fd.bot_user.mention} legday ping")
    assert msg.mention_ids == [fd.bot_user.id]
    reply = await fd.next_message(world.gym)
    assert reply.content == "pong"


async def test_reply_sets_reference(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    said = await fd.say(world.alice, world.gym, "!legday reply")
    reply = await fd.next_message(world.gym)
    assert reply.type == 19
    assert reply.message_reference is not None
    assert reply.message_reference["message_id"] == str(said.id)
    # mention_author=False -> replied_user false -> alice not pinged
    assert world.alice.id not in reply.mention_ids


async def test_no_message_content_intent_blanks_content(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot(intents=default_intents(message_content=False))
    await fd.say(world.alice, world.gym, "!legday ping")
    await fd.no_message(world.gym, within=0.3)
    assert bot.contents[-1] == ""
    # ... except when the bot is mentioned
    await fd.say(world.alice, world.gym, f"<@{fd.bot_user.id}> legday ping")
    assert (await fd.next_message(world.gym)).content == "pong"
    # ... and in DMs
    dm = fd.dm_channel(world.alice)
    await fd.say(world.alice, dm, "!legday ping")
    assert (await fd.next_message(dm)).content == "pong"


async def test_dm_with_json_file(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    await fd.say(world.alice, world.gym, "!legday export")
    assert (await fd.next_message(world.gym)).content == "sent you a DM"
    dm = await fd.next_message(fd.dm_channel(world.alice))
    assert dm.content == "your export"
    [attachment] = dm.attachments
    assert attachment.filename == "legday.json"
    assert attachment.json() == {"user": world.alice.id, "squats": 3}
    assert fd.requests_to("POST /users/@me/channels")[0].json == {"recipient_id": world.alice.id}
    # the attachment URL is served by the emulator
    async with aiohttp.ClientSession() as session, session.get(attachment.url) as resp:
        assert await resp.read() == attachment.data


async def test_edit_dispatches_update(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    edits: list[str] = []

    async def on_message_edit(before: discord.Message, after: discord.Message) -> None:
        edits.append(after.content)

    bot.add_listener(on_message_edit)
    await fd.say(world.alice, world.gym, "!legday edit")
    msg = await fd.next_message(world.gym)
    assert await _eventually(lambda: msg.content == "after" and edits == ["after"])
    assert msg.edited_at is not None and msg.revision == 1


async def test_enforce_nonce_returns_existing_message(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    await fd.say(world.alice, world.gym, "!legday nonce")
    first = await fd.next_message(world.gym)
    assert first.content == "once" and first.nonce == "legday-1"
    confirm = await fd.next_message(world.gym)
    assert confirm.content == "same=True"
    assert [m.content for m in fd.messages(world.gym) if m.author.id == fd.bot_user.id] == [
        "once",
        "same=True",
    ]


async def test_with_nonce_dedupe_off_a_repeated_nonce_makes_a_second_message(
    fd: FakeDiscord, world, start_bot
) -> None:
    fd.emulator.nonce_dedupe = False  # as Discord after its nonce window has closed
    await start_bot()
    await fd.say(world.alice, world.gym, "!legday nonce")
    first = await fd.next_message(world.gym)
    assert first.content == "once"
    again = await fd.next_message(world.gym)
    assert again.content == "once" and again.id != first.id
    confirm = await fd.next_message(world.gym)
    assert confirm.content == "same=False"


async def test_user_cannot_post_where_hidden(fd: FakeDiscord, world) -> None:
    import pytest

    from fakediscord import ScenarioError

    with pytest.raises(ScenarioError):
        await fd.say(world.alice, world.secret, "hello?")
    await fd.say(world.bob, world.secret, "bob can")


async def _eventually(predicate, within: float = 3.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return bool(predicate())
