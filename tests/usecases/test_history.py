"""Recording past check-ins (imports, the sandbox's seed): each new day goes through the
same rules as a live check-in, in the member's own zone, and a day already there is kept."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.core.streaks import rebuild
from bot.store import Store
from bot.store.sql import settings as settings_sql
from bot.usecases.history import PastCheckin, record_history
from tests.support import member_stats, record_day, sql_rows

MON = date(2026, 11, 2)
AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


async def test_new_days_are_stored_as_given_and_counted_with_the_servers_target(store: Store):
    await store.run(lambda tx: settings_sql.set_weekly_target(tx, 1, 2))
    await record_day(store, 1, 10, MON, note="kept", source="command", now=AT)
    history = [
        PastCheckin(MON, datetime(2026, 1, 1, tzinfo=UTC), "replaced?", "import"),
        PastCheckin(date(2026, 11, 3), datetime(2026, 11, 3, 7, 0, tzinfo=UTC), "squats"),
        PastCheckin(date(2026, 11, 10), datetime(2026, 11, 10, 8, 0, tzinfo=UTC), None, "seed"),
    ]
    state = await store.run(lambda tx: record_history(tx, 1, 10, history, default_zone="UTC"))

    expected = rebuild([MON, date(2026, 11, 3), date(2026, 11, 10)], 2)
    assert state == expected == await member_stats(store, 1, 10)
    assert (state.run, state.best, state.total) == (1, 1, 3)  # target 2: only week one met
    rows = await sql_rows(
        store,
        "SELECT day, created_at, note, source FROM checkins WHERE guild_id = 1 ORDER BY day",
    )
    assert [(r["day"], r["note"], r["source"]) for r in rows] == [
        (MON, "kept", "command"),  # already there: left as it was
        (date(2026, 11, 3), "squats", "import"),
        (date(2026, 11, 10), None, "seed"),
    ]
    assert [r["created_at"] for r in rows][1:] == [
        datetime(2026, 11, 3, 7, 0, tzinfo=UTC),
        datetime(2026, 11, 10, 8, 0, tzinfo=UTC),
    ]


async def test_the_streak_expiry_is_written_in_the_members_own_zone(store: Store):
    await store.run(lambda tx: settings_sql.set_guild_timezone(tx, 1, "Asia/Tokyo"))
    await store.run(lambda tx: settings_sql.set_member(tx, 1, 10, "timezone", "America/Denver"))
    await store.run(lambda tx: settings_sql.set_guild_timezone(tx, 2, "Asia/Tokyo"))
    checkin = [PastCheckin(MON, AT)]
    await store.run(lambda tx: record_history(tx, 1, 10, checkin, default_zone="Europe/Paris"))
    await store.run(lambda tx: record_history(tx, 2, 10, checkin, default_zone="Europe/Paris"))
    await store.run(lambda tx: record_history(tx, 3, 10, checkin, default_zone="Europe/Paris"))
    rows = await sql_rows(
        store, "SELECT guild_id, alive_until FROM member_stats WHERE user_id = 10 ORDER BY guild_id"
    )
    # The week of 2 November met: the streak breaks when 16 November begins, locally.
    assert [r["alive_until"] for r in rows] == [
        datetime(2026, 11, 16, 7, 0, tzinfo=UTC),  # Denver: the member's own zone
        datetime(2026, 11, 15, 15, 0, tzinfo=UTC),  # Tokyo: the server's
        datetime(2026, 11, 15, 23, 0, tzinfo=UTC),  # Paris: the bot's default
    ]
