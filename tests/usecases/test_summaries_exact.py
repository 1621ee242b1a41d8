"""The summary rows stay exactly what a full recomputation from history gives, whatever
happens to a server: check-ins in any order, undo, hiding, time zone and target changes,
pauses, the shield rule, forget. Compared row for row after every step, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import itertools
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.days import zone
from bot.core.errors import InputError
from bot.store import Store, Tx
from bot.store.sql import scores as scores_sql
from bot.store.sql import summaries as summaries_sql
from bot.usecases import pausing, preferences, privacy, server, summaries
from tests.support import make_services, record_day, remove_day

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
START = date(2025, 12, 22)  # a Monday: histories span a year end and several DST changes
USERS = (1, 2)
ZONES = ("UTC", "Pacific/Auckland", "America/Los_Angeles", "Europe/London", "Asia/Kathmandu")

_guilds = itertools.count(50_000)

# A few days to choose from, so removals and repeats hit days that were checked in; they
# span the year end and the March and April DST changes of the zones below.
DAYS = tuple(START + timedelta(days=n) for n in (0, 1, 6, 8, 13, 15, 16, 29, 71, 72, 80, 100, 106))
_day = st.sampled_from(DAYS)
_add = st.tuples(st.just("add"), st.sampled_from(USERS), _day)
# Check-ins weigh double: every other change only shows on a member who has some.
_step = st.one_of(
    _add,
    _add,
    st.tuples(st.just("remove"), st.sampled_from(USERS), _day),
    st.tuples(st.just("hide"), st.sampled_from(USERS), st.booleans()),
    st.tuples(st.just("member_zone"), st.sampled_from(USERS), st.sampled_from((None, *ZONES))),
    st.tuples(st.just("server_zone"), st.just(0), st.sampled_from(ZONES)),
    st.tuples(st.just("target"), st.just(0), st.integers(min_value=1, max_value=7)),
    st.tuples(st.just("forget"), st.sampled_from(USERS), st.just(None)),
    # A pause of 1-4 weeks (or `pause off`) taken on one of the days, and the shield rule.
    st.tuples(
        st.just("pause"),
        st.sampled_from(USERS),
        st.tuples(_day, st.one_of(st.none(), st.integers(min_value=1, max_value=4))),
    ),
    st.tuples(st.just("shields"), st.just(0), st.integers(min_value=0, max_value=5)),
)


async def stored(store: Store, guild_id: int) -> tuple[object, object, object]:
    def read(tx: Tx) -> tuple[object, object, object]:
        return (
            summaries_sql.all_summaries(tx, guild_id),
            summaries_sql.all_periods(tx, guild_id),
            scores_sql.all_scores(tx, guild_id),
        )

    return await store.read(read)


async def expected(store: Store, guild_id: int, default_zone: str) -> tuple[object, ...]:
    return await store.read(lambda tx: summaries.expected_guild(tx, guild_id, default_zone))


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(_step, min_size=2, max_size=25), default_zone=st.sampled_from(ZONES))
async def test_summaries_always_equal_a_recomputation(store: Store, steps, default_zone):
    guild = next(_guilds)
    clock = [NOW]
    services = make_services(store, lambda: clock[0], default_zone=default_zone)
    target = 1
    for action, user, value in steps:
        if action == "add":
            await record_day(
                store, guild, user, value, weekly_target=target, default_zone=default_zone
            )
        elif action == "remove":
            await remove_day(
                store, guild, user, value, weekly_target=target, default_zone=default_zone
            )
        elif action == "hide":
            await preferences.set_hidden(services, guild, user, value)
        elif action == "member_zone":
            await preferences.set_timezone(
                services, guild, user, None if value is None else zone(value)
            )
        elif action == "server_zone":
            await server.set_timezone(services, guild, zone(value))
        elif action == "target":
            target = value
            await server.set_weekly_target(services, guild, value)
        elif action == "pause":
            day, weeks = value
            clock[0] = datetime.combine(day, time(12), tzinfo=UTC)
            with contextlib.suppress(InputError):  # over the yearly cap: nothing changes
                await pausing.pause(services, guild, user, weeks)
            clock[0] = NOW
        elif action == "shields":
            await server.set_shield_every(services, guild, value)
        else:
            await privacy.forget(services, guild, user)
        assert await stored(store, guild) == await expected(store, guild, default_zone), action


async def test_rebuild_all_restores_summaries_someone_broke(store: Store):
    guild = next(_guilds)
    for offset in (0, 1, 8, 15, 16):
        await record_day(store, guild, 1, START + timedelta(days=offset))
    await record_day(store, guild, 2, START)
    good = await stored(store, guild)
    await store.run(
        lambda tx: tx.execute(
            "UPDATE member_stats SET total = 99, run = 7 WHERE guild_id = :g", {"g": guild}
        )
    )
    await store.run(
        lambda tx: tx.execute("DELETE FROM member_periods WHERE guild_id = :g", {"g": guild})
    )
    await store.run(
        lambda tx: tx.execute(
            "UPDATE board_scores SET members = 7 WHERE guild_id = :g", {"g": guild}
        )
    )
    assert await stored(store, guild) != good

    servers, members = await summaries.rebuild_all(store, "UTC")

    assert servers >= 1 and members >= 2
    assert await stored(store, guild) == good == await expected(store, guild, "UTC")


async def test_a_new_default_zone_retimes_streak_expiries(store: Store):
    guild = next(_guilds)
    await record_day(store, guild, 1, START, default_zone="UTC")
    assert await summaries.ensure_current(store, "UTC") in ("rebuilt", None)
    assert await summaries.ensure_current(store, "UTC") is None

    assert await summaries.ensure_current(store, "Pacific/Auckland") == "retimed"

    assert await stored(store, guild) == await expected(store, guild, "Pacific/Auckland")
    assert await stored(store, guild) != await expected(store, guild, "UTC")
