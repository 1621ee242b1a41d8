"""PostgreSQL (or any SQLAlchemy database) behind the same units of work as SQLite.

A unit of work is synchronous code over a `Tx`; SQLAlchemy's `run_sync` runs it against
the async driver inside one transaction. Only imported when the database is not SQLite,
so a SQLite bot never loads SQLAlchemy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.tx import Params, Row, Work

log = logging.getLogger(__name__)


@lru_cache(maxsize=4096)
def _statement(sql: str) -> TextClause:
    # A TextClause is immutable; building one parses its parameters with a regex, which
    # was a tenth of a check-in's CPU on PostgreSQL. The bot's SQL is a few hundred texts.
    return text(sql)


class _LostBeforeCommit(Exception):
    """The connection died inside a unit of work, before its commit was sent."""


class SqlAlchemyTx:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.dialect = connection.dialect.name

    def rows(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        result = self._connection.execute(_statement(sql), dict(params or {}))
        return [row._mapping for row in result]

    def first(self, sql: str, params: Params | None = None) -> Row | None:
        row = self._connection.execute(_statement(sql), dict(params or {})).first()
        return None if row is None else row._mapping

    def scalar(self, sql: str, params: Params | None = None) -> Any:
        return self._connection.execute(_statement(sql), dict(params or {})).scalar()

    def execute(self, sql: str, params: Params | None = None) -> int:
        return self._connection.execute(_statement(sql), dict(params or {})).rowcount

    def execute_many(self, sql: str, params: Iterable[Params]) -> None:
        batch = [dict(p) for p in params]
        if batch:
            self._connection.execute(_statement(sql), batch)


class SqlAlchemyRunner:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    async def start(self) -> None:
        return None

    async def run(self, work: Work[Any], *, write: bool = True) -> Any:
        try:
            return await self._once(work)
        except _LostBeforeCommit:
            # The connection had died (the server restarted, a proxy closed it) before
            # the commit, so nothing of the transaction was kept; SQLAlchemy has dropped
            # the pool's older connections. Once more, on a new one.
            log.warning("the database connection was lost; running the unit of work again")
        try:
            return await self._once(work)
        except _LostBeforeCommit as lost:  # still down: the driver's own error
            raise lost.__cause__ from None  # type: ignore[misc]

    async def _once(self, work: Work[Any]) -> Any:
        async with self.engine.connect() as connection:
            transaction = await connection.begin()
            try:
                result = await connection.run_sync(lambda sync: work(SqlAlchemyTx(sync)))
            except DBAPIError as error:
                if error.connection_invalidated:
                    raise _LostBeforeCommit from error
                raise
            # A connection lost from here on is not retried: the commit may have
            # reached the server.
            await transaction.commit()
            return result

    async def close(self) -> None:
        await self.engine.dispose()
