"""The line every reminder, nudge and test post waits in, fairest first.

Jobs run in priority order, then in the order they came: every server's reminder
(`FIRST`) goes before any server's second message (`FOLLOW_UP`: overflow mention
messages, nudges). A few run at once, because a send spends most of its time waiting
for Discord; how fast they may go is the HTTP layer's business (`bot.rate_limits`
keeps every request of the bot under Discord's global limit, discord.py keeps each
route's bucket). `cap_per_second`, when set, is an extra ceiling for reminders alone.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

FIRST = 0
FOLLOW_UP = 1
# Sends in flight at once: enough to keep Discord's 50/s busy at ~100 ms a request, few
# enough that a command reply never queues behind many reminders in the global limiter.
CONCURRENCY = 10


@dataclass(order=True, slots=True)
class _Job:
    priority: int
    seq: int
    send: Callable[[], Awaitable[Any]] = field(compare=False)
    future: asyncio.Future[Any] = field(compare=False)


class Sender:
    def __init__(
        self,
        *,
        concurrency: int = CONCURRENCY,
        cap_per_second: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._concurrency = concurrency
        self._sleep = sleep
        self._interval = None if cap_per_second is None else 1.0 / cap_per_second
        self._clock = clock
        self._next_slot = 0.0  # when the cap lets the next send start
        self._jobs: list[_Job] = []
        self._seq = itertools.count()
        self._ready = asyncio.Condition()
        self._workers: list[asyncio.Task[None]] = []

    @property
    def waiting(self) -> int:
        return len(self._jobs)

    def start(self) -> None:
        self._workers = [w for w in self._workers if not w.done()]
        while len(self._workers) < self._concurrency:
            self._workers.append(asyncio.create_task(self._work(), name="reminder-sender"))

    async def stop(self) -> None:
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        # Nobody may wait forever on a line that is gone.
        for job in self._jobs:
            job.future.cancel()
        self._jobs.clear()

    async def submit(self, send: Callable[[], Awaitable[Any]], *, priority: int = FIRST) -> Any:
        """Queue one send and wait for its result (or its exception)."""
        self.start()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._jobs, _Job(priority, next(self._seq), send, future))
        async with self._ready:
            self._ready.notify()
        return await future

    async def _next_job(self) -> _Job:
        async with self._ready:
            while True:
                while self._jobs:
                    job = heapq.heappop(self._jobs)
                    if not job.future.cancelled():  # its caller gave up waiting
                        return job
                await self._ready.wait()

    async def _respect_cap(self) -> None:
        if self._interval is None:
            return
        now = self._clock()
        start = max(now, self._next_slot)
        self._next_slot = start + self._interval
        if start > now:
            await self._sleep(start - now)

    async def _work(self) -> None:
        while True:
            job = await self._next_job()
            try:
                await self._respect_cap()
                result = await job.send()
            except asyncio.CancelledError:
                worker = asyncio.current_task()
                if worker is not None and worker.cancelling():
                    job.future.cancel()  # the sender itself is stopping
                    raise
                # A cancellation leaking out of one send belongs to that send alone.
                if not job.future.done():
                    job.future.set_exception(RuntimeError("the send was cancelled"))
            except Exception as error:  # handed to the waiting caller, not lost
                if not job.future.done():
                    job.future.set_exception(error)
            else:
                if not job.future.done():
                    job.future.set_result(result)
