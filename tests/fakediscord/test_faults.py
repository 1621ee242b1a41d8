"""Injected faults: 429s (route and global), the enforced global limit, delays, 5xx, 404s."""

from __future__ import annotations

import time

import aiohttp

from fakediscord import FakeDiscord

SEND = "POST /channels/{channel_id}/messages"


async def test_route_429_backs_off_and_message_arrives_once(
    fd: FakeDiscord, world, start_bot
) -> None:
    await start_bot()
    fault = fd.rate_limit(SEND, count=1, retry_after=0.2)
    started = time.monotonic()
    await fd.say(world.alice, world.gym, "!legday ping")
    reply = await fd.next_message(world.gym)
    assert reply.content == "pong"
    assert time.monotonic() - started >= 0.2
    assert fault.hits == 1
    assert [r.status for r in fd.requests_to(SEND)] == [429, 200]
    await fd.no_message(world.gym, within=0.3)
    assert [m.content for m in fd.messages(world.gym) if m.author == fd.bot_user] == ["pong"]
    fd.assert_no_violations()


async def test_global_429_once(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    fd.global_rate_limit_once(retry_after=0.1, route=SEND)
    await fd.say(world.alice, world.gym, "!legday ping")
    assert (await fd.next_message(world.gym)).content == "pong"
    statuses = [r.status for r in fd.requests_to(SEND)]
    assert statuses == [429, 200]
    assert fd.requests_to(SEND)[0].response is None  # raw 429 is not a handler response


async def test_429_response_shape(fd: FakeDiscord, world) -> None:
    fd.rate_limit("GET /users/@me", retry_after=1.5)
    fd.global_rate_limit_once(route="GET /users/@me", retry_after=0.5)
    headers = {"Authorization": f"Bot {fd.bot_token}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fd.api_base}/users/@me", headers=headers) as resp:
            assert resp.status == 429
            assert resp.headers["Content-Type"] == "application/json"
            assert resp.headers["Via"] == "1.1 google"
            assert resp.headers["Retry-After"] == "2"
            assert resp.headers["X-RateLimit-Scope"] == "user"
            assert resp.headers["X-RateLimit-Remaining"] == "0"
            assert "X-RateLimit-Bucket" in resp.headers
            body = await resp.json()
            assert body["message"] == "You are being rate limited."
            assert body["retry_after"] == 1.5 and body["global"] is False
        async with session.get(f"{fd.api_base}/users/@me", headers=headers) as resp:
            assert resp.status == 429
            assert resp.headers["X-RateLimit-Global"] == "true"
            assert (await resp.json())["global"] is True
        async with session.get(f"{fd.api_base}/users/@me", headers=headers) as resp:
            assert resp.status == 200
            for name in ("Limit", "Remaining", "Reset", "Reset-After", "Bucket"):
                assert f"X-RateLimit-{name}" in resp.headers


async def test_enforced_global_limit(fd: FakeDiscord) -> None:
    fd.set_global_rate_limit(5)
    headers = {"Authorization": f"Bot {fd.bot_token}"}
    async with aiohttp.ClientSession() as session:
        statuses = []
        for _ in range(7):
            async with session.get(f"{fd.api_base}/users/@me", headers=headers) as resp:
                statuses.append(resp.status)
    assert statuses == [200] * 5 + [429, 429]
    assert fd.violations_of("global_rate_limit_exceeded")


async def test_delay_and_server_error_are_retried(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    fd.delay(SEND, 0.2, count=1)
    fd.fail(SEND, 502, count=1)
    started = time.monotonic()
    await fd.say(world.alice, world.gym, "!legday ping")
    assert (await fd.next_message(world.gym, timeout=5)).content == "pong"
    assert time.monotonic() - started >= 0.2
    # discord.py retries 502 after 1 s
    assert [r.status for r in fd.requests_to(SEND)] == [502, 200]


async def test_unknown_route_is_loud_404(fd: FakeDiscord, caplog) -> None:
    headers = {"Authorization": f"Bot {fd.bot_token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fd.api_base}/guilds/1/nonsense", headers=headers, json={}) as resp,
    ):
        assert resp.status == 404
        assert resp.headers["Content-Type"] == "application/json"
        assert await resp.json() == {"message": "404: Not Found", "code": 0}
    assert fd.requests[-1].route == "<unknown>" and fd.requests[-1].status == 404
    assert fd.violations_of("unknown_route")
    assert any("UNKNOWN ROUTE" in r.getMessage() for r in caplog.records)


async def test_unauthorized_rest(fd: FakeDiscord) -> None:
    fd.invalidate_token("nope")
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fd.api_base}/users/@me", headers={"Authorization": "Bot nope"}) as resp,
    ):
        assert resp.status == 401
        assert await resp.json() == {"message": "401: Unauthorized", "code": 0}
