"""Rate limits (real and injected) and other faults a test can switch on."""

from __future__ import annotations

import fnmatch
import hashlib
import time
from collections import deque
from dataclasses import dataclass


def route_matches(pattern: str, method: str, template: str, path: str) -> bool:
    """Match ``"METHOD /path"`` patterns against a request.

    The path part may be a route template exactly as discord.py writes it
    (``/channels/{channel_id}/messages``), a concrete path (``/channels/123/messages``), or an
    fnmatch glob (``/channels/*``). The method may be ``*``. A pattern without a space matches
    any method. ``*`` alone matches everything.
    """
    pattern = pattern.strip()
    if pattern == "*":
        return True
    want_method, _, want_path = pattern.partition(" ")
    if not want_path:
        want_method, want_path = "*", want_method
    if want_method != "*" and want_method.upper() != method.upper():
        return False
    want_path = want_path.strip()
    return want_path == template or fnmatch.fnmatchcase(path, want_path)


@dataclass
class RateLimitFault:
    pattern: str
    remaining: int
    retry_after: float
    is_global: bool = False
    scope: str = "user"
    hits: int = 0


@dataclass
class DelayFault:
    pattern: str
    seconds: float
    remaining: int | None = None


@dataclass
class StatusFault:
    pattern: str
    status: int
    remaining: int
    code: int = 0
    message: str = "Injected failure"


class Faults:
    def __init__(self) -> None:
        self.rate_limits: list[RateLimitFault] = []
        self.delays: list[DelayFault] = []
        self.statuses: list[StatusFault] = []

    def clear(self) -> None:
        self.rate_limits.clear()
        self.delays.clear()
        self.statuses.clear()

    def take_rate_limit(self, method: str, template: str, path: str) -> RateLimitFault | None:
        for fault in self.rate_limits:
            if fault.remaining > 0 and route_matches(fault.pattern, method, template, path):
                fault.remaining -= 1
                fault.hits += 1
                return fault
        return None

    def take_status(self, method: str, template: str, path: str) -> StatusFault | None:
        for fault in self.statuses:
            if fault.remaining > 0 and route_matches(fault.pattern, method, template, path):
                fault.remaining -= 1
                return fault
        return None

    def delay_for(self, method: str, template: str, path: str) -> float:
        total = 0.0
        for fault in self.delays:
            if fault.remaining is not None and fault.remaining <= 0:
                continue
            if route_matches(fault.pattern, method, template, path):
                total += fault.seconds
                if fault.remaining is not None:
                    fault.remaining -= 1
        return total


class GlobalLimiter:
    """Sliding one-second window over all (non-interaction) requests of the bot."""

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
            return max(0.001, 1.0 - (now - self._hits[0]))
        self._hits.append(now)
        return None


@dataclass
class BucketState:
    bucket: str
    limit: int
    remaining: int
    reset_at: float
    reset_after: float
    exceeded: bool


class BucketTracker:
    """Per-route buckets reported in ``X-RateLimit-*`` headers (and enforced)."""

    def __init__(self, limit: int, per: float) -> None:
        self.limit = limit
        self.per = per
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}

    @staticmethod
    def bucket_hash(method: str, template: str) -> str:
        return hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:32]

    def hit(self, method: str, template: str, major: str, *, count: bool = True) -> BucketState:
        bucket = self.bucket_hash(method, template)
        key = (bucket, major)
        now = time.monotonic()
        start, used = self._windows.get(key, (now, 0))
        if now - start >= self.per:
            start, used = now, 0
        exceeded = used >= self.limit
        if count and not exceeded:
            used += 1
        self._windows[key] = (start, used)
        reset_after = max(0.0, self.per - (now - start))
        return BucketState(
            bucket=bucket,
            limit=self.limit,
            remaining=max(0, self.limit - used),
            reset_at=time.time() + reset_after,
            reset_after=reset_after,
            exceeded=exceeded,
        )
