"""Discord's global rate limit, kept for every request the bot makes.

Discord allows a bot 50 requests per second across all routes (more for bots it has
granted more), interaction callbacks and interaction webhooks excepted. discord.py keeps
each route's bucket from the `X-RateLimit-*` headers, but meets the global limit only
after a `429` tells it so. `GlobalLimiter` keeps the bot under it beforehand: a sliding
window a little longer than a second, waited for in arrival order, so a burst of
reminders goes out at the limit without a `429`. It also learns from what comes back: a
global `429` (`X-RateLimit-Global`) pauses every request for its `Retry-After`.

It sits in discord.py's HTTP session through aiohttp's request tracing (the public
`http_trace` option of `discord.Client`), so replies, reminders and nudges share it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

import aiohttp
import yarl

log = logging.getLogger(__name__)

DISCORD_GLOBAL_LIMIT = 50
# Requests counted here reach Discord a few milliseconds apart from when they were
# counted; a window this much longer than Discord's second absorbs that jitter.
WINDOW = 1.05

# Interaction responses and follow-ups are not counted against the global limit.
_EXEMPT = re.compile(r"/interactions/\d+/[^/]+/callback|/webhooks/\d+/[^/]+")


def counts_against_global_limit(url: yarl.URL) -> bool:
    """Whether Discord counts a request to `url` against the bot's global limit."""
    if url.scheme not in ("http", "https") or "/api/" not in url.path:
        return False  # the gateway's websocket, CDN downloads
    return _EXEMPT.search(url.path) is None


class GlobalLimiter:
    """At most `per_window` grants in any `window`, and grants at least `spacing` apart.

    The spacing (half the average interval: 10 ms at 50/s) keeps a burst from leaving all
    at once: fifty requests granted in the same instant would take tens of milliseconds to
    be written, and the first of them could reach Discord late enough to share a second
    with the next window's. Spaced, each is written before the next is granted.
    """

    def __init__(
        self,
        per_window: int = DISCORD_GLOBAL_LIMIT,
        *,
        window: float = WINDOW,
        spacing: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_window = per_window
        self.window = window
        self.spacing = window / per_window / 2 if spacing is None else spacing
        self._clock = clock
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._line = asyncio.Lock()  # waiters go in the order they came
        self.waited = 0.0  # seconds requests spent waiting here, for metrics and tests
        self.global_429s = 0

    async def acquire(self) -> None:
        """Wait until one more request fits under the limit, and count it."""
        started = self._clock()
        async with self._line:
            while True:
                now = self._clock()
                if now < self._paused_until:
                    await asyncio.sleep(self._paused_until - now)
                    continue
                while self._sent and now - self._sent[0] >= self.window:
                    self._sent.popleft()
                if self._sent and now - self._sent[-1] < self.spacing:
                    await asyncio.sleep(self._sent[-1] + self.spacing - now)
                    continue
                if len(self._sent) < self.per_window:
                    self._sent.append(now)
                    break
                await asyncio.sleep(self._sent[0] + self.window - now)
        self.waited += self._clock() - started

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn from a response: a global 429 stops everyone for its Retry-After."""
        if status != 429 or headers.get("X-RateLimit-Global", "").lower() != "true":
            return
        self.global_429s += 1
        retry_after = _seconds(headers.get("Retry-After")) or 1.0
        self._paused_until = max(self._paused_until, self._clock() + retry_after)
        log.warning("Discord's global rate limit was hit; pausing requests %.1f s", retry_after)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def http_trace(limiter: GlobalLimiter) -> aiohttp.TraceConfig:
    """Request hooks for `discord.Client(http_trace=...)`: a counted request waits for the
    limiter once it has its connection, just before it is written, and every response's
    headers are read.

    Waiting at the start of the request instead would count a request when it was asked
    for, not when it left: a burst that has to open new connections reaches Discord
    later, bunched together, and a window that was respected here is not respected there.
    """
    trace = aiohttp.TraceConfig()

    async def on_start(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        context.uncounted = counts_against_global_limit(params.url)

    async def on_connection(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        if getattr(context, "uncounted", False):
            context.uncounted = False
            await limiter.acquire()

    async def on_end(session: aiohttp.ClientSession, context: SimpleNamespace, params: Any) -> None:
        limiter.observe(params.response.status, params.response.headers)

    trace.on_request_start.append(on_start)
    trace.on_connection_create_end.append(on_connection)
    trace.on_connection_reuseconn.append(on_connection)
    trace.on_request_end.append(on_end)
    return trace
