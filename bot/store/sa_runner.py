"""PostgreSQL (or any SQLAlchemy database) behind the same units of work as SQLite.

A unit of work is synchronous code over a `Tx`; SQLAlchemy's `run_sync` runs it against
the async driver inside one transaction. Only imported when the database is not SQLite,
so a SQLite bot never loads SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.tx import Params, Row, Work


class SqlAlchemyTx:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.dialect = connection.dialect.name

    def rows(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        return [row._mapping for row in self._connection.execute(text(sql), dict(params or {}))]

    def first(self, sql: str, params: Params | None = None) -> Row | None:
        row = self._connection.execute(text(sql), dict(params or {})).first()
        return None if row is None else row._mapping

    def scalar(self, sql: str, params: Params | None = None) -> Any:
        return self._connection.execute(text(sql), dict(params or {})).scalar()

    def execute(self, sql: str, params: Params | None = None) -> int:
        return self._connection.execute(text(sql), dict(params or {})).rowcount

    def execute_many(self, sql: str, params: Iterable[Params]) -> None:
        batch = [dict(p) for p in params]
        if batch:
            self._connection.execute(text(sql), batch)


class SqlAlchemyRunner:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    async def start(self) -> None:
        return None

    async def run(self, work: Work[Any], *, write: bool = True) -> Any:
        async with self.engine.begin() as connection:
            return await connection.run_sync(lambda sync: work(SqlAlchemyTx(sync)))

    async def close(self) -> None:
        await self.engine.dispose()
