"""Watching the event loop for stalls.

A task asks to wake every `period` and measures how late it woke: that lateness is how
long something held the loop (a slow callback, a blocking call, a long batch of work).
Each stall longer than `warn_after` is one WARNING line with its length, so an operator
(and the start-up benchmark) can see when the bot stops answering for a moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

PERIOD = 0.05


class LoopLagMonitor:
    def __init__(
        self,
        warn_after: float,
        *,
        period: float = PERIOD,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.warn_after = warn_after
        self.period = period
        self.longest = 0.0  # seconds: the longest stall seen since start()
        self.stalls = 0  # stalls longer than warn_after
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._watch(), name="loop-lag-monitor")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _watch(self) -> None:
        while True:
            asked = self._clock()
            await asyncio.sleep(self.period)
            lag = max(0.0, self._clock() - asked - self.period)
            self.longest = max(self.longest, lag)
            if lag > self.warn_after:
                self.stalls += 1
                log.warning("the event loop was blocked for %d ms", round(lag * 1000))
