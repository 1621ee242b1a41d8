"""Server quotes, and a member's export and erasure."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.days import zone
from bot.store import QuoteLimitReached, Store, StoredQuote
from bot.store.sql import quotes as quotes_sql
from bot.usecases import preferences, privacy, quotes
from bot.usecases.quotes import MAX_QUOTES_PER_GUILD
from bot.usecases.services import Services
from tests.support import make_services, member_stats, record_day, sql_rows

GUILD = 700
OTHER_GUILD = 701
ALICE = 10
BOB = 20
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MON = date(2026, 11, 2)


@pytest.fixture
def services(store: Store) -> Services:
    return make_services(store, lambda: NOW)


async def record(store: Store, guild: int, user: int, day: date, note: str | None = None):
    await record_day(store, guild, user, day, now=NOW, note=note)


async def count(store: Store, table: str, guild: int, user: int) -> int:
    rows = await sql_rows(
        store,
        f"SELECT count(*) AS n FROM {table} WHERE guild_id = :g AND user_id = :u",
        g=guild,
        u=user,
    )
    return int(rows[0]["n"])


async def test_add_list_and_remove_quotes(store: Store, services: Services):
    first = await quotes.add(services, GUILD, "Squat low, stand tall.", ALICE)
    second = await quotes.add(services, GUILD, "Lunges build character.", BOB)
    elsewhere = await quotes.add(services, OTHER_GUILD, "Other server.", ALICE)

    assert second > first
    assert await store.list_quotes(GUILD) == [
        StoredQuote(first, "Squat low, stand tall.", ALICE, NOW),
        StoredQuote(second, "Lunges build character.", BOB, NOW),
    ]
    # A quote id from another server cannot be removed from this one.
    assert await quotes.remove(services, GUILD, elsewhere) is False
    assert await quotes.remove(services, GUILD, first) is True
    assert await quotes.remove(services, GUILD, first) is False
    assert [q.id for q in await store.list_quotes(GUILD)] == [second]
    assert [q.id for q in await store.list_quotes(OTHER_GUILD)] == [elsewhere]


async def test_quote_limit_per_guild(store: Store, services: Services):
    await store.run(
        lambda tx: [
            quotes_sql.add(tx, GUILD, f"q{i}", ALICE, NOW) for i in range(MAX_QUOTES_PER_GUILD - 1)
        ]
    )
    await quotes.add(services, GUILD, "the last one that fits", ALICE)

    with pytest.raises(QuoteLimitReached):
        await quotes.add(services, GUILD, "one too many", ALICE)

    assert len(await store.list_quotes(GUILD)) == MAX_QUOTES_PER_GUILD
    # The limit is per server.
    assert await quotes.add(services, OTHER_GUILD, "fine here", ALICE) > 0


async def test_export_member_contains_everything_with_string_ids(store: Store, services: Services):
    guild = 1_234_567_890_123_456_789
    user = 987_654_321_098_765_432
    await preferences.set_timezone(services, guild, user, zone("Europe/London"))
    await preferences.set_reminders(services, guild, user, True)
    await record(store, guild, user, MON, note="front squats")
    await record(store, guild, user, MON + timedelta(days=2))
    quote_id = await quotes.add(services, guild, "Mine", user)
    await quotes.add(services, guild, "Someone else's", BOB)
    await record(store, OTHER_GUILD, user, MON, note="other server")

    data = await store.export_member(guild, user)

    assert json.loads(json.dumps(data)) == data  # JSON-ready as it is
    assert data["guild_id"] == "1234567890123456789"
    assert data["user_id"] == "987654321098765432"
    assert data["settings"] == {
        "timezone": "Europe/London",
        "reminders_opt_in": True,
        "remind_via": "channel",
        "hidden": False,
        "weight_unit": "kg",
    }
    assert data["summary"] == {
        "total": 2,
        "best_streak_weeks": 1,
        "shields": 0,
        "last_day": (MON + timedelta(days=2)).isoformat(),
    }
    assert data["paused_weeks"] == []
    assert data["messages_to_you"] == []
    assert data["checkins"] == [
        {
            "day": "2026-11-02",
            "created_at": NOW.isoformat(),
            "note": "front squats",
            "source": "command",
        },
        {"day": "2026-11-04", "created_at": NOW.isoformat(), "note": None, "source": "command"},
    ]
    assert data["quotes_added"] == [{"id": quote_id, "text": "Mine", "created_at": NOW.isoformat()}]


async def test_export_of_an_unknown_member_is_empty_but_complete(store: Store, services: Services):
    data = await store.export_member(GUILD, ALICE)
    assert data == {
        "guild_id": str(GUILD),
        "user_id": str(ALICE),
        "settings": {
            "timezone": None,
            "reminders_opt_in": False,
            "remind_via": "channel",
            "hidden": False,
            "weight_unit": "kg",
        },
        "summary": {"total": 0, "best_streak_weeks": 0, "shields": 0, "last_day": None},
        "paused_weeks": [],
        "messages_to_you": [],
        "checkins": [],
        "lift_sets": [],
        "quotes_added": [],
    }


async def test_forget_member_only_touches_that_member_in_that_guild(
    store: Store, services: Services
):
    for guild in (GUILD, OTHER_GUILD):
        for user in (ALICE, BOB):
            await preferences.set_timezone(services, guild, user, zone("Europe/Paris"))
            await record(store, guild, user, MON, note="n")
            await record(store, guild, user, MON + timedelta(days=1))
    alice_quote = await quotes.add(services, GUILD, "Alice's", ALICE)
    bob_quote = await quotes.add(services, GUILD, "Bob's", BOB)
    alice_elsewhere = await quotes.add(services, OTHER_GUILD, "Alice elsewhere", ALICE)

    removed = await privacy.forget(services, GUILD, ALICE)

    assert removed == 2
    for table in ("checkins", "member_stats", "member_periods", "members"):
        assert await count(store, table, GUILD, ALICE) == 0
        assert await count(store, table, GUILD, BOB) > 0
        assert await count(store, table, OTHER_GUILD, ALICE) > 0
    assert (await member_stats(store, OTHER_GUILD, ALICE)).total == 2
    assert (await store.member_config(OTHER_GUILD, ALICE)).timezone == "Europe/Paris"
    by_id = {q.id: q for q in await store.list_quotes(GUILD)}
    assert by_id[alice_quote].added_by == 0
    assert by_id[alice_quote].text == "Alice's"  # the server keeps the quote itself
    assert by_id[bob_quote].added_by == BOB
    assert (await store.list_quotes(OTHER_GUILD))[0].id == alice_elsewhere
    assert (await store.list_quotes(OTHER_GUILD))[0].added_by == ALICE
    assert (await store.export_member(GUILD, ALICE))["checkins"] == []

    assert await privacy.forget(services, GUILD, ALICE) == 0
