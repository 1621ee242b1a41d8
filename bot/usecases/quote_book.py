"""The quote book: each server's pool of benefit quotes, cached, and the last one shown
per channel (a service the use cases share; the use cases that change quotes are in
`quotes`)."""

from __future__ import annotations

import random
from collections import OrderedDict
from typing import TypeVar

from bot.core.quotes import BUILTIN_QUOTES, Quote, guild_quote, pick_quote
from bot.store import Store
from bot.store.sql import quotes as quotes_sql

V = TypeVar("V")
_REMEMBERED_CHANNELS = 10_000
_REMEMBERED_GUILDS = 10_000


class QuoteBook:
    """Each server's quotes (dropped by the use cases that change them) and the last
    quote shown per channel, so a check-in costs no query for its quote. Both bounded."""

    def __init__(self, store: Store, rng: random.Random | None = None) -> None:
        self._store = store
        self._rng = rng or random.Random()
        self._by_guild: OrderedDict[int, tuple[Quote, ...]] = OrderedDict()
        self._last_in_channel: OrderedDict[int, str] = OrderedDict()

    async def pool(self, guild_id: int | None) -> tuple[Quote, ...]:
        if guild_id is None:
            return BUILTIN_QUOTES
        cached = self._by_guild.get(guild_id)
        if cached is None:
            stored = await self._store.read(lambda tx: quotes_sql.listed(tx, guild_id))
            cached = BUILTIN_QUOTES + tuple(guild_quote(q.id, q.text) for q in stored)
            _remember(self._by_guild, guild_id, cached, _REMEMBERED_GUILDS)
        return cached

    async def pick(self, guild_id: int | None, channel_id: int) -> Quote:
        pool = await self.pool(guild_id)
        quote = pick_quote(pool, self._last_in_channel.get(channel_id), self._rng)
        _remember(self._last_in_channel, channel_id, quote.key, _REMEMBERED_CHANNELS)
        return quote

    def forget_guild(self, guild_id: int) -> None:
        self._by_guild.pop(guild_id, None)


def _remember(cache: OrderedDict[int, V], key: int, value: V, limit: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > limit:
        cache.popitem(last=False)
