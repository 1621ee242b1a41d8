"""Discord's global rate limit, kept for every request the bot makes.

Discord allows a bot 50 requests per second across all routes (more for bots it has
granted more), interaction callbacks and interaction webhooks excepted. discord.py keeps
each route's bucket from the `X-RateLimit-*` headers, but meets the global limit only
after a `429` tells it so. `GlobalLimiter` keeps the bot under it beforehand.

Discord counts a request when it arrives, which the bot cannot see; it sees when the
request left and when the answer came back, and the arrival lies between the two. So a
request holds one of the 50 places from when it leaves until a second after its answer
came back: however the network delayed it, Discord's second of it is over by then. A
request still waiting for its answer holds its place. Over a fast network that is barely
slower than 50 per second; over a slow one the pace drops by as much as the network is
slow, and stays free of `429`s. Places are granted in arrival order and at least
`spacing` apart, so a burst leaves one request at a time instead of all at once.

A channel's messages leave one at a time: each waits for the answer to the one before,
and when that answer's `X-RateLimit-Remaining` was 0, for its `X-RateLimit-Reset-After`.
discord.py lets several out at once and trusts the first answer after a reset, which
counts only the requests Discord had by then; the others, still on their way, then
overdrew the channel's bucket (5 per 5 s) and got a `429`. One at a time costs nothing
there: the bucket allows a message a second, an answer takes a round trip.

A `429` on one route holds the other requests to that route back for its `retry_after`
too (discord.py only makes the request that got it wait). It also learns from what comes
back: a global `429` (`X-RateLimit-Global`) pauses every
request for its `retry_after`: the body's, in milliseconds, when it can be read (the
`Retry-After` header is rounded up to whole seconds, which would pause up to a second
too long), else the header's. It sits in discord.py's HTTP session through aiohttp's
request tracing (the public `http_trace` option of `discord.Client`), so replies,
reminders and nudges share it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp
import yarl

from bot.sending import SendGuard, error_code

log = logging.getLogger(__name__)

DISCORD_GLOBAL_LIMIT = 50
DISCORD_WINDOW = 1.0  # seconds: Discord's global limit is per second
# A request that never reports back (cancelled, hung) gives its place up after this.
GIVE_UP_AFTER = 60.0
# A request held back longer than this counts as one that waited (`waits`, the metrics).
WAIT_COUNTED = 0.001

# Interaction responses and follow-ups are not counted against the global limit.
_EXEMPT = re.compile(r"/interactions/\d+/[^/]+/callback|/webhooks/\d+/[^/]+")
_MESSAGE_CREATE = re.compile(r"/channels/\d+/messages$")


def counts_against_global_limit(url: yarl.URL) -> bool:
    """Whether Discord counts a request to `url` against the bot's global limit."""
    if url.scheme not in ("http", "https") or "/api/" not in url.path:
        return False  # the gateway's websocket, CDN downloads
    return _EXEMPT.search(url.path) is None


def one_at_a_time(method: str, url: yarl.URL) -> bool:
    """Whether requests like this one leave one at a time (a channel's new messages)."""
    return method == "POST" and _MESSAGE_CREATE.search(url.path) is not None


@dataclass
class RouteLine:
    """A route whose requests leave one at a time, and what the last answer said."""

    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    taken_at: float = 0.0
    remaining: int | None = None
    reset_at: float = 0.0


@dataclass
class Place:
    """One request's place under the limit: taken when it left, free `window` after
    its answer (while `until` is None, it is still out)."""

    taken: float
    until: float | None = None


@dataclass
class RoutePause:
    """A route a 429 holds back: until when, and whether its first request is out."""

    until: float
    probing: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()


class GlobalLimiter:
    def __init__(
        self,
        per_window: int = DISCORD_GLOBAL_LIMIT,
        *,
        window: float = DISCORD_WINDOW,
        spacing: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_window = per_window
        self.window = window
        # Half the average interval: 10 ms at 50 per second.
        self.spacing = window / per_window / 2 if spacing is None else spacing
        self._clock = clock
        self._places: list[Place] = []
        self._last_taken = float("-inf")
        self._paused_until = 0.0
        self._line = asyncio.Lock()  # waiters go in the order they came
        self._freed = asyncio.Event()
        self.waited = 0.0  # seconds requests spent waiting here, for metrics and tests
        self.waits = 0  # requests held back more than WAIT_COUNTED
        self.global_429s = 0
        self.route_429s = 0  # 429s on one route (each pauses that route)
        # "METHOD /path" -> the 429 that holds requests to it back.
        self._routes_paused: dict[str, RoutePause] = {}
        # "METHOD /path" -> its requests' line (`one_at_a_time` routes).
        self._lines: dict[str, RouteLine] = {}

    async def acquire(self) -> Place:
        """Wait until one more request fits under the limit; its place, to `release`."""
        started = self._clock()
        async with self._line:
            while True:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    place = Place(taken=now)
                    self._places.append(place)
                    self._last_taken = now
                    break
                self._freed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._freed.wait(), wait)
        waited = self._clock() - started
        self.waited += waited
        if waited > WAIT_COUNTED:
            self.waits += 1
        return place

    def _wait_needed(self, now: float) -> float:
        """0 when a place is free now, else how long until one may be (at most)."""
        if now < self._paused_until:
            return self._paused_until - now
        self._places = [p for p in self._places if not self._over(p, now)]
        if now - self._last_taken < self.spacing:
            return self._last_taken + self.spacing - now
        if len(self._places) < self.per_window:
            return 0.0
        ends = [p.until for p in self._places if p.until is not None]
        # Nothing back yet: an answer (which sets `_freed`) is what frees a place.
        return (min(ends) - now) if ends else GIVE_UP_AFTER

    @staticmethod
    def _over(place: Place, now: float) -> bool:
        if place.until is not None:
            return place.until <= now
        return now - place.taken > GIVE_UP_AFTER

    def release(self, place: Place) -> None:
        """The request's answer came back (or it failed): its place frees a window later."""
        if place.until is None:
            place.until = self._clock() + self.window
            self._freed.set()

    async def line_turn(self, route: str) -> None:
        """Wait until the route's request before this one was answered (`line_done`),
        then, when that answer left the bucket empty, until it refills."""
        line = self._lines.get(route)
        if line is None:
            if len(self._lines) > 1024:
                now = self._clock()
                self._lines = {
                    k: q for k, q in self._lines.items() if q.turn.locked() or q.reset_at > now
                }
            line = self._lines[route] = RouteLine()
        while True:
            try:
                await asyncio.wait_for(line.turn.acquire(), GIVE_UP_AFTER)
                break
            except TimeoutError:
                if self._clock() - line.taken_at > GIVE_UP_AFTER and line.turn.locked():
                    line.turn.release()  # its request never reported back
        line.taken_at = self._clock()
        wait = line.reset_at - line.taken_at if line.remaining == 0 else 0.0
        if wait > 0:
            self.waited += wait
            self.waits += 1
            await asyncio.sleep(wait)

    def line_done(self, route: str, headers: Mapping[str, str] | None) -> None:
        """The route's request came back (`headers`: its answer's) or failed (None)."""
        line = self._lines.get(route)
        if line is None:
            return
        if headers is not None:
            remaining = _seconds(headers.get("X-RateLimit-Remaining"))
            reset_after = _seconds(headers.get("X-RateLimit-Reset-After"))
            if remaining is not None and reset_after is not None:
                line.remaining = int(remaining)
                line.reset_at = self._clock() + reset_after
        if line.turn.locked():
            line.turn.release()

    def pause_route(self, route: str, seconds: float) -> None:
        """A 429 on `route` ("METHOD /path"): hold every request to it for `seconds`, then
        let one through and the rest after its answer. discord.py sleeps before retrying
        the request that got the 429, but lets the others on the route go meanwhile (and
        all at once after), and Discord answers each of them with another 429."""
        now = self._clock()
        self.route_429s += 1
        if len(self._routes_paused) > 1024:
            self._routes_paused = {
                k: p for k, p in self._routes_paused.items() if p.until > now or p.probing
            }
        paused = self._routes_paused.setdefault(route, RoutePause(until=now))
        paused.until = max(paused.until, now + seconds)
        paused.probing = False
        paused.wake()

    async def route_clear(self, route: str) -> bool:
        """Wait until no 429 holds `route` back; True when this request goes first after
        one (its answer, to `route_answered`, decides for the others)."""
        while True:
            paused = self._routes_paused.get(route)
            if paused is None:
                return False
            wait = paused.until - self._clock()
            if wait <= 0 and not paused.probing:
                paused.probing = True
                return True
            changed = paused.changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), wait if wait > 0 else GIVE_UP_AFTER)

    def route_answered(self, route: str, status: int | None) -> None:
        """The first request after a 429 on `route` came back (`None`: it failed)."""
        paused = self._routes_paused.get(route)
        if paused is None or not paused.probing:
            return
        if status is not None and status != 429:
            del self._routes_paused[route]
        else:
            paused.probing = False  # a 429 paused it again (pause_route); a failure: next
        paused.wake()

    def observe(
        self, status: int, headers: Mapping[str, str], retry_after: float | None = None
    ) -> None:
        """Learn from a response: a global 429 stops everyone for its `retry_after` (the
        body's precise value when the caller read it, else the header's whole seconds)."""
        if not is_global_429(status, headers):
            return
        self.global_429s += 1
        if retry_after is None or retry_after <= 0:
            retry_after = _seconds(headers.get("Retry-After")) or 1.0
        self._paused_until = max(self._paused_until, self._clock() + retry_after)
        log.warning("Discord's global rate limit was hit; pausing requests %.1f s", retry_after)


def is_global_429(status: int, headers: Mapping[str, str]) -> bool:
    return status == 429 and headers.get("X-RateLimit-Global", "").lower() == "true"


async def body_retry_after(response: aiohttp.ClientResponse) -> float | None:
    """The `retry_after` of a 429's JSON body (read once; aiohttp keeps it for discord.py)."""
    try:
        data = json.loads(await response.read())
    except (aiohttp.ClientError, ValueError, TimeoutError):
        return None
    value = data.get("retry_after") if isinstance(data, dict) else None
    return float(value) if isinstance(value, int | float) else None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def http_trace(limiter: GlobalLimiter, guard: SendGuard | None = None) -> aiohttp.TraceConfig:
    """Request hooks for `discord.Client(http_trace=...)`: a counted request waits for a
    place once it has its connection, just before it is written; its answer (or its
    failure) releases the place, and every answer's headers are read. With a `guard`
    (`bot.sending`), a request it refuses fails before it leaves, and it learns from
    every answer."""
    trace = aiohttp.TraceConfig()

    async def on_start(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        context.counted = counts_against_global_limit(params.url)
        context.place = None
        context.route = f"{params.method} {params.url.path}"
        context.in_line = one_at_a_time(params.method, params.url)
        context.holds_turn = False
        if guard is not None:
            guard.before(params.method, params.url)

    async def on_connection(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        # Waiting here rather than at the start: a request is counted when it can leave,
        # not while it is still opening its connection.
        route = getattr(context, "route", None)
        if route is not None and getattr(context, "in_line", False) and not context.holds_turn:
            await limiter.line_turn(route)
            context.holds_turn = True
        if route is not None and not getattr(context, "first_after_429", False):
            context.first_after_429 = await limiter.route_clear(route)
        if getattr(context, "counted", False) and context.place is None:
            context.place = await limiter.acquire()

    def release(
        context: SimpleNamespace,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        place = getattr(context, "place", None)
        if place is not None:
            limiter.release(place)
        if getattr(context, "holds_turn", False):
            context.holds_turn = False
            limiter.line_done(context.route, headers)
        if getattr(context, "first_after_429", False):
            context.first_after_429 = False
            limiter.route_answered(context.route, status)

    async def on_end(session: aiohttp.ClientSession, context: SimpleNamespace, params: Any) -> None:
        response = params.response
        retry_after = None
        if response.status == 429 and response.headers.get("Via"):  # Discord's, not Cloudflare's
            retry_after = await body_retry_after(response)
            if retry_after is not None and not is_global_429(response.status, response.headers):
                limiter.pause_route(f"{params.method} {params.url.path}", retry_after)
        release(context, response.status, response.headers)
        limiter.observe(response.status, response.headers, retry_after)
        if guard is not None:
            code = None
            if guard.wants_code(params.method, params.url, response.status):
                code = await error_code(response)
            guard.after(params.method, params.url, response.status, code)

    async def on_failure(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        release(context)

    trace.on_request_start.append(on_start)
    trace.on_connection_create_end.append(on_connection)
    trace.on_connection_reuseconn.append(on_connection)
    trace.on_request_end.append(on_end)
    trace.on_request_exception.append(on_failure)
    return trace
