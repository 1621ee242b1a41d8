"""Discord's guild sharding: which gateway shard carries a server's events.

Discord routes a server's events to the sessions that identified with ``shard: [i, n]``
where ``i == (guild_id >> 22) % n``; events of no server (DMs) go to shard 0 only. A session
that identified without ``shard`` is shard ``[0, 1]``: it gets everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Discord: "Each shard can only support a maximum of 2500 guilds" (close 4011 beyond it).
MAX_GUILDS_PER_SHARD = 2500
# Discord's identify limit: `max_concurrency` sessions may start per this many seconds.
IDENTIFY_WINDOW = 5.0


def shard_of(guild_id: int | None, shard_count: int) -> int:
    """The shard that carries the events of ``guild_id`` (None: a DM, shard 0)."""
    if shard_count < 1:
        raise ValueError(f"a bot has at least one shard, not {shard_count}")
    if guild_id is None:
        return 0
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class Shard:
    """``[id, count]`` as a session identified with it."""

    id: int = 0
    count: int = 1

    @classmethod
    def parse(cls, raw: Any) -> Shard | None:
        """The shard an IDENTIFY asked for (``None`` absent: ``[0, 1]``); ``None`` returned
        means invalid (Discord closes with 4010)."""
        if raw is None:
            return cls()
        if not isinstance(raw, list | tuple) or len(raw) != 2:
            return None
        shard_id, count = raw
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (shard_id, count)):
            return None
        if count < 1 or not 0 <= shard_id < count:
            return None
        return cls(shard_id, count)

    def carries(self, guild_id: int | None) -> bool:
        """Whether events of ``guild_id`` (None: not of a server) reach this shard."""
        return shard_of(guild_id, self.count) == self.id

    def bucket(self, max_concurrency: int) -> int:
        """Discord's identify rate-limit key: ``shard_id % max_concurrency``."""
        return self.id % max(1, max_concurrency)

    def __str__(self) -> str:
        return f"[{self.id}, {self.count}]"
