"""What a unit of work sees of the database: SQL text in, rows out, one transaction.

Every query of the bot is portable SQL text with `:name` parameters, run unchanged by
SQLite (through `sqlite3`, on the store's own thread) and by PostgreSQL (through psycopg,
on the store's own threads). Rows are read by column name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

Params = Mapping[str, Any]


class Row(Protocol):
    def __getitem__(self, key: str) -> Any: ...


class Tx(Protocol):
    """One open transaction. Methods are synchronous: a unit of work runs start to end
    on the database's side without going back to the event loop."""

    dialect: str  # "sqlite" or "postgresql"

    def rows(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        """Every row the statement returns."""
        ...

    def first(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row, or None."""
        ...

    def scalar(self, sql: str, params: Params | None = None) -> Any:
        """The first column of the first row, or None."""
        ...

    def execute(self, sql: str, params: Params | None = None) -> int:
        """Run a statement; returns how many rows it changed."""
        ...

    def execute_many(self, sql: str, params: Iterable[Params]) -> None:
        """Run one statement once per parameter set."""
        ...


Work = Callable[[Tx], T]
