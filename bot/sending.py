"""What the bot will not send again: the guard in front of every request to Discord.

Discord counts every 401, 403 and 429 answer as an invalid request and bans the bot's
address at Cloudflare after 10,000 of them in 10 minutes. A bot that answers each command
in a channel where it lost Send Messages (or View Channel) earns two such answers per
command, for as long as members keep typing there. So:

* A channel that refused a message (403; or 404 Unknown Channel: deleted) is closed: no
  message is sent there until something may have changed it (a channel, role or server
  update, which the bot hears about from the gateway) or a back-off has passed (one
  minute, doubling up to ten). A send to a closed channel fails at once with
  `ClosedChannel`, a `discord.Forbidden`, so callers handle it as they handle the refusal
  itself. The first refusal is logged, once.
* A 401 means Discord no longer accepts the token: nothing more is sent, and the bot is
  told (`on_token_rejected`) so that it stops, instead of collecting 401s.

It sits in discord.py's HTTP session through aiohttp's request tracing, beside the global
limiter (`bot.rate_limits.http_trace`), so replies, error replies, reminders and nudges all
pass through it. DMs a member closed (403, code 50007) are left out: a member reopens them
without any event, and the commands that DM are cooled down per member anyway.

`through_rate_limits` is the other half: discord.py gives a request five tries through
429s and then raises; a reply is sent again while the storm lasts, since a 429 means
Discord did not take it (so nothing is doubled).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, TypeVar

import aiohttp
import discord
import yarl

log = logging.getLogger(__name__)

T = TypeVar("T")

FIRST_BACKOFF = 60.0  # seconds a channel stays closed after its first refusal
MAX_BACKOFF = 600.0
# How long a reply keeps being sent again while Discord answers 429 (discord.py waits
# each 429's retry_after before giving up, so a retry is never early).
REPLY_PATIENCE = 120.0

CANNOT_DM = 50007
UNKNOWN_CHANNEL = 10003
_SEND = re.compile(r"/channels/(\d+)/messages$")
# Routes that authenticate with an interaction's token, not the bot's: a 401 there means
# that interaction expired, not that the bot's token is dead.
_INTERACTION_TOKEN = re.compile(r"/interactions/\d+/[^/]+/callback|/webhooks/\d+/[^/]+")


def _answer(status: int, reason: str) -> Any:
    # discord.HTTPException reads status and reason off the response it is given.
    return SimpleNamespace(status=status, reason=reason, headers={})


class ClosedChannel(discord.Forbidden):
    """A message the bot did not send: the channel refused the last one (a Forbidden,
    also for a deleted channel: callers treat both as "cannot post there")."""

    def __init__(self, channel_id: int, code: int, status: int = 403) -> None:
        super().__init__(
            _answer(status, "Forbidden" if status == 403 else "Not Found"),
            {"code": code, "message": f"channel {channel_id} refused the last message"},
        )
        self.channel_id = channel_id


class TokenRejected(discord.HTTPException):
    """A request the bot did not send: Discord rejected its token (401)."""

    def __init__(self) -> None:
        super().__init__(_answer(401, "Unauthorized"), {"code": 0, "message": "token rejected"})


def channel_of_send(method: str, url: yarl.URL) -> int | None:
    """The channel a request posts a message to, or None for any other request."""
    if method.upper() != "POST":
        return None
    match = _SEND.search(url.path)
    return int(match.group(1)) if match else None


def uses_bot_token(url: yarl.URL) -> bool:
    """Whether a request to `url` carries the bot's token (a 401 then means it is dead)."""
    return "/api/" in url.path and _INTERACTION_TOKEN.search(url.path) is None


@dataclass
class _Closed:
    code: int
    status: int
    refusals: int
    until: float


class ChannelBreaker:
    """Channels closed to the bot's messages, and until when (a circuit breaker each)."""

    def __init__(
        self,
        *,
        first_backoff: float = FIRST_BACKOFF,
        max_backoff: float = MAX_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self._clock = clock
        self._closed: dict[int, _Closed] = {}

    def is_closed(self, channel_id: int) -> bool:
        """Closed and not yet due for another try."""
        closed = self._closed.get(channel_id)
        return closed is not None and self._clock() < closed.until

    def admit(self, channel_id: int) -> None:
        """Let a send through, or raise `ClosedChannel`. Once the back-off is over, one
        send goes through as a probe and the channel is closed again meanwhile, so a
        failing probe is all it costs."""
        closed = self._closed.get(channel_id)
        if closed is None:
            return
        now = self._clock()
        if now < closed.until:
            raise ClosedChannel(channel_id, closed.code, closed.status)
        closed.until = now + self._backoff(closed.refusals)

    def refused(self, channel_id: int, code: int, status: int = 403) -> None:
        """The channel answered a message with 403 (or 404 Unknown Channel: deleted):
        close it (for longer each time)."""
        closed = self._closed.get(channel_id)
        if closed is None:
            closed = self._closed[channel_id] = _Closed(
                code=code, status=status, refusals=0, until=0.0
            )
            log.warning(
                "channel %s refused a message (%d, code %s): not posting there until its "
                "permissions change or %.0f s have passed",
                channel_id,
                status,
                code,
                self.first_backoff,
            )
        closed.code, closed.status = code, status
        closed.refusals += 1
        closed.until = self._clock() + self._backoff(closed.refusals)

    def delivered(self, channel_id: int) -> None:
        """A message went through: the channel is open again."""
        if self._closed.pop(channel_id, None) is not None:
            log.info("channel %s takes messages again", channel_id)

    def reopen(self, channel_ids: Iterable[int]) -> None:
        """Something changed that may let the bot post again (a channel's overwrites, a
        role, the server): the next send to these channels is tried. A further refusal
        still closes the channel for longer."""
        now = self._clock()
        for channel_id in channel_ids:
            closed = self._closed.get(channel_id)
            if closed is not None:
                closed.until = min(closed.until, now)

    def _backoff(self, refusals: int) -> float:
        return min(self.max_backoff, self.first_backoff * 2 ** max(0, refusals - 1))

    def __len__(self) -> int:
        return len(self._closed)


class SendGuard:
    """The channels' breaker and the token's state, checked before every request."""

    def __init__(
        self,
        breaker: ChannelBreaker | None = None,
        *,
        on_token_rejected: Callable[[], None] | None = None,
        watch_token: bool = True,
    ) -> None:
        self.channels = breaker if breaker is not None else ChannelBreaker()
        self.on_token_rejected = on_token_rejected
        # Off until the bot has logged in: a token refused at login is a start-up failure
        # with its own message (`runner._failure`).
        self.watch_token = watch_token
        self.token_rejected = False

    def before(self, method: str, url: yarl.URL) -> None:
        """Raise instead of sending what would only earn another invalid answer."""
        if self.token_rejected and uses_bot_token(url):
            raise TokenRejected()
        channel_id = channel_of_send(method, url)
        if channel_id is not None:
            self.channels.admit(channel_id)

    def after(self, method: str, url: yarl.URL, status: int, code: int | None) -> None:
        """Learn from an answer (`code`: the JSON error code, when one was read)."""
        if status == 401 and self.watch_token and uses_bot_token(url) and not self.token_rejected:
            self.token_rejected = True
            log.critical(
                "Discord rejected the bot's token (401 Unauthorized): it was reset or "
                "revoked; stopping. Put the new token in DISCORD_TOKEN and start again."
            )
            if self.on_token_rejected is not None:
                self.on_token_rejected()
            return
        channel_id = channel_of_send(method, url)
        if channel_id is None:
            return
        if (status == 403 and code != CANNOT_DM) or (status == 404 and code == UNKNOWN_CHANNEL):
            self.channels.refused(channel_id, code or 0, status)
        elif 200 <= status < 300:
            self.channels.delivered(channel_id)

    @staticmethod
    def wants_code(method: str, url: yarl.URL, status: int) -> bool:
        """Whether `after` needs the error code from the body of this answer."""
        return status in (403, 404) and channel_of_send(method, url) is not None


async def error_code(response: aiohttp.ClientResponse) -> int | None:
    """The `code` of a small JSON error body (read once; aiohttp keeps it for discord.py)."""
    try:
        data = json.loads(await response.read())
    except (aiohttp.ClientError, ValueError, TimeoutError):
        return None
    code = data.get("code") if isinstance(data, dict) else None
    return code if isinstance(code, int) else None


def rate_limited_by_discord(error: discord.HTTPException) -> bool:
    """A 429 that discord.py gave up on after its tries, each after waiting retry_after.
    A 429 without Discord's `Via` header comes from Cloudflare (a ban): never retried."""
    headers = getattr(error.response, "headers", None) or {}
    return error.status == 429 and bool(headers.get("Via"))


async def through_rate_limits(
    send: Callable[[], Awaitable[T]],
    *,
    patience: float = REPLY_PATIENCE,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """`send()`, sent again while Discord keeps answering 429 (up to `patience` seconds)."""
    deadline = clock() + patience
    while True:
        try:
            return await send()
        except discord.HTTPException as error:
            if not rate_limited_by_discord(error) or clock() >= deadline:
                raise
            log.info("still rate limited after discord.py's tries; sending the reply again")
