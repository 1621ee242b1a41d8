"""Which servers a process serves when the bot runs as several shard processes.

Discord puts a server on shard `(guild_id >> 22) % shard_count`; its events reach only the
connection of that shard, so only the process holding it can answer there. Timed work
(reminders, recaps, nudges, milestone-role sweeps) follows the same rule, so every server's
timers live in exactly one process.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# guild_id >> 22, written as a division so the same SQL runs on SQLite and PostgreSQL.
_SNOWFLAKE_TIME_SHIFT = 1 << 22


def shard_of(guild_id: int, shard_count: int) -> int:
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class ShardScope:
    """The shards this process holds, out of `count`."""

    count: int = 1
    ids: frozenset[int] = frozenset({0})

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a bot has at least one shard")
        if not self.ids or any(not 0 <= i < self.count for i in self.ids):
            raise ValueError(f"shard ids must be from 0 to {self.count - 1}")

    @property
    def everything(self) -> bool:
        return len(self.ids) == self.count

    def owns(self, guild_id: int) -> bool:
        return self.everything or shard_of(guild_id, self.count) in self.ids

    def where(self, column: str = "guild_id") -> str:
        """An SQL condition keeping the rows of this process's servers (`TRUE` when it
        holds every shard). Only integers the scope checked are written into it."""
        if self.everything:
            return "1 = 1"
        held = ", ".join(str(i) for i in sorted(self.ids))
        return f"(({column} / {_SNOWFLAKE_TIME_SHIFT}) % {self.count}) IN ({held})"

    def describe(self) -> str:
        if self.count == 1:
            return "one shard"
        return f"shards {','.join(map(str, sorted(self.ids)))} of {self.count}"


EVERYTHING = ShardScope()


def named(shard_ids: Iterable[int]) -> str:
    """`shard 3`, `shards 0 and 1`, `shards 0, 1 and 2`: for log lines and errors."""
    ids = [str(shard_id) for shard_id in sorted(shard_ids)]
    if len(ids) == 1:
        return f"shard {ids[0]}"
    return f"shards {', '.join(ids[:-1])} and {ids[-1]}"
