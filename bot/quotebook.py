"""Which benefit quote to show: built-ins plus the server's own, never twice in a row."""

from __future__ import annotations

import random
from collections import OrderedDict

from bot.core.quotes import BUILTIN_QUOTES, Quote, guild_quote, pick_quote
from bot.store import Store

_REMEMBERED_CHANNELS = 10_000


class QuoteBook:
    """Caches each server's quotes (all writes go through this process) and the last
    quote shown per channel, so a check-in costs no extra query for its quote."""

    def __init__(self, store: Store, rng: random.Random | None = None) -> None:
        self._store = store
        self._rng = rng or random.Random()
        self._by_guild: dict[int, tuple[Quote, ...]] = {}
        self._last_in_channel: OrderedDict[int, str] = OrderedDict()

    async def pool(self, guild_id: int | None) -> tuple[Quote, ...]:
        if guild_id is None:
            return BUILTIN_QUOTES
        cached = self._by_guild.get(guild_id)
        if cached is None:
            stored = await self._store.list_quotes(guild_id)
            cached = BUILTIN_QUOTES + tuple(guild_quote(q.id, q.text) for q in stored)
            self._by_guild[guild_id] = cached
        return cached

    async def pick(self, guild_id: int | None, channel_id: int) -> Quote:
        pool = await self.pool(guild_id)
        quote = pick_quote(pool, self._last_in_channel.get(channel_id), self._rng)
        self._last_in_channel[channel_id] = quote.key
        self._last_in_channel.move_to_end(channel_id)
        if len(self._last_in_channel) > _REMEMBERED_CHANNELS:
            self._last_in_channel.popitem(last=False)
        return quote

    def forget_guild(self, guild_id: int) -> None:
        """Drop the cache after the server's quotes change."""
        self._by_guild.pop(guild_id, None)
