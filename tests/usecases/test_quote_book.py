"""The quote book: a server's pool is read once, and adding or removing a quote there
(and only there) makes the next pick see the change."""

from __future__ import annotations

import random
from collections import OrderedDict
from datetime import UTC, datetime
from itertools import pairwise

from bot.core.quotes import BUILTIN_QUOTES, guild_quote
from bot.store import Store
from bot.usecases import quotes
from bot.usecases.quote_book import QuoteBook, _remember
from tests.support import make_services

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def test_a_change_of_quotes_reaches_that_servers_pool_only(store: Store):
    services = make_services(store, lambda: NOW)
    book = services.quotes
    assert await book.pool(None) == BUILTIN_QUOTES
    assert await book.pool(1) == BUILTIN_QUOTES
    other = await quotes.add(services, 2, "Theirs.", added_by=5)
    assert await book.pool(2) == (*BUILTIN_QUOTES, guild_quote(other, "Theirs."))

    ours = await quotes.add(services, 1, "Squat first.", added_by=5)
    assert await book.pool(1) == (*BUILTIN_QUOTES, guild_quote(ours, "Squat first."))
    assert await book.pool(2) == (*BUILTIN_QUOTES, guild_quote(other, "Theirs."))
    assert [q.text for q in await quotes.listed(services, 1)] == ["Squat first."]

    assert await quotes.remove(services, 1, ours) is True
    assert await book.pool(1) == BUILTIN_QUOTES
    assert await quotes.remove(services, 1, ours) is False
    assert await book.pool(2) == (*BUILTIN_QUOTES, guild_quote(other, "Theirs."))


async def test_a_pool_is_read_once_until_it_changes(store: Store):
    book = QuoteBook(store)
    assert await book.pool(1) == BUILTIN_QUOTES
    services = make_services(store, lambda: NOW)
    await quotes.add(services, 1, "Behind the book's back.", added_by=5)  # another book
    assert await book.pool(1) == BUILTIN_QUOTES
    book.forget_guild(2)
    assert await book.pool(1) == BUILTIN_QUOTES
    book.forget_guild(1)
    assert len(await book.pool(1)) == len(BUILTIN_QUOTES) + 1


async def test_a_channel_never_gets_the_same_quote_twice_in_a_row(store: Store):
    book = QuoteBook(store, random.Random(7))
    picks = [(await book.pick(None, 100)).key for _ in range(200)]
    assert all(a != b for a, b in pairwise(picks))
    # Each channel remembers its own last quote.
    first = await book.pick(None, 200)
    assert (await book.pick(None, 300)).key in {q.key for q in BUILTIN_QUOTES}
    assert (await book.pick(None, 200)).key != first.key


async def test_a_servers_own_quotes_are_picked_too(store: Store):
    services = make_services(store, lambda: NOW)
    ours = await quotes.add(services, 1, "Squat first.", added_by=5)
    book = QuoteBook(store, random.Random(3))
    keys = {(await book.pick(1, 100)).key for _ in range(400)}
    assert f"guild:{ours}" in keys
    assert keys <= {q.key for q in BUILTIN_QUOTES} | {f"guild:{ours}"}


def test_remembering_drops_the_least_recently_set_entry_past_the_limit():
    remembered: OrderedDict[int, str] = OrderedDict()
    for key in (1, 2):
        _remember(remembered, key, f"v{key}", 2)
    assert list(remembered.items()) == [(1, "v1"), (2, "v2")]  # at the limit: both kept
    _remember(remembered, 1, "again", 2)  # set again: now the most recent
    _remember(remembered, 3, "v3", 2)
    assert list(remembered.items()) == [(1, "again"), (3, "v3")]
