"""Discord's rate limits as the emulator enforces them: per-route buckets, the global window,
interaction exemptions, the headers and bodies of 429s, and the invalid-request count."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from multidict import CIMultiDictProxy

from fakediscord import Channel, FakeDiscord
from fakediscord.rate_limits import SCOPE_SHARED, RouteLimit

SEND = "POST /channels/{channel_id}/messages"
SPEC = Path(__file__).resolve().parents[3] / "shared" / "discord-api-spec" / "openapi.json"


@dataclass
class Answer:
    status: int
    headers: CIMultiDictProxy[str]
    body: Any


class RawClient:
    """A bare HTTP client speaking to the emulator as the bot, with no rate-limit handling."""

    def __init__(self, fd: FakeDiscord, session: aiohttp.ClientSession) -> None:
        self.fd = fd
        self.session = session

    async def call(self, method: str, path: str, body: Any = None, *, auth: bool = True) -> Answer:
        headers = {"Authorization": f"Bot {self.fd.bot_token}"} if auth else {}
        async with self.session.request(
            method, self.fd.api_base + path, json=body, headers=headers
        ) as resp:
            data = await resp.json() if resp.content_type == "application/json" else None
            return Answer(resp.status, resp.headers, data)

    async def send(self, channel: Channel, content: str) -> Answer:
        return await self.call("POST", f"/channels/{channel.id}/messages", {"content": content})


@pytest.fixture
async def raw(fd: FakeDiscord) -> AsyncIterator[RawClient]:
    async with aiohttp.ClientSession() as session:
        yield RawClient(fd, session)


def bucket_headers(answer: Answer) -> dict[str, str]:
    return {k: v for k, v in answer.headers.items() if k.lower().startswith("x-ratelimit-")}


async def test_ignoring_the_headers_gets_429s_shaped_like_discords(
    fd: FakeDiscord, world, raw: RawClient
) -> None:
    answers = [await raw.send(world.gym, f"spam {n}") for n in range(20)]

    assert [a.status for a in answers] == [200] * 5 + [429] * 15
    first = answers[0]
    assert first.headers["X-RateLimit-Limit"] == "5"
    assert first.headers["X-RateLimit-Remaining"] == "4"
    assert 4.9 < float(first.headers["X-RateLimit-Reset-After"]) <= 5.0
    assert abs(float(first.headers["X-RateLimit-Reset"]) - (time.time() + 5)) < 1.0
    limited = answers[5]
    assert limited.headers["X-RateLimit-Scope"] == "user"
    assert "X-RateLimit-Global" not in limited.headers
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.headers["X-RateLimit-Bucket"] == first.headers["X-RateLimit-Bucket"]
    assert limited.headers["Via"] == "1.1 google"
    retry_after = limited.body["retry_after"]
    assert limited.body == {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": False,
    }
    assert 0 < retry_after <= 5.0
    assert limited.headers["Retry-After"] == str(math.ceil(retry_after))
    assert float(limited.headers["X-RateLimit-Reset-After"]) == retry_after

    served = fd.served_429s(SEND)
    assert len(served) == 15 and {s.scope for s in served} == {"user"}
    assert {s.path for s in served} == {f"/channels/{world.gym.id}/messages"}
    assert fd.invalid_request_count == 15
    assert len(fd.violations_of("rate_limit_exceeded")) == 15
    assert len([m for m in fd.messages(world.gym) if m.author == fd.bot_user]) == 5


async def test_honouring_remaining_and_reset_after_gets_no_429(
    fd: FakeDiscord, world, raw: RawClient
) -> None:
    for n in range(7):
        answer = await raw.send(world.gym, f"paced {n}")
        assert answer.status == 200, answer.body
        if answer.headers["X-RateLimit-Remaining"] == "0":
            await asyncio.sleep(float(answer.headers["X-RateLimit-Reset-After"]))

    assert fd.served_429s() == []
    assert fd.invalid_request_count == 0
    fd.assert_no_violations()


async def test_buckets_are_per_channel(fd: FakeDiscord, world, raw: RawClient) -> None:
    other = fd.create_channel(world.guild, "other")
    for n in range(5):
        assert (await raw.send(world.gym, f"gym {n}")).status == 200
    elsewhere = await raw.send(other, "still allowed")
    assert elsewhere.status == 200
    assert elsewhere.headers["X-RateLimit-Remaining"] == "4"
    assert (await raw.send(world.gym, "one too many")).status == 429


async def test_reaction_routes_share_one_quarter_second_bucket(
    fd: FakeDiscord, world, raw: RawClient
) -> None:
    message = (await raw.send(world.gym, "react here")).body
    reaction = f"/channels/{world.gym.id}/messages/{message['id']}/reactions/%F0%9F%92%AA/@me"

    added = await raw.call("PUT", reaction)
    removed_too_soon = await raw.call("DELETE", reaction)

    assert added.status == 204
    assert added.headers["X-RateLimit-Limit"] == "1"
    assert float(added.headers["X-RateLimit-Reset-After"]) <= 0.25
    assert removed_too_soon.status == 429
    assert removed_too_soon.headers["X-RateLimit-Bucket"] == added.headers["X-RateLimit-Bucket"]
    await asyncio.sleep(removed_too_soon.body["retry_after"])
    assert (await raw.call("DELETE", reaction)).status == 204


async def test_over_fifty_requests_a_second_get_global_429s(
    fd: FakeDiscord, world, raw: RawClient
) -> None:
    channels = [fd.create_channel(world.guild, f"c{n}") for n in range(60)]
    started = time.monotonic()
    answers = await asyncio.gather(*(raw.send(c, "hello") for c in channels))
    if time.monotonic() - started >= 1.0:
        pytest.skip("the machine took over a second for 60 requests; the window slid on")

    assert sorted(a.status for a in answers) == [200] * 50 + [429] * 10
    for limited in (a for a in answers if a.status == 429):
        assert limited.headers["X-RateLimit-Global"] == "true"
        assert limited.headers["X-RateLimit-Scope"] == "global"
        assert "X-RateLimit-Bucket" not in limited.headers
        assert limited.body["global"] is True
        assert 0 < limited.body["retry_after"] <= 1.0
        assert limited.headers["Retry-After"] == "1"
    assert len(fd.served_429s(scope="global")) == 10
    assert len(fd.violations_of("global_rate_limit_exceeded")) == 10


async def test_interaction_responses_are_not_counted_globally(
    fd: FakeDiscord, world, raw: RawClient
) -> None:
    app = fd.application.id
    command = {"name": "ping", "description": "Ping", "type": 1}
    fd.set_global_rate_limit(3)
    assert (await raw.call("PUT", f"/applications/{app}/commands", [command])).status == 200
    interaction = await fd.slash(world.alice, world.gym, "ping")
    for _ in range(2):
        assert (await raw.call("GET", f"/users/{world.alice.id}")).status == 200
    assert (await raw.call("GET", "/users/@me")).status == 429  # the window is full

    callback = await raw.call(
        "POST",
        f"/interactions/{interaction.id}/{interaction.token}/callback",
        {"type": 4, "data": {"content": "pong"}},
        auth=False,
    )
    followup = await raw.call(
        "POST", f"/webhooks/{app}/{interaction.token}?wait=true", {"content": "more"}, auth=False
    )

    assert callback.status == 204 and followup.status == 200
    assert "X-RateLimit-Bucket" in callback.headers and "X-RateLimit-Bucket" in followup.headers
    assert callback.headers["X-RateLimit-Bucket"] != followup.headers["X-RateLimit-Bucket"]
    assert len(fd.served_429s(scope="global")) == 1


async def test_followups_are_limited_per_interaction_token(
    fd: FakeDiscord, world, raw: RawClient
) -> None:
    app = fd.application.id
    command = {"name": "ping", "description": "Ping", "type": 1}
    await raw.call("PUT", f"/applications/{app}/commands", [command])
    first, second = [await fd.slash(world.alice, world.gym, "ping") for _ in range(2)]
    for record in (first, second):
        await raw.call(
            "POST",
            f"/interactions/{record.id}/{record.token}/callback",
            {"type": 4, "data": {"content": "pong"}},
            auth=False,
        )

    async def followup(token: str) -> int:
        answer = await raw.call("POST", f"/webhooks/{app}/{token}", {"content": "f"}, auth=False)
        return answer.status

    assert [await followup(first.token) for _ in range(6)] == [204] * 5 + [429]
    assert await followup(second.token) == 204


async def test_limits_can_be_overridden_or_switched_off(world, raw: RawClient) -> None:
    fd = raw.fd
    fd.set_route_limit(SEND, None)
    answers = [await raw.send(world.gym, f"free {n}") for n in range(8)]
    assert [a.status for a in answers] == [200] * 8
    assert bucket_headers(answers[0]) == {}

    fd.set_route_limit(SEND, (2, 60.0))
    assert [(await raw.send(world.gym, "tight")).status for _ in range(3)] == [200, 200, 429]


async def test_uniform_route_limit_replaces_the_table(world) -> None:
    async with FakeDiscord(route_rate_limit=(1_000, 1.0), global_rate_limit=None) as fd:
        channel = fd.create_channel(fd.create_guild("g"), "c")
        async with aiohttp.ClientSession() as session:
            raw = RawClient(fd, session)
            answers = [await raw.send(channel, f"n{n}") for n in range(60)]
    assert {a.status for a in answers} == {200}
    assert answers[-1].headers["X-RateLimit-Limit"] == "1000"


async def test_shared_scope_429s_are_not_invalid_requests(
    fd: FakeDiscord, world, raw: RawClient
) -> None:
    busy = RouteLimit("busy channel", 1, 10.0, scope=SCOPE_SHARED, code=20028)
    fd.set_route_limit(SEND, busy)
    assert (await raw.send(world.gym, "first")).status == 200
    shared = await raw.send(world.gym, "second")
    fd.invalidate_token("revoked")
    async with raw.session.get(
        f"{fd.api_base}/users/@me", headers={"Authorization": "Bot revoked"}
    ) as resp:
        assert resp.status == 401

    assert shared.status == 429
    assert shared.headers["X-RateLimit-Scope"] == "shared"
    assert shared.body["code"] == 20028 and shared.body["global"] is False
    assert fd.invalid_request_count == 1  # the 401 only


async def test_429s_match_discords_openapi_description(
    fd: FakeDiscord, world, raw: RawClient
) -> None:
    if not SPEC.exists():
        pytest.skip(f"Discord's OpenAPI spec is not at {SPEC}")
    spec = json.loads(SPEC.read_text())
    answers = [await raw.send(world.gym, f"n{n}") for n in range(6)]
    limited = answers[-1]
    assert limited.status == 429

    response = spec["components"]["responses"]["ClientRatelimitedResponse"]
    for header in response["headers"]:
        assert header in limited.headers
    schema = spec["components"]["schemas"]["RatelimitedResponse"]
    properties: dict[str, Mapping[str, str]] = {
        **spec["components"]["schemas"]["Error"]["properties"],
        **schema["allOf"][1]["properties"],
    }
    python_types = {"string": str, "number": (int, float), "boolean": bool, "integer": int}
    for name, value in limited.body.items():
        assert isinstance(value, python_types[properties[name]["type"]]), name
    # The spec's Error makes "code" required; Discord's docs (which win) send it only for
    # some limits, and so does the emulator.
    for name in schema["allOf"][1]["required"]:
        assert name in limited.body


async def test_discord_py_sending_twelve_messages_to_one_channel_gets_no_429(
    fd: FakeDiscord, world, start_bot
) -> None:
    bot = await start_bot()
    channel = bot.get_channel(world.gym.id)
    assert isinstance(channel, discord.TextChannel)

    await asyncio.gather(*(channel.send(f"burst {n}") for n in range(12)))

    sent = fd.requests_to(SEND)
    assert len(sent) == 12 and {r.status for r in sent} == {200}
    assert fd.served_429s() == []
    assert fd.invalid_request_count == 0
    fd.assert_no_violations()
