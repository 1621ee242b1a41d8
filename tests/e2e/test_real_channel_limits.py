"""Under Discord's real per-channel limit (5 messages per 5 s), which the other e2e modules
relax to keep their bursts fast: a burst of check-ins in one channel is answered exactly
once each, paced by the bucket's headers, with no 429 and no invalid request."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from fakediscord import FakeDiscord, Message
from fakediscord.rate_limits import DISCORD_ROUTE_LIMITS
from tests.e2e.conftest import E2E, open_stage

pytestmark = pytest.mark.e2e

SEND = "POST /channels/{channel_id}/messages"
BURST = 8


def discords_own_message_limit(fd: FakeDiscord) -> None:
    fd.set_route_limit(SEND, DISCORD_ROUTE_LIMITS[SEND])


def replies_to(e2e: E2E, said: Message) -> list[Message]:
    return [
        m
        for m in e2e.fd.messages(e2e.gym)
        if (m.message_reference or {}).get("message_id") == str(said.id)
    ]


async def test_a_burst_in_one_channel_waits_for_the_bucket_and_gets_no_429(
    tmp_path: Path, backend: str
):
    async for e2e in open_stage(tmp_path, configure=discords_own_message_limit, backend=backend):
        fd = e2e.fd
        members = [e2e.member("steady") for _ in range(BURST)]
        said = [await fd.say(user, e2e.gym, "!legday lunges") for user in members]
        for message in said:
            reply = await e2e.reply_to(message, within=20)
            assert reply.embeds[0]["title"].startswith("Leg day logged")
        await asyncio.sleep(0.5)
        assert all(len(replies_to(e2e, message)) == 1 for message in said)
        assert fd.served_429s() == []
        assert fd.invalid_request_count == 0
