"""Counting requests against Discord's limits: route buckets, the global window, 429s served."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass

from fakediscord.rate_limits import SCOPE_SHARED, RouteLimit

# Discord bans an IP at Cloudflare after this many invalid requests in INVALID_WINDOW seconds.
INVALID_REQUEST_BAN = 10_000
INVALID_WINDOW = 600.0
INVALID_STATUSES = frozenset({401, 403, 429})


def ceil_ms(seconds: float) -> float:
    """Round up to the millisecond, so a client that waits exactly this long is not early."""
    return math.ceil(seconds * 1000) / 1000


@dataclass(frozen=True)
class BucketState:
    """A bucket as one request left it (what the ``X-RateLimit-*`` headers report)."""

    bucket: str
    limit: int
    remaining: int
    reset_at: float
    reset_after: float
    exceeded: bool
    scope: str
    code: int | None = None


class Buckets:
    """Fixed windows per (bucket, major parameter): opened by a request, closed ``per`` later."""

    PRUNE_EVERY = 1024

    def __init__(self) -> None:
        self._windows: dict[tuple[str, str], tuple[float, int, float]] = {}
        self._hits = 0

    def hit(self, route: RouteLimit, major: str, *, count: bool = True) -> BucketState:
        """Spend one request of the bucket (unless it is exhausted, or ``count`` is False)."""
        now = time.monotonic()
        self._hits += 1
        if self._hits % self.PRUNE_EVERY == 0:
            self._prune(now)
        key = (route.bucket, major)
        start, used, _ = self._windows.get(key, (now, 0, route.per))
        if now - start >= route.per:
            start, used = now, 0
        exceeded = used >= route.limit
        if count and not exceeded:
            used += 1
        self._windows[key] = (start, used, route.per)
        reset_after = ceil_ms(max(0.0, route.per - (now - start)))
        return BucketState(
            bucket=route.bucket_hash,
            limit=route.limit,
            remaining=max(0, route.limit - used),
            reset_at=time.time() + reset_after,
            reset_after=reset_after,
            exceeded=exceeded,
            scope=route.scope,
            code=route.code,
        )

    def _prune(self, now: float) -> None:
        self._windows = {k: w for k, w in self._windows.items() if now - w[0] < w[2]}

    def __len__(self) -> int:
        return len(self._windows)


class GlobalLimiter:
    """Sliding one-second window over the requests Discord counts globally."""

    def __init__(self, per_second: int | None) -> None:
        self.per_second = per_second
        self._hits: deque[float] = deque()

    def hit(self) -> float | None:
        """Count a request; return ``retry_after`` seconds if it exceeds the limit."""
        if self.per_second is None:
            return None
        now = time.monotonic()
        while self._hits and now - self._hits[0] >= 1.0:
            self._hits.popleft()
        if len(self._hits) >= self.per_second:
            return ceil_ms(max(0.001, 1.0 - (now - self._hits[0])))
        self._hits.append(now)
        return None


@dataclass(frozen=True)
class Served429:
    """One 429 the emulator answered with."""

    time: float  # emulator clock (epoch seconds), like RequestRecord.time
    method: str
    route: str  # the template, e.g. /channels/{channel_id}/messages
    path: str
    scope: str  # user, global or shared
    retry_after: float
    bucket: str | None  # X-RateLimit-Bucket, None for global ones
    injected: bool = False  # from a test's fault, not from exceeding a limit

    @property
    def key(self) -> str:
        return f"{self.method} {self.route}"


class RateLimitLog:
    """What the bot did wrong by Discord's rate-limit rules: 429s served, invalid requests.

    Discord counts 401, 403 and 429 answers (except shared-scope 429s, which other clients
    cause) as invalid requests; 10,000 of them in 10 minutes get the IP banned at Cloudflare.
    """

    def __init__(self) -> None:
        self.served: list[Served429] = []
        self.invalid_total = 0
        self._invalid: deque[float] = deque()

    def record_429(self, served: Served429) -> None:
        self.served.append(served)

    def count_status(self, status: int, scope: str | None = None) -> bool:
        """Count an answer; True when it takes the 10-minute count to the ban threshold."""
        if status not in INVALID_STATUSES or (status == 429 and scope == SCOPE_SHARED):
            return False
        now = time.monotonic()
        self._invalid.append(now)
        self.invalid_total += 1
        self._expire(now)
        return len(self._invalid) == INVALID_REQUEST_BAN

    def invalid_requests(self) -> int:
        """Invalid requests in the last 10 minutes (what Discord's ban threshold looks at)."""
        self._expire(time.monotonic())
        return len(self._invalid)

    def _expire(self, now: float) -> None:
        while self._invalid and now - self._invalid[0] >= INVALID_WINDOW:
            self._invalid.popleft()

    def clear(self) -> None:
        self.served.clear()
        self.invalid_total = 0
        self._invalid.clear()
