"""The global limiter: a sliding window, arrival order, a pause on a global 429."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time

import aiohttp
import pytest
import yarl
from aiohttp import web

from bot.rate_limits import GlobalLimiter, counts_against_global_limit, http_trace, one_at_a_time

API = "http://127.0.0.1/api/v10"


@pytest.mark.parametrize(
    ("url", "counted"),
    [
        (f"{API}/channels/1/messages", True),
        (f"{API}/users/@me", True),
        (f"{API}/applications/9/commands", True),
        (f"{API}/interactions/5/tok-en/callback", False),
        (f"{API}/webhooks/9/tok-en", False),
        (f"{API}/webhooks/9/tok-en/messages/@original", False),
        ("wss://gateway.discord.gg/?v=10", False),
        ("https://cdn.discordapp.com/avatars/1/a.png", False),
    ],
)
def test_what_discord_counts_against_the_global_limit(url: str, counted: bool):
    assert counts_against_global_limit(yarl.URL(url)) is counted


async def stamped(limiter: GlobalLimiter, count: int, *, answer_after: float = 0.0) -> list[float]:
    """Send `count` requests at once, each answered `answer_after` seconds after it left;
    the clock at each grant, in grant order."""
    granted: list[float] = []

    async def one() -> None:
        place = await limiter.acquire()
        granted.append(time.monotonic())
        await asyncio.sleep(answer_after)
        limiter.release(place)

    await asyncio.gather(*(one() for _ in range(count)))
    return granted


async def test_a_place_frees_a_window_after_the_answer_not_after_the_request():
    limiter = GlobalLimiter(5, window=0.15, spacing=0)
    granted = await stamped(limiter, 17, answer_after=0.05)
    assert len(granted) == 17
    for first, later in itertools.pairwise(granted[::5]):
        # the sixth grant waits for an answer (0.05 s) and a window (0.15 s) after it
        assert later - first >= 0.2 - 0.005
    assert limiter.waited > 0


async def test_a_request_still_out_keeps_its_place():
    limiter = GlobalLimiter(2, window=0.05, spacing=0)
    out = [await limiter.acquire(), await limiter.acquire()]
    third = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0.2)  # four windows, but both are still waiting for answers
    assert not third.done()
    limiter.release(out[0])
    await asyncio.wait_for(third, timeout=1)


async def test_a_burst_within_the_limit_waits_only_for_the_spacing():
    limiter = GlobalLimiter(10, window=60.0, spacing=0.02)  # a window's wait would hang
    granted = await asyncio.wait_for(stamped(limiter, 10), timeout=5)
    assert all(b - a >= 0.02 - 0.002 for a, b in itertools.pairwise(granted))


def test_the_default_spacing_is_half_the_average_interval():
    assert GlobalLimiter(50, window=1.0).spacing == 0.01


async def test_waiters_are_served_in_the_order_they_came():
    limiter = GlobalLimiter(2, window=0.05)
    order: list[int] = []

    async def one(n: int) -> None:
        limiter.release(await limiter.acquire())
        order.append(n)

    tasks = []
    for n in range(9):
        tasks.append(asyncio.create_task(one(n)))
        await asyncio.sleep(0)  # each arrives after the one before
    await asyncio.gather(*tasks)
    assert order == list(range(9))


async def test_a_global_429_pauses_every_request_for_its_retry_after():
    limiter = GlobalLimiter(50)
    limiter.observe(429, {"X-RateLimit-Global": "true", "Retry-After": "0.3"})
    paused_at = time.monotonic()
    await limiter.acquire()
    assert time.monotonic() - paused_at >= 0.29
    assert limiter.global_429s == 1


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (429, {"Retry-After": "30"}),  # one route's bucket: discord.py waits on that route only
        (200, {"X-RateLimit-Global": "true", "Retry-After": "30"}),
    ],
)
async def test_anything_but_a_global_429_pauses_nothing(status: int, headers: dict[str, str]):
    limiter = GlobalLimiter(50)
    limiter.observe(status, headers)
    await asyncio.wait_for(limiter.acquire(), timeout=5)
    assert limiter.global_429s == 0


async def serve(handler) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/api/v10"


async def test_the_trace_limits_a_real_session_and_learns_from_its_responses():
    seen: list[str] = []

    async def message(request: web.Request) -> web.Response:
        seen.append(request.path)
        if request.query.get("drop") == "1":
            assert request.transport is not None
            request.transport.close()  # the answer never comes
            return web.Response()
        if request.query.get("global") == "1":
            return web.json_response(
                {"message": "You are being rate limited.", "retry_after": 0.05, "global": True},
                status=429,
                headers={"X-RateLimit-Global": "true", "Retry-After": "0.05"},
            )
        return web.json_response({})

    runner, base = await serve(message)
    limiter = GlobalLimiter(3, window=0.1)
    failures = GlobalLimiter(1, window=0.01)
    try:
        async with aiohttp.ClientSession(trace_configs=[http_trace(limiter)]) as session:
            urls = [f"{base}/channels/{n}/messages" for n in range(7)]
            urls.append(f"{base}/interactions/1/tok/callback")
            responses = await asyncio.gather(*(session.post(url) for url in urls))
            assert [r.status for r in responses] == [200] * 8
            assert limiter.waited > 0  # seven counted requests through a limit of three
            await session.post(f"{base}/channels/1/messages?global=1")
        assert len(seen) == 9
        assert limiter.global_429s == 1
        async with aiohttp.ClientSession(trace_configs=[http_trace(failures)]) as session:
            for _ in range(2):  # the second needs the place the failed first one held
                with contextlib.suppress(aiohttp.ClientError):
                    await asyncio.wait_for(session.post(f"{base}/channels/1/messages?drop=1"), 5)
        assert len(seen) == 11
    finally:
        await runner.cleanup()


def test_a_channels_new_messages_and_nothing_else_leave_one_at_a_time():
    assert one_at_a_time("POST", yarl.URL(f"{API}/channels/1/messages"))
    assert not one_at_a_time("GET", yarl.URL(f"{API}/channels/1/messages"))
    assert not one_at_a_time("PATCH", yarl.URL(f"{API}/channels/1/messages/2"))
    assert not one_at_a_time("POST", yarl.URL(f"{API}/interactions/5/tok/callback"))


async def test_a_channels_messages_leave_one_at_a_time_and_wait_for_an_empty_bucket():
    out: dict[str, int] = {}
    most: dict[str, int] = {}
    arrived: list[tuple[str, float]] = []

    async def message(request: web.Request) -> web.Response:
        channel = request.path.split("/")[-2]
        arrived.append((channel, time.monotonic()))
        out[channel] = out.get(channel, 0) + 1
        most[channel] = max(most.get(channel, 0), out[channel])
        await asyncio.sleep(0.02)
        out[channel] -= 1
        left = 4 - sum(1 for c, _ in arrived if c == channel)
        headers = {"X-RateLimit-Remaining": str(max(left, 0)), "X-RateLimit-Reset-After": "0.3"}
        return web.json_response({}, headers=headers)

    runner, base = await serve(message)
    limiter = GlobalLimiter(1000, window=0.01)
    try:
        async with aiohttp.ClientSession(trace_configs=[http_trace(limiter)]) as session:
            posts = [session.post(f"{base}/channels/{c}/messages") for c in (1, 1, 1, 1, 1, 2, 2)]
            responses = await asyncio.gather(*posts)
        assert [r.status for r in responses] == [200] * 7
    finally:
        await runner.cleanup()
    assert most == {"1": 1, "2": 1}
    # Channel 1's fourth answer left its bucket empty: the fifth waited for the reset.
    times = [at for channel, at in arrived if channel == "1"]
    assert times[4] - times[3] >= 0.3
    assert max(out.values()) == 0


async def test_a_message_that_fails_on_its_way_lets_the_next_one_go():
    seen: list[str] = []

    async def message(request: web.Request) -> web.Response:
        seen.append(request.query_string)
        if request.query.get("drop") == "1":
            assert request.transport is not None
            request.transport.close()
        return web.json_response({})

    runner, base = await serve(message)
    limiter = GlobalLimiter(1000, window=0.01)
    try:
        async with aiohttp.ClientSession(trace_configs=[http_trace(limiter)]) as session:
            with contextlib.suppress(aiohttp.ClientError):
                await asyncio.wait_for(session.post(f"{base}/channels/1/messages?drop=1"), 5)
            response = await asyncio.wait_for(session.post(f"{base}/channels/1/messages"), 5)
            assert response.status == 200
    finally:
        await runner.cleanup()
    assert seen == ["drop=1", ""]
