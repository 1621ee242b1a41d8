"""Gateway resilience: op 7 RECONNECT, dropped connections (RESUME + replay), op 9."""

from __future__ import annotations

import asyncio

from fakediscord import FakeDiscord

OP_IDENTIFY = 2
OP_RESUME = 6


async def _until(predicate, within: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


async def test_op7_reconnect_resumes(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    await fd.send_reconnect()
    await fd.wait_for_op(OP_RESUME)
    await fd.wait_connected()
    await _until(lambda: bot.resumed_count == 1)
    said = await fd.say(world.alice, world.gym, "!legday ping")
    assert (await fd.next_message(world.gym)).content == "pong"
    assert bot.seen[said.id] == 1
    assert fd.identify_count == 1 and fd.resume_count == 1
    # the client reconnected to READY's resume_gateway_url
    assert fd.emulator.hub.frames  # sanity
    assert fd.received_ops().count(OP_IDENTIFY) == 1


async def test_dropped_connection_resumes_and_replays(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    before = await fd.say(world.alice, world.gym, "before the drop")
    await _until(lambda: bot.seen[before.id] == 1)
    assert await fd.drop_connection() == 1
    # dispatched while the bot is disconnected: buffered in the session, replayed on RESUME
    missed = await fd.say(world.alice, world.gym, "!legday ping")
    await fd.wait_for_op(OP_RESUME)
    reply = await fd.next_message(world.gym)
    assert reply.content == "pong"
    await _until(lambda: bot.resumed_count == 1)
    assert bot.seen[missed.id] == 1
    assert bot.seen[before.id] == 1  # nothing replayed twice
    assert all(count == 1 for count in bot.seen.values())
    assert fd.identify_count == 1 and fd.resume_count == 1


async def test_drop_with_close_code_resumes(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    await fd.drop_connection(code=4000)
    missed = await fd.say(world.alice, world.gym, "!legday ping")
    await fd.wait_for_op(OP_RESUME)
    assert (await fd.next_message(world.gym)).content == "pong"
    assert bot.seen[missed.id] == 1
    assert fd.identify_count == 1


async def test_invalid_session_reidentifies(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    bot.ready_event.clear()
    await fd.send_invalid_session()
    await fd.wait_ready(count=2)
    await asyncio.wait_for(bot.ready_event.wait(), 5)
    assert fd.identify_count == 2 and fd.resume_count == 0
    said = await fd.say(world.alice, world.gym, "!legday ping")
    assert (await fd.next_message(world.gym)).content == "pong"
    assert bot.seen[said.id] == 1


async def test_resume_of_unknown_session_gets_op9(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    # forget the session server-side, then drop: the RESUME is refused -> IDENTIFY again
    for session in fd.emulator.hub.sessions.values():
        session.invalidated = True
    await fd.drop_connection()
    await fd.wait_for_op(OP_RESUME)
    await fd.wait_ready(count=2)
    said = await fd.say(world.alice, world.gym, "!legday ping")
    assert (await fd.next_message(world.gym)).content == "pong"
    assert bot.seen[said.id] == 1
