"""How many commands a member may run in a window: one allowance per member, every command.

discord.py's `CooldownMapping` walks every bucket it holds on every command to drop the
idle ones, so a burst of N members costs N² steps; this keeps the same `Cooldown`
buckets and sweeps the idle ones once per window instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from discord.ext import commands


class MemberCooldowns:
    def __init__(self, rate: int, per: float, *, clock: Callable[[], float] = time.time) -> None:
        self._rate = rate
        self._per = per
        self._clock = clock
        self._buckets: dict[Hashable, commands.Cooldown] = {}
        self._swept = clock()

    def spend(self, key: Hashable) -> tuple[commands.Cooldown, float | None]:
        """Take one command from `key`'s allowance: its bucket, and how long to wait
        when the allowance is used up (else None)."""
        now = self._clock()
        if now - self._swept >= self._per:
            self._sweep(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = commands.Cooldown(self._rate, self._per)
        return bucket, bucket.update_rate_limit(now)

    def _sweep(self, now: float) -> None:
        # A full bucket (idle long enough) is the same as no bucket at all.
        self._buckets = {k: b for k, b in self._buckets.items() if b.get_tokens(now) < b.rate}
        self._swept = now

    def __len__(self) -> int:
        return len(self._buckets)
