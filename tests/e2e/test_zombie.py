"""A zombie gateway connection mid-burst: Discord's side goes silent (no heartbeat ACKs, no
events) with the TCP connection left open. The bot notices after LEGDAY_GATEWAY_TIMEOUT,
drops the connection, resumes, and every check-in said meanwhile is answered exactly once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from fakediscord import Message
from tests.e2e.conftest import E2E, open_stage

pytestmark = pytest.mark.e2e

OP_RESUME = 6
BURST = 12


def replies_to(e2e: E2E, said: Message) -> list[Message]:
    return [
        m
        for m in e2e.fd.messages(e2e.gym)
        if (m.message_reference or {}).get("message_id") == str(said.id)
    ]


async def test_the_bot_resumes_from_a_zombie_connection_and_loses_no_command(
    tmp_path: Path, backend: str
):
    async for e2e in open_stage(tmp_path, {"LEGDAY_GATEWAY_TIMEOUT": "3"}, backend=backend):
        fd = e2e.fd
        members = [e2e.member("burst") for _ in range(BURST)]
        said: list[Message] = []
        for n, user in enumerate(members):
            if n == BURST // 2:
                assert await fd.stop_answering() == 1  # mid-burst
            await e2e.pace()
            said.append(await fd.say(user, e2e.gym, "!legday squats"))
        await fd.wait_for_op(OP_RESUME, timeout=20)
        for message in said:
            reply = await e2e.reply_to(message, within=15)
            assert reply.embeds[0]["title"].startswith("Leg day logged")
        await asyncio.sleep(0.5)  # room for a duplicate to show up
        assert all(len(replies_to(e2e, message)) == 1 for message in said)
        assert fd.identify_count == 1 and fd.resume_count == 1
        assert fd.gateway_closes[0].by == "client"  # the bot gave up on the zombie itself
        stage = e2e.stage
    log = stage.bot.log_text()  # complete once the bot has stopped
    assert " ERROR " not in log, log[-3000:]
