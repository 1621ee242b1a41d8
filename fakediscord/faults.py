"""Faults a test can switch on: injected 429s, delays and error statuses."""

from __future__ import annotations

import fnmatch
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
