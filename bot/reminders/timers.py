"""One heap of wall-clock instants, driven by one task.

Every armed reminder and nudge is an entry here; nothing else keeps time. Re-arming a key
replaces its entry (the old one is left in the heap, marked dead, and skipped when it
surfaces), so arming and disarming are O(log n) and 10,000 schedules cost one small
object each. The task sleeps until the earliest instant, or at most `MAX_SLEEP`, so a
wall clock that jumps (a suspended laptop, an NTP step) is noticed within a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.background import cancel_and_wait

log = logging.getLogger(__name__)

MAX_SLEEP = 60.0
# Timers handed over per turn of the event loop: thousands of servers due in the same
# minute are picked up in slices, so commands are still answered in between.
DUE_PER_TURN = 200


@dataclass(order=True, slots=True)
class Timer:
    at: datetime
    seq: int
    key: Hashable = field(compare=False)
    payload: Any = field(compare=False)
    alive: bool = field(default=True, compare=False)


class TimerHeap:
    def __init__(
        self,
        clock: Callable[[], datetime],
        on_due: Callable[[list[Timer]], object],
        *,
        max_sleep: float = MAX_SLEEP,
    ) -> None:
        self._clock = clock
        self._on_due = on_due
        self._max_sleep = max_sleep
        self._heap: list[Timer] = []
        self._by_key: dict[Hashable, Timer] = {}
        self._seq = itertools.count()
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._by_key)

    @property
    def stored(self) -> int:
        """Entries the heap holds, replaced and cancelled ones not yet swept included."""
        return len(self._heap)

    def set(self, key: Hashable, at: datetime, payload: Any = None) -> None:
        """Arm `key` at `at`, replacing whatever it was armed at before."""
        self._kill(key)
        timer = Timer(at, next(self._seq), key, payload)
        self._by_key[key] = timer
        earliest = self._heap[0].at if self._heap else None
        heapq.heappush(self._heap, timer)
        if earliest is None or at < earliest:
            self._changed.set()  # the task may be sleeping past this one

    def set_many(self, entries: Iterable[tuple[Hashable, datetime, Any]]) -> None:
        """Arm many keys at once: one heapify instead of a push each."""
        for key, at, payload in entries:
            self._kill(key)
            timer = Timer(at, next(self._seq), key, payload)
            self._by_key[key] = timer
            self._heap.append(timer)
        heapq.heapify(self._heap)
        self._changed.set()

    def wake(self) -> None:
        """Look at the clock again now: it moved (a test's shifted clock), so timers may
        have come due while the task sleeps towards an instant computed before."""
        self._changed.set()

    def cancel(self, key: Hashable) -> None:
        self._kill(key)

    def cancel_where(self, doomed: Callable[[Hashable], bool]) -> None:
        for key in [k for k in self._by_key if doomed(k)]:
            self._kill(key)

    def when(self, key: Hashable) -> datetime | None:
        timer = self._by_key.get(key)
        return None if timer is None else timer.at

    def pop_due(self, limit: int | None = None) -> list[Timer]:
        """The live timers whose instant has come (at most `limit`), earliest first; they
        are disarmed."""
        now = self._clock()
        due: list[Timer] = []
        while (
            self._heap
            and (limit is None or len(due) < limit)
            and (not self._heap[0].alive or self._heap[0].at <= now)
        ):
            timer = heapq.heappop(self._heap)
            if timer.alive:
                timer.alive = False
                del self._by_key[timer.key]
                due.append(timer)
        return due

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="reminder-timers")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    def _kill(self, key: Hashable) -> None:
        old = self._by_key.pop(key, None)
        if old is not None:
            old.alive = False
        # Dead entries are dropped as they surface; a heap mostly of dead ones is rebuilt.
        if len(self._heap) > 64 and len(self._heap) > 2 * len(self._by_key):
            self._heap = [t for t in self._heap if t.alive]
            heapq.heapify(self._heap)

    def _seconds_to_next(self) -> float:
        while self._heap and not self._heap[0].alive:
            heapq.heappop(self._heap)
        if not self._heap:
            return self._max_sleep
        wait = (self._heap[0].at - self._clock()).total_seconds()
        return min(max(wait, 0.0), self._max_sleep)

    async def _run(self) -> None:
        while True:
            wait = self._seconds_to_next()
            if wait > 0:
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), wait)
                continue
            due = self.pop_due(limit=DUE_PER_TURN)
            if due:
                try:
                    self._on_due(due)
                except Exception:  # one bad batch must not stop every reminder after it
                    log.exception("handling %d due reminder timers failed", len(due))
            await asyncio.sleep(0)
