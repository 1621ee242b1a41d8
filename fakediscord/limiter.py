"""Counting requests against Discord's limits: route buckets, the global window, 429s served."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field

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


#: The key of the global window in :class:`RetryGap` (it has no bucket of its own).
GLOBAL_KEY = ("<global>", "")
# A 429 whose retry has not come after this long stops being watched.
RETRY_WATCH = 600.0


@dataclass
class RetryGap:
    """How long after one 429 the bot came back to the same bucket.

    ``next_gap``: seconds (real time, ``time.monotonic``) from the 429 being answered to the
    next request that arrived on the same bucket and major parameter (for a global 429: the
    next request counted globally), whatever it was. ``retry_gap``: seconds to the arrival of
    the same request again (same method, path and body): the retry. Either stays None until
    such a request arrives. A gap shorter than ``served.retry_after`` is a request Discord
    would answer with another 429.
    """

    served: Served429
    key: tuple[str, str]  # (bucket name or route, major parameter)
    signature: str
    at: float  # time.monotonic() when the 429 was answered
    next_gap: float | None = None
    next_path: str | None = None
    retry_gap: float | None = None

    @property
    def early(self) -> bool:
        """Something arrived on the bucket before ``retry_after`` was over."""
        return self.next_gap is not None and self.next_gap < self.served.retry_after

    @property
    def retried_early(self) -> bool:
        """The 429'd request itself came back before ``retry_after`` was over."""
        return self.retry_gap is not None and self.retry_gap < self.served.retry_after


@dataclass(frozen=True)
class InvalidRequest:
    """One 401/403/429 answer Discord counts against the IP (see :class:`RateLimitLog`)."""

    at: float  # time.monotonic()
    status: int
    method: str
    route: str
    path: str
    channel_id: str | None  # the route's channel_id, if it has one


@dataclass
class _Watch:
    gaps: list[RetryGap] = field(default_factory=list)


class RateLimitLog:
    """What the bot did wrong by Discord's rate-limit rules: 429s served, invalid requests.

    Discord counts 401, 403 and 429 answers (except shared-scope 429s, which other clients
    cause) as invalid requests; 10,000 of them in 10 minutes get the IP banned at Cloudflare.
    Each counted answer is also kept (``invalid``, with its channel) so a test can count them
    per channel and per minute. For every 429 a :class:`RetryGap` records when the bot came
    back to that bucket (``retry_gaps``).
    """

    def __init__(self) -> None:
        self.served: list[Served429] = []
        self.invalid_total = 0
        self._invalid: deque[float] = deque()
        self.invalid: list[InvalidRequest] = []
        self.retry_gaps: list[RetryGap] = []
        self._watched: dict[tuple[str, str], _Watch] = {}

    def record_429(
        self, served: Served429, *, key: tuple[str, str] | None = None, signature: str = ""
    ) -> None:
        self.served.append(served)
        if key is None:
            return
        gap = RetryGap(served=served, key=key, signature=signature, at=time.monotonic())
        self.retry_gaps.append(gap)
        self._watched.setdefault(key, _Watch()).gaps.append(gap)

    def arrived(self, keys: list[tuple[str, str]], signature: str, path: str) -> None:
        """A request arrived on these bucket keys (its own and, when counted globally,
        :data:`GLOBAL_KEY`): fill in the gaps of the 429s it follows."""
        now = time.monotonic()
        for key in keys:
            watch = self._watched.get(key)
            if watch is None:
                continue
            for gap in watch.gaps:
                if gap.next_gap is None:
                    gap.next_gap = now - gap.at
                    gap.next_path = path
                if gap.retry_gap is None and gap.signature == signature:
                    gap.retry_gap = now - gap.at
            watch.gaps = [g for g in watch.gaps if g.retry_gap is None and now - g.at < RETRY_WATCH]
            if not watch.gaps:
                del self._watched[key]

    def count_status(
        self,
        status: int,
        scope: str | None = None,
        *,
        method: str = "",
        route: str = "",
        path: str = "",
        channel_id: str | None = None,
    ) -> bool:
        """Count an answer; True when it takes the 10-minute count to the ban threshold."""
        if status not in INVALID_STATUSES or (status == 429 and scope == SCOPE_SHARED):
            return False
        now = time.monotonic()
        self._invalid.append(now)
        self.invalid.append(InvalidRequest(now, status, method, route, path, channel_id))
        self.invalid_total += 1
        self._expire(now)
        return len(self._invalid) == INVALID_REQUEST_BAN

    def invalid_in_channel(self, channel_id: int | str) -> list[InvalidRequest]:
        """The invalid requests (401/403/429, shared 429s excepted) on one channel's routes."""
        wanted = str(channel_id)
        return [i for i in self.invalid if i.channel_id == wanted]

    def most_invalid_per_window(self, channel_id: int | str, window: float = 60.0) -> int:
        """The most invalid requests on one channel's routes within any ``window`` seconds."""
        times = [i.at for i in self.invalid_in_channel(channel_id)]
        best = 0
        start = 0
        for end, at in enumerate(times):
            while start <= end and at - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

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
        self.invalid.clear()
        self.retry_gaps.clear()
        self._watched.clear()
