"""`FakeDiscord.observe_messages`: a callback for every message as it is stored."""

from __future__ import annotations

from fakediscord import FakeDiscord, Message


async def test_observer_sees_each_message_until_stopped(fd: FakeDiscord, world, start_bot):
    await start_bot()
    seen: list[Message] = []
    stop = fd.observe_messages(seen.append)

    said = await fd.say(world.alice, world.gym, "!legday ping")
    reply = await fd.next_message(world.gym)

    assert seen == [said, reply]
    stop()
    await fd.say(world.alice, world.gym, "!legday ping")
    await fd.next_message(world.gym)
    assert seen == [said, reply]
