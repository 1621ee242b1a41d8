"""Server quotes, and a member's export and erasure."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.schema import checkins, member_stats, members, quotes
from bot.store import QuoteLimitReached, Store, StoredQuote
from bot.store.quotes import MAX_QUOTES_PER_GUILD

GUILD = 700
OTHER_GUILD = 701
ALICE = 10
BOB = 20
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MON = date(2026, 11, 2)


async def record(store: Store, guild: int, user: int, day: date, note: str | None = None):
    await store.record_checkin(
        guild, user, day, now=NOW, note=note, source="command", weekly_target=1
    )


async def count(store: Store, table: sa.Table, guild: int, user: int) -> int:
    async with store.engine.connect() as conn:
        return (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(table)
                .where(table.c.guild_id == guild)
                .where(table.c.user_id == user)
            )
        ).scalar_one()


async def test_add_list_and_remove_quotes(store: Store):
    first = await store.add_quote(GUILD, "Squat low, stand tall.", ALICE, NOW)
    second = await store.add_quote(GUILD, "Lunges build character.", BOB, NOW)
    elsewhere = await store.add_quote(OTHER_GUILD, "Other server.", ALICE, NOW)

    assert second > first
    assert await store.list_quotes(GUILD) == [
        StoredQuote(first, "Squat low, stand tall.", ALICE, NOW),
        StoredQuote(second, "Lunges build character.", BOB, NOW),
    ]
    # A quote id from another server cannot be removed from this one.
    assert await store.remove_quote(GUILD, elsewhere) is False
    assert await store.remove_quote(GUILD, first) is True
    assert await store.remove_quote(GUILD, first) is False
    assert [q.id for q in await store.list_quotes(GUILD)] == [second]
    assert [q.id for q in await store.list_quotes(OTHER_GUILD)] == [elsewhere]


async def test_quote_limit_per_guild(store: Store):
    async with store.engine.begin() as conn:
        await conn.execute(
            quotes.insert(),
            [
                {"guild_id": GUILD, "text": f"q{i}", "added_by": ALICE, "created_at": NOW}
                for i in range(MAX_QUOTES_PER_GUILD - 1)
            ],
        )
    await store.add_quote(GUILD, "the last one that fits", ALICE, NOW)

    with pytest.raises(QuoteLimitReached):
        await store.add_quote(GUILD, "one too many", ALICE, NOW)

    assert len(await store.list_quotes(GUILD)) == MAX_QUOTES_PER_GUILD
    # The limit is per server.
    assert await store.add_quote(OTHER_GUILD, "fine here", ALICE, NOW) > 0


async def test_export_member_contains_everything_with_string_ids(store: Store):
    guild = 1_234_567_890_123_456_789
    user = 987_654_321_098_765_432
    await store.set_member_timezone(guild, user, "Europe/London")
    await store.set_reminders(guild, user, True)
    await record(store, guild, user, MON, note="front squats")
    await record(store, guild, user, MON + timedelta(days=2))
    quote_id = await store.add_quote(guild, "Mine", user, NOW)
    await store.add_quote(guild, "Someone else's", BOB, NOW)
    await record(store, OTHER_GUILD, user, MON, note="other server")

    data = await store.export_member(guild, user)

    assert json.loads(json.dumps(data)) == data  # JSON-ready as it is
    assert data["guild_id"] == "1234567890123456789"
    assert data["user_id"] == "987654321098765432"
    assert data["settings"] == {
        "timezone": "Europe/London",
        "reminders_opt_in": True,
        "hidden": False,
    }
    assert data["summary"] == {
        "total": 2,
        "best_streak_weeks": 1,
        "last_day": (MON + timedelta(days=2)).isoformat(),
    }
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


async def test_export_of_an_unknown_member_is_empty_but_complete(store: Store):
    data = await store.export_member(GUILD, ALICE)
    assert data == {
        "guild_id": str(GUILD),
        "user_id": str(ALICE),
        "settings": {"timezone": None, "reminders_opt_in": False, "hidden": False},
        "summary": {"total": 0, "best_streak_weeks": 0, "last_day": None},
        "checkins": [],
        "quotes_added": [],
    }


async def test_forget_member_only_touches_that_member_in_that_guild(store: Store):
    for guild in (GUILD, OTHER_GUILD):
        for user in (ALICE, BOB):
            await store.set_member_timezone(guild, user, "Europe/Paris")
            await record(store, guild, user, MON, note="n")
            await record(store, guild, user, MON + timedelta(days=1))
    alice_quote = await store.add_quote(GUILD, "Alice's", ALICE, NOW)
    bob_quote = await store.add_quote(GUILD, "Bob's", BOB, NOW)
    alice_elsewhere = await store.add_quote(OTHER_GUILD, "Alice elsewhere", ALICE, NOW)

    removed = await store.forget_member(GUILD, ALICE)

    assert removed == 2
    for table in (checkins, member_stats, members):
        assert await count(store, table, GUILD, ALICE) == 0
        assert await count(store, table, GUILD, BOB) > 0
        assert await count(store, table, OTHER_GUILD, ALICE) > 0
    assert (await store.member_stats(OTHER_GUILD, ALICE)).total == 2
    assert (await store.member_config(OTHER_GUILD, ALICE)).timezone == "Europe/Paris"
    by_id = {q.id: q for q in await store.list_quotes(GUILD)}
    assert by_id[alice_quote].added_by == 0
    assert by_id[alice_quote].text == "Alice's"  # the server keeps the quote itself
    assert by_id[bob_quote].added_by == BOB
    assert (await store.list_quotes(OTHER_GUILD))[0].id == alice_elsewhere
    assert (await store.list_quotes(OTHER_GUILD))[0].added_by == ALICE
    assert (await store.export_member(GUILD, ALICE))["checkins"] == []

    assert await store.forget_member(GUILD, ALICE) == 0
