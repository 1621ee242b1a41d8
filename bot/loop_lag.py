"""Watching the event loop for stalls.

A task asks to wake every `period` and measures how late it woke: that lateness is how
long something held the loop (a slow callback, a blocking call, a long batch of work).
Each stall longer than `warn_after` is one WARNING line with its length, so an operator
(and the start-up benchmark) can see when the bot stops answering for a moment.

Every `report_every` seconds one INFO line sums the lateness up (p50, p99, max), so a
long-running bot (and the soak test, which reads it from the log) has its own numbers.
On a shared machine a late wake-up is not always the bot's doing: the loop's thread may
have been ready to run while the CPU ran someone else. Linux counts that time per thread
(run-queue wait, `/proc/thread-self/schedstat`), so the report also gives the lateness
left once that wait is taken out, and the bot's CPU use over the period.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.background import cancel_and_wait

log = logging.getLogger(__name__)

PERIOD = 0.05
SCHEDSTAT = "/proc/thread-self/schedstat"


def percentile(ordered: Sequence[float], share: float) -> float:
    """The value at `share` (0..1) of sorted samples, nearest rank; 0 for none."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


class RunQueueClock:
    """Seconds this thread has spent ready to run but waiting for a CPU (Linux schedstat's
    second field), or None where the kernel does not say."""

    def __init__(self, path: str = SCHEDSTAT) -> None:
        self._fd: int | None = None
        with contextlib.suppress(OSError):
            self._fd = os.open(path, os.O_RDONLY)
        if self.read() is None:
            self.close()

    def read(self) -> float | None:
        if self._fd is None:
            return None
        try:
            fields = os.pread(self._fd, 128, 0).split()
            return int(fields[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return None

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


@dataclass(frozen=True, slots=True)
class LagReport:
    """One period's numbers, in seconds (shares as 0..1)."""

    seconds: float  # wall time the report covers
    samples: int
    p50: float
    p99: float
    longest: float
    #: the same, with each sample's wait for a CPU (run-queue time) taken out; None
    #: where the kernel does not report it
    own_p99: float | None
    own_longest: float | None
    cpu_wait: float | None  # total run-queue wait of the loop's thread
    cpu_share: float  # process CPU time / wall time (1.0 = one CPU busy)
    gc_pauses: int  # full (generation 2) collections
    gc_longest: float  # longest collection of any generation
    gc_longest_cpu: float  # the CPU time of that one

    def line(self) -> str:
        def ms(value: float) -> str:
            return f"{value * 1000:.1f} ms"

        text = (
            f"event loop lag over {self.seconds:.0f} s ({self.samples} samples): "
            f"p50 {ms(self.p50)}, p99 {ms(self.p99)}, max {ms(self.longest)}"
        )
        if self.own_p99 is not None and self.own_longest is not None:
            assert self.cpu_wait is not None
            text += (
                f"; without waiting for a CPU: p99 {ms(self.own_p99)}, "
                f"max {ms(self.own_longest)} (waited {self.cpu_wait:.2f} s)"
            )
        return text + (
            f"; CPU {self.cpu_share * 100:.0f}%; "
            f"full GC {self.gc_pauses}, longest GC {ms(self.gc_longest)} "
            f"({ms(self.gc_longest_cpu)} CPU)"
        )


class GcTimer:
    """How long the garbage collector holds the loop: gc.callbacks around each run, in
    wall time and in this thread's CPU time (on a shared machine the two differ when the
    collector is put off the CPU halfway)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.perf_counter,
        cpu_clock: Callable[[], float] = time.thread_time,
    ) -> None:
        self._clock = clock
        self._cpu_clock = cpu_clock
        self._started = (0.0, 0.0)
        self.full = 0
        self.longest = 0.0
        self.longest_cpu = 0.0  # CPU time of that longest one

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = (self._clock(), self._cpu_clock())
            return
        took = self._clock() - self._started[0]
        if took > self.longest:
            self.longest, self.longest_cpu = took, self._cpu_clock() - self._started[1]
        if info.get("generation") == 2:
            self.full += 1

    def take(self) -> tuple[int, float, float]:
        """Full collections, the longest collection and its CPU time; and start anew."""
        found = (self.full, self.longest, self.longest_cpu)
        self.full, self.longest, self.longest_cpu = 0, 0.0, 0.0
        return found


class LoopLagMonitor:
    def __init__(
        self,
        warn_after: float,
        *,
        report_every: float = 0.0,
        period: float = PERIOD,
        clock: Callable[[], float] = time.perf_counter,
        cpu_clock: Callable[[], float] = time.process_time,
        run_queue: Callable[[], float | None] | None = None,
    ) -> None:
        self.warn_after = warn_after
        self.report_every = report_every  # seconds between INFO reports; 0 = none
        self.period = period
        self.longest = 0.0  # seconds: the longest stall seen since start()
        self.stalls = 0  # stalls longer than warn_after
        self.reports: list[LagReport] = []  # the last few, newest last
        self._clock = clock
        self._cpu_clock = cpu_clock
        self._run_queue = run_queue
        self._own_run_queue: RunQueueClock | None = None
        self._gc = GcTimer(clock)
        self._task: asyncio.Task[None] | None = None
        # Samples since the last report: lateness, and lateness net of run-queue wait.
        self._lags: list[float] = []
        self._own: list[float] = []
        self._waited = 0.0
        self._since = 0.0
        self._cpu_since = 0.0

    def start(self) -> None:
        if self._task is None or self._task.done():
            if self._run_queue is None:
                # Read by the loop's own thread: schedstat of the thread that opened it.
                self._own_run_queue = RunQueueClock()
                self._run_queue = self._own_run_queue.read
            if self.report_every > 0 and self._gc not in gc.callbacks:
                gc.callbacks.append(self._gc)
            self._restart_period()
            self._task = asyncio.create_task(self._watch(), name="loop-lag-monitor")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)
        if self._own_run_queue is not None:
            self._own_run_queue.close()
            self._own_run_queue = None
            self._run_queue = None

    def _restart_period(self) -> None:
        self._lags, self._own, self._waited = [], [], 0.0
        self._since, self._cpu_since = self._clock(), self._cpu_clock()
        self._gc.take()

    async def _watch(self) -> None:
        assert self._run_queue is not None
        run_queue = self._run_queue
        while True:
            asked = self._clock()
            queued = run_queue()
            await asyncio.sleep(self.period)
            woke = self._clock()
            lag = max(0.0, woke - asked - self.period)
            self.note(lag, queued, run_queue())
            if self.report_every > 0 and woke - self._since >= self.report_every:
                self.report(woke)

    def note(self, lag: float, queued_before: float | None, queued_after: float | None) -> None:
        """One wake-up `lag` seconds late; the run-queue clock read around it."""
        self.longest = max(self.longest, lag)
        if lag > self.warn_after:
            self.stalls += 1
            log.warning("the event loop was blocked for %d ms", round(lag * 1000))
        if self.report_every <= 0:
            return
        self._lags.append(lag)
        if queued_before is not None and queued_after is not None:
            waited = max(0.0, queued_after - queued_before)
            self._waited += waited
            self._own.append(max(0.0, lag - waited))

    def report(self, now: float | None = None) -> LagReport:
        """Sum up the samples since the last report in one INFO line, and start anew."""
        now = self._clock() if now is None else now
        lags, own = sorted(self._lags), sorted(self._own)
        wall = max(now - self._since, 1e-9)
        full, gc_longest, gc_longest_cpu = self._gc.take()
        measured_own = bool(own) and len(own) == len(lags)
        found = LagReport(
            seconds=wall,
            samples=len(lags),
            p50=percentile(lags, 0.50),
            p99=percentile(lags, 0.99),
            longest=lags[-1] if lags else 0.0,
            own_p99=percentile(own, 0.99) if measured_own else None,
            own_longest=own[-1] if measured_own else None,
            cpu_wait=self._waited if measured_own else None,
            cpu_share=(self._cpu_clock() - self._cpu_since) / wall,
            gc_pauses=full,
            gc_longest=gc_longest,
            gc_longest_cpu=gc_longest_cpu,
        )
        self.reports = [*self.reports[-9:], found]
        log.info("%s", found.line())
        self._restart_period()
        return found
