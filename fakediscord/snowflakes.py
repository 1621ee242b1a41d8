"""Discord snowflake ids generated from the emulator clock."""

from __future__ import annotations

from fakediscord.clock import Clock

DISCORD_EPOCH_MS = 1_420_070_400_000
_INCREMENT_BITS = 12
_INCREMENT_MASK = (1 << _INCREMENT_BITS) - 1


class SnowflakeFactory:
    """Produces strictly increasing snowflakes whose timestamp follows the emulator clock."""

    def __init__(self, clock: Clock, worker_id: int = 1, process_id: int = 0) -> None:
        self._clock = clock
        self._worker = worker_id & 0x1F
        self._process = process_id & 0x1F
        self._last_ms = 0
        self._increment = 0

    def next(self) -> int:
        ms = int(self._clock.now() * 1000) - DISCORD_EPOCH_MS
        if ms <= self._last_ms:
            ms = self._last_ms
            self._increment += 1
            if self._increment > _INCREMENT_MASK:
                ms += 1
                self._increment = 0
        else:
            self._increment = 0
        self._last_ms = ms
        return (ms << 22) | (self._worker << 17) | (self._process << 12) | self._increment

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """The next snowflake whose ``(id >> 22) % shard_count`` is ``shard_id``: a server
        id that Discord routes to that shard. The timestamp moves up to
        ``shard_count - 1`` ms ahead for it, and later ids stay above it."""
        if shard_count < 1 or not 0 <= shard_id < shard_count:
            raise ValueError(f"no shard {shard_id} among {shard_count}")
        candidate = self.next()
        ms = candidate >> 22
        skip = (shard_id - ms) % shard_count
        if skip == 0:
            return candidate
        self._last_ms = ms + skip
        self._increment = 0
        return (self._last_ms << 22) | (self._worker << 17) | (self._process << 12)


def snowflake_time(snowflake: int) -> float:
    """Unix timestamp (seconds) encoded in a snowflake."""
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000.0
