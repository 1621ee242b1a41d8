"""One bounded queue for every reminder send, paced under Discord's rate limits."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

_Job = tuple[Callable[[], Awaitable[Any]], "asyncio.Future[Any]"]


class SendQueue:
    """Runs submitted sends one at a time at most `rate` per second.

    A burst of `burst` leaves at once, so the first reminders of a busy minute are not
    held back; beyond that, sends wait their turn instead of provoking 429s. The queue is
    bounded, so a flood of due reminders applies back-pressure rather than piling up.
    """

    def __init__(self, rate: float, burst: int = 5, maxsize: int = 1000) -> None:
        self._interval = 1.0 / rate
        self._burst = burst
        self._tokens = float(burst)
        self._updated = time.monotonic()
        self._queue: asyncio.Queue[_Job] = asyncio.Queue(maxsize)
        self._worker: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="reminder-send-queue")

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        # Settle everything still queued so no caller waits on a queue that is gone (the
        # worker settles the send it was holding as it stops).
        while not self._queue.empty():
            _, future = self._queue.get_nowait()
            future.cancel()

    async def submit(self, send: Callable[[], Awaitable[Any]]) -> Any:
        """Queue one send and wait for its result (or its exception)."""
        self.start()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self._queue.put((send, future))
        return await future

    async def _take_token(self) -> None:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) / self._interval)
        self._updated = now
        if self._tokens < 1:
            await asyncio.sleep((1 - self._tokens) * self._interval)
            self._tokens = 1
            self._updated = time.monotonic()
        self._tokens -= 1

    async def _run(self) -> None:
        while True:
            send, future = await self._queue.get()
            if future.cancelled():
                continue
            try:
                await self._take_token()
                result = await send()
            except asyncio.CancelledError:
                worker = asyncio.current_task()
                if worker is not None and worker.cancelling():
                    future.cancel()  # the queue itself is stopping
                    raise
                # A cancellation leaking out of the send belongs to that send alone.
                if not future.done():
                    future.set_exception(RuntimeError("the send was cancelled"))
            except Exception as exc:  # handed to the waiting caller, not lost
                if not future.done():
                    future.set_exception(exc)
            else:
                if not future.done():
                    future.set_result(result)
