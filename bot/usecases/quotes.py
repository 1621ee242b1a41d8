"""The server's own benefit quotes: listing, adding and removing them."""

from __future__ import annotations

from bot.store import QuoteLimitReached, StoredQuote, Tx
from bot.store.sql import quotes as quotes_sql
from bot.usecases.services import Services

MAX_QUOTES_PER_GUILD = quotes_sql.MAX_QUOTES_PER_GUILD


async def listed(services: Services, guild_id: int) -> list[StoredQuote]:
    return await services.store.read(lambda tx: quotes_sql.listed(tx, guild_id))


async def add(services: Services, guild_id: int, text: str, added_by: int) -> int:
    """Add a server quote (already cleaned); raises QuoteLimitReached at the limit."""
    now = services.now()

    def work(tx: Tx) -> int:
        if quotes_sql.count(tx, guild_id) >= MAX_QUOTES_PER_GUILD:
            raise QuoteLimitReached
        return quotes_sql.add(tx, guild_id, text, added_by, now)

    quote_id = await services.store.run(work)
    services.quotes.forget_guild(guild_id)
    return quote_id


async def remove(services: Services, guild_id: int, quote_id: int) -> bool:
    removed = await services.store.run(lambda tx: quotes_sql.remove(tx, guild_id, quote_id))
    if removed:
        services.quotes.forget_guild(guild_id)
    return removed
