"""Gateway trouble mid-conversation: op 7 RECONNECT, op 9 INVALID_SESSION, a dropped
connection. The bot comes back by itself and answers the next command exactly once."""

from __future__ import annotations

import asyncio

import pytest

from fakediscord import Message
from tests.e2e.conftest import E2E

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


def replies_to(e2e: E2E, said: Message) -> list[Message]:
    return [
        m
        for m in e2e.fd.messages(e2e.gym)
        if (m.message_reference or {}).get("message_id") == str(said.id)
    ]


async def answered_once(e2e: E2E, said: Message, within: float = 10.0) -> Message:
    reply = await e2e.reply_to(said, within=within)
    await asyncio.sleep(0.5)  # room for a duplicate to show up
    assert replies_to(e2e, said) == [reply]
    return reply


async def test_op7_reconnect_resumes_and_replays(e2e: E2E):
    fd = e2e.fd
    user = e2e.member("steady")
    first = await e2e.ask(user, "!legday")
    assert first.embeds[0]["title"].startswith("Leg day logged")
    identifies, resumes = fd.identify_count, fd.resume_count

    assert await fd.send_reconnect() == 1
    # said while the bot is reconnecting: Discord replays it after RESUME
    said = await fd.say(user, e2e.gym, "!legday stats")
    reply = await answered_once(e2e, said)
    assert reply.embeds[0]["title"] == "Leg day stats"
    assert fd.resume_count == resumes + 1
    assert fd.identify_count == identifies  # resumed, not a new session

    record, slash = await e2e.slash(user, "legday checkin")
    assert slash.embeds[0]["title"].startswith("Already logged")
    assert len(record.callbacks) == 1


async def test_op9_invalid_session_reidentifies(e2e: E2E):
    fd = e2e.fd
    hub = fd.emulator.hub
    user = e2e.member("patient")
    await e2e.ask(user, "!legday")
    identifies, readies = fd.identify_count, hub.ready_count

    assert await fd.send_invalid_session(resumable=False) == 1
    await fd.wait_ready(count=readies + 1)
    assert fd.identify_count == identifies + 1

    said = await fd.say(user, e2e.gym, "!legday stats")
    reply = await answered_once(e2e, said)
    assert reply.embeds[0]["description"] == f"<@{user.id}>"
    record, slash = await e2e.slash(user, "legday why")
    assert slash.embeds
    await asyncio.sleep(0.3)
    assert len(record.callbacks) == 1


async def test_op9_resumable_session_resumes(e2e: E2E):
    fd = e2e.fd
    user = e2e.member("calm")
    resumes, identifies = fd.resume_count, fd.identify_count
    await fd.send_invalid_session(resumable=True)
    await fd.emulator.notifier.wait_for(
        lambda: fd.resume_count > resumes or fd.identify_count > identifies,
        10,
        "the bot to resume or identify",
    )
    await fd.wait_connected()
    said = await fd.say(user, e2e.gym, "!legday")
    reply = await answered_once(e2e, said)
    assert reply.embeds[0]["title"].startswith("Leg day logged")


async def test_dropped_connection_resumes_and_replays(e2e: E2E):
    fd = e2e.fd
    user = e2e.member("unfazed")
    resumes = fd.resume_count
    assert await fd.drop_connection() == 1
    said = await fd.say(user, e2e.gym, "!legday")
    reply = await answered_once(e2e, said)
    assert reply.embeds[0]["title"].startswith("Leg day logged")
    assert fd.resume_count == resumes + 1
