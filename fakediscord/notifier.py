"""Waking whoever waits for the emulator's state to change (a message, a gateway op)."""
# ruff: noqa: ASYNC109  -- a `timeout=` parameter is the deliberate, documented scenario API

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Seconds the scenario API waits for the bot by default. A wait is not a latency check
# (the benchmarks measure those): on a shared machine running several bots and a
# database at once, a healthy bot's first picture has taken over 5 s.
WAIT = 15.0


class Notifier:
    """Wakes up waiters whenever the emulator's state changes."""

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    def notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float, what: str) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result is not None and result is not False:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"fakediscord: timed out after {timeout}s waiting for {what}")
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            await asyncio.wait({fut}, timeout=remaining)
