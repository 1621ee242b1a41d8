"""The emulator's clock: real time plus an offset that tests can advance."""

from __future__ import annotations

import datetime as dt
import time


class Clock:
    """Wall-clock time with an advanceable offset.

    Every time-based check in the emulator (the 3 second interaction deadline, the 15 minute
    interaction token lifetime, nonce windows, snowflake timestamps) reads this clock, so a test
    can jump ahead with :meth:`advance` instead of sleeping.
    """

    def __init__(self) -> None:
        self._offset = 0.0

    @property
    def offset(self) -> float:
        return self._offset

    def now(self) -> float:
        """Seconds since the Unix epoch, shifted by the current offset."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or backward, with a negative value)."""
        self._offset += seconds

    def reset(self) -> None:
        self._offset = 0.0

    def iso(self, at: float | None = None) -> str:
        """ISO-8601 timestamp as Discord sends it (``2024-01-01T00:00:00.000000+00:00``)."""
        moment = self.now() if at is None else at
        return iso_timestamp(moment)


def iso_timestamp(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).isoformat(timespec="microseconds")
