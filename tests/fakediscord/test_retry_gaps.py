"""The emulator's record of how the bot comes back after a 429 (per bucket, per request)
and of invalid requests per channel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from fakediscord import Channel, FakeDiscord, Permission

SEND = "POST /channels/{channel_id}/messages"


class Raw:
    def __init__(self, fd: FakeDiscord, session: aiohttp.ClientSession) -> None:
        self.fd = fd
        self.session = session

    async def send(self, channel: Channel, body: dict[str, Any], *, token: str = "") -> int:
        headers = {"Authorization": f"Bot {token or self.fd.bot_token}"}
        url = f"{self.fd.api_base}/channels/{channel.id}/messages"
        async with self.session.post(url, json=body, headers=headers) as resp:
            await resp.read()
            return resp.status


@pytest.fixture
async def raw(fd: FakeDiscord) -> AsyncIterator[Raw]:
    async with aiohttp.ClientSession() as session:
        yield Raw(fd, session)


async def test_a_retry_after_waiting_is_not_early(fd: FakeDiscord, world: Any, raw: Raw) -> None:
    fd.rate_limit(SEND, count=1, retry_after=0.15)
    assert await raw.send(world.gym, {"content": "one"}) == 429
    await asyncio.sleep(0.2)
    assert await raw.send(world.gym, {"content": "one"}) == 200

    [gap] = fd.retry_gaps(SEND)
    assert gap.retry_gap is not None and gap.retry_gap >= 0.15
    assert gap.next_gap == gap.retry_gap
    assert not gap.early and not gap.retried_early


async def test_an_impatient_retry_and_a_neighbour_are_both_seen(
    fd: FakeDiscord, world: Any, raw: Raw
) -> None:
    fd.rate_limit(SEND, count=1, retry_after=5.0)
    other = fd.create_channel(world.guild, "other")
    assert await raw.send(world.gym, {"content": "one"}) == 429
    assert await raw.send(other, {"content": "elsewhere"}) == 200  # another bucket key
    assert await raw.send(world.gym, {"content": "two"}) == 200  # same bucket, other request
    assert await raw.send(world.gym, {"content": "one"}) == 200  # the retry, far too soon

    [gap] = fd.retry_gaps(SEND)
    assert gap.early and gap.retried_early
    assert gap.next_gap is not None and gap.retry_gap is not None
    assert gap.next_gap <= gap.retry_gap < 5.0


async def test_after_a_global_429_any_counted_request_is_the_next_one(
    fd: FakeDiscord, world: Any, raw: Raw
) -> None:
    fd.global_rate_limit_once(retry_after=3.0, route=SEND)
    other = fd.create_channel(world.guild, "other")
    assert await raw.send(world.gym, {"content": "one"}) == 429
    assert await raw.send(other, {"content": "elsewhere"}) == 200

    [gap] = fd.retry_gaps(scope="global")
    assert gap.early and gap.next_path == f"/channels/{other.id}/messages"
    assert gap.retry_gap is None


async def test_invalid_requests_are_counted_per_channel(
    fd: FakeDiscord, world: Any, raw: Raw
) -> None:
    closed = fd.create_channel(
        world.guild, "closed", overwrites={fd.bot_user: (0, int(Permission.SEND_MESSAGES))}
    )
    for n in range(3):
        assert await raw.send(closed, {"content": f"try {n}"}) == 403
    assert await raw.send(world.gym, {"content": "fine"}) == 200
    fd.rate_limit(SEND, count=1, retry_after=0.1, scope="shared")
    assert await raw.send(world.gym, {"content": "shared"}) == 429  # not the bot's fault
    fd.invalidate_token("dead")
    assert await raw.send(world.gym, {"content": "dead"}, token="dead") == 401

    assert [i.status for i in fd.invalid_requests_in(closed)] == [403, 403, 403]
    assert [i.status for i in fd.invalid_requests_in(world.gym.id)] == [401]
    assert fd.most_invalid_per_minute(closed) == 3
    assert fd.most_invalid_per_minute(closed, window=0.0) == 0
