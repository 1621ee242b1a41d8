"""A clock that end-to-end tests can move: wall time plus an offset read from a file.

Testing only (`LEGDAY_CLOCK_FILE`). The file holds a number of seconds (`3600`, `-5.5`);
the bot's clock is then the wall clock moved by that much, so a test can play a whole
month of recaps and nudges in a minute. The file is read at most every `REREAD` seconds,
so asking the time stays cheap. A file that is missing or holds anything but a number
counts as an offset of 0, with one warning.

Nothing sleeps on this clock: the reminder timers sleep on the event loop's (real) time
until the instant they compute from it. So `follow` re-reads the file in the background
and calls back when the offset moved, and the timers look at the new time at once.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.background import cancel_and_wait

log = logging.getLogger(__name__)

REREAD = 0.2  # seconds a read offset is trusted before the file is read again


class ShiftedClock:
    """`clock()`: the wall time (UTC) plus the offset the file holds."""

    def __init__(
        self,
        path: Path,
        *,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        ticks: Callable[[], float] = time.monotonic,
        reread: float = REREAD,
    ) -> None:
        self.path = path
        self._wall = wall
        self._ticks = ticks
        self._reread = reread
        self._offset = 0.0
        self._read_at: float | None = None
        self._warned = False
        self._task: asyncio.Task[None] | None = None

    def __call__(self) -> datetime:
        return self._wall() + timedelta(seconds=self.offset)

    @property
    def offset(self) -> float:
        """Seconds the clock is ahead of the wall clock (read again when stale)."""
        now = self._ticks()
        if self._read_at is None or now - self._read_at >= self._reread:
            self._read_at = now
            self._offset = self._read()
        return self._offset

    def _read(self) -> float:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
            value = float(text)
            if not math.isfinite(value):
                raise ValueError(text)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            if not self._warned:
                self._warned = True
                log.warning(
                    "LEGDAY_CLOCK_FILE %s does not hold a number of seconds (%s): "
                    "using the wall clock",
                    self.path,
                    type(exc).__name__,
                )
            return 0.0
        return value

    # --- following the file -------------------------------------------------------------

    def follow(self, on_change: Callable[[], object]) -> None:
        """Re-read the file every `reread` seconds in the background and call
        `on_change` whenever the offset moved (e.g. to wake the reminder timers)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._follow(on_change), name="legday-clock-file")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _follow(self, on_change: Callable[[], object]) -> None:
        seen = self.offset
        while True:
            await asyncio.sleep(self._reread)
            current = self.offset
            if current != seen:
                seen = current
                log.info("clock file: the clock is now %+.1f s off the wall clock", current)
                try:
                    on_change()
                except Exception:  # a bad callback must not stop the clock being followed
                    log.exception("reacting to a clock change failed")
