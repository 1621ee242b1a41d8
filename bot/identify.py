"""Pacing IDENTIFYs the way Discord counts them, instead of discord.py's 5 s per shard.

Discord allows `max_concurrency` sessions to start per 5 seconds: shard `i` is in bucket
`i % max_concurrency`, and each bucket may identify once per 5 s. discord.py's default hook
sleeps 5 s before every identify but a process's first, so a process holding 16 shards of
a bot allowed 16 at once took 75 s to connect; paced by bucket it takes none.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

IDENTIFY_WINDOW = 5.0
# Seconds a turn is held past the window: Discord counts the IDENTIFY frame, which leaves
# after the hook (a websocket to open, HELLO to read), sooner for one shard than another
# on a busy machine. Two identifies of a bucket then still arrive a window apart.
SEND_ALLOWANCE = 0.5


class IdentifyPacer:
    def __init__(
        self,
        window: float = IDENTIFY_WINDOW,
        *,
        max_concurrency: int = 1,
        allowance: float = SEND_ALLOWANCE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.window = window
        # How long a bucket's turn lasts (none when the window is off, as in tests).
        self.turn = window + allowance if window > 0 else 0.0
        self.max_concurrency = max_concurrency
        self._clock = clock
        self._sleep = sleep
        self._last: dict[int, float] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def bucket(self, shard_id: int | None) -> int:
        return (shard_id or 0) % max(1, self.max_concurrency)

    async def wait_turn(self, shard_id: int | None) -> float:
        """Wait until the shard's bucket may identify, then count the identify; returns
        the seconds waited."""
        bucket = self.bucket(shard_id)
        lock = self._locks.setdefault(bucket, asyncio.Lock())
        async with lock:
            waited = 0.0
            last = self._last.get(bucket)
            if last is not None:
                waited = max(0.0, last + self.turn - self._clock())
                if waited:
                    await self._sleep(waited)
            self._last[bucket] = self._clock()
            return waited
