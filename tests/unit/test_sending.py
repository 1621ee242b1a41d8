"""The send guard: a channel that refuses the bot is closed and reopened by events or a
back-off; a rejected token stops every request; replies outlast discord.py's 429 tries."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import discord
import pytest
import yarl

from bot.rate_limits import GlobalLimiter
from bot.sending import (
    CANNOT_DM,
    UNKNOWN_CHANNEL,
    ChannelBreaker,
    ClosedChannel,
    SendGuard,
    TokenRejected,
    channel_of_send,
    through_rate_limits,
    uses_bot_token,
)

API = "http://127.0.0.1/api/v10"
SEND_7 = yarl.URL(f"{API}/channels/7/messages")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def guard(clock: Clock) -> SendGuard:
    return SendGuard(ChannelBreaker(first_backoff=60, max_backoff=600, clock=clock))


def test_what_counts_as_posting_to_a_channel():
    assert channel_of_send("POST", SEND_7) == 7
    assert channel_of_send("GET", SEND_7) is None
    assert channel_of_send("PATCH", yarl.URL(f"{API}/channels/7/messages/9")) is None
    assert uses_bot_token(SEND_7)
    assert not uses_bot_token(yarl.URL(f"{API}/interactions/5/tok/callback"))
    assert not uses_bot_token(yarl.URL(f"{API}/webhooks/9/tok/messages/@original"))


def test_a_refusal_closes_the_channel_and_logs_once(caplog: pytest.LogCaptureFixture):
    clock = Clock()
    g = guard(clock)
    caplog.set_level(logging.INFO, "bot.sending")
    g.before("POST", SEND_7)  # open: nothing raised
    g.after("POST", SEND_7, 403, 50013)
    for _ in range(5):
        with pytest.raises(ClosedChannel) as raised:
            g.before("POST", SEND_7)
        assert isinstance(raised.value, discord.Forbidden) and raised.value.code == 50013
    g.before("POST", yarl.URL(f"{API}/channels/8/messages"))  # other channels are open
    g.before("GET", SEND_7)  # reading is not posting
    assert len([r for r in caplog.records if "refused a message" in r.message]) == 1


def test_one_probe_after_each_back_off_which_doubles_up_to_the_cap():
    clock = Clock()
    g = guard(clock)
    g.after("POST", SEND_7, 403, 50001)
    waits = []
    for _ in range(6):
        opened = clock.now
        while True:
            clock.now += 1
            try:
                g.before("POST", SEND_7)  # the probe
                break
            except ClosedChannel:
                continue
        waits.append(clock.now - opened)
        with pytest.raises(ClosedChannel):
            g.before("POST", SEND_7)  # only one probe at a time
        g.after("POST", SEND_7, 403, 50001)
    assert waits == [60, 120, 240, 480, 600, 600]


def test_a_delivery_opens_the_channel():
    clock = Clock()
    g = guard(clock)
    g.after("POST", SEND_7, 403, 50013)
    clock.now += 60
    g.before("POST", SEND_7)
    g.after("POST", SEND_7, 200, None)
    g.before("POST", SEND_7)
    g.before("POST", SEND_7)
    assert len(g.channels) == 0


def test_an_update_reopens_at_once_but_a_new_refusal_backs_off_longer():
    clock = Clock()
    g = guard(clock)
    g.after("POST", SEND_7, 403, 50013)
    g.channels.reopen([7, 8])  # a channel or role update
    g.before("POST", SEND_7)
    g.after("POST", SEND_7, 403, 50013)
    clock.now += 60
    with pytest.raises(ClosedChannel):
        g.before("POST", SEND_7)  # second refusal: 120 s
    clock.now += 60
    g.before("POST", SEND_7)


def test_a_deleted_channel_closes_but_closed_dms_and_other_404s_do_not():
    g = guard(Clock())
    g.after("POST", SEND_7, 404, UNKNOWN_CHANNEL)
    with pytest.raises(ClosedChannel) as raised:
        g.before("POST", SEND_7)
    assert raised.value.status == 404
    dm = yarl.URL(f"{API}/channels/9/messages")
    g.after("POST", dm, 403, CANNOT_DM)
    g.after("POST", yarl.URL(f"{API}/channels/10/messages"), 404, 10008)
    g.before("POST", dm)
    g.before("POST", yarl.URL(f"{API}/channels/10/messages"))


def test_a_401_stops_every_bot_request_and_tells_the_bot_once():
    told: list[bool] = []
    g = SendGuard(on_token_rejected=lambda: told.append(True))
    g.after("GET", yarl.URL(f"{API}/users/@me"), 401, None)
    g.after("POST", SEND_7, 401, None)
    assert told == [True] and g.token_rejected
    with pytest.raises(TokenRejected):
        g.before("POST", SEND_7)
    g.before("POST", yarl.URL(f"{API}/interactions/5/tok/callback"))  # not the bot's token


def test_a_401_before_login_is_left_to_the_start_up_failure():
    told: list[bool] = []
    g = SendGuard(on_token_rejected=lambda: told.append(True), watch_token=False)
    g.after("GET", yarl.URL(f"{API}/users/@me"), 401, None)
    assert told == [] and not g.token_rejected
    g.before("POST", SEND_7)


def http_error(status: int, *, via: bool = True) -> discord.HTTPException:
    headers = {"Via": "1.1 google"} if via else {}
    response: Any = SimpleNamespace(status=status, reason="x", headers=headers)
    return discord.HTTPException(response, {"code": 0, "message": "x"})


async def test_a_reply_is_sent_again_while_discord_answers_429():
    tries: list[int] = []

    async def send() -> str:
        tries.append(1)
        if len(tries) < 4:
            raise http_error(429)
        return "sent"

    assert await through_rate_limits(send) == "sent"
    assert len(tries) == 4


@pytest.mark.parametrize("error", [http_error(429, via=False), http_error(403), http_error(500)])
async def test_no_retry_for_cloudflare_bans_or_other_errors(error: discord.HTTPException):
    tries: list[int] = []

    async def send() -> str:
        tries.append(1)
        raise error

    with pytest.raises(discord.HTTPException):
        await through_rate_limits(send)
    assert len(tries) == 1


async def test_patience_runs_out():
    clock = Clock()
    tries: list[int] = []

    async def send() -> str:
        tries.append(1)
        clock.now += 50
        raise http_error(429)

    with pytest.raises(discord.HTTPException):
        await through_rate_limits(send, patience=120, clock=clock)
    assert len(tries) == 3


def test_a_global_429_pauses_for_the_bodys_retry_after_not_the_rounded_header():
    clock = Clock()
    limiter = GlobalLimiter(50, clock=clock)
    limiter.observe(429, {"X-RateLimit-Global": "true", "Retry-After": "1"}, 0.25)
    assert limiter._wait_needed(clock.now) == pytest.approx(0.25)
    limiter2 = GlobalLimiter(50, clock=clock)
    limiter2.observe(429, {"X-RateLimit-Global": "true", "Retry-After": "1"})
    assert limiter2._wait_needed(clock.now) == pytest.approx(1.0)


async def test_after_a_route_429_one_request_goes_first_and_the_rest_after_its_answer():
    limiter = GlobalLimiter(50)
    route = "POST /api/v10/channels/7/messages"
    limiter.pause_route(route, 0.05)
    order: list[str] = []

    async def request(name: str) -> None:
        first = await limiter.route_clear(route)
        order.append(name)
        if first:
            await asyncio.sleep(0.05)
            order.append(f"{name} answered")
            limiter.route_answered(route, 200)

    await asyncio.gather(*(request(n) for n in "abc"))
    first = order[0]
    assert order[1] == f"{first} answered"
    assert sorted(order[2:]) == sorted(set("abc") - {first})
    assert await limiter.route_clear(route) is False  # open again
