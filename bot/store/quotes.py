"""Server-specific quotes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bot.schema import quotes
from bot.store.base import StoreBase, is_row_id
from bot.store.records import QuoteLimitReached, StoredQuote

MAX_QUOTES_PER_GUILD = 200


class QuoteQueries(StoreBase):
    async def add_quote(self, guild_id: int, text: str, added_by: int, now: datetime) -> int:
        async with self.engine.begin() as conn:
            count = (
                await conn.execute(
                    sa.select(sa.func.count())
                    .select_from(quotes)
                    .where(quotes.c.guild_id == guild_id)
                )
            ).scalar_one()
            if count >= MAX_QUOTES_PER_GUILD:
                raise QuoteLimitReached
            result = await conn.execute(
                quotes.insert()
                .values(guild_id=guild_id, text=text, added_by=added_by, created_at=now)
                .returning(quotes.c.id)
            )
            return int(result.scalar_one())

    async def remove_quote(self, guild_id: int, quote_id: int) -> bool:
        if not is_row_id(quote_id):
            return False
        async with self.engine.begin() as conn:
            result = await conn.execute(
                quotes.delete().where(quotes.c.guild_id == guild_id).where(quotes.c.id == quote_id)
            )
            return result.rowcount == 1

    async def list_quotes(self, guild_id: int) -> list[StoredQuote]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(quotes).where(quotes.c.guild_id == guild_id).order_by(quotes.c.id)
            )
            return [StoredQuote(r.id, r.text, r.added_by, r.created_at) for r in rows]
