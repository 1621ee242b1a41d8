"""The demo server: fixed ids, and months of varied history written through the store."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core import streaks
from bot.core.days import week_index, zone
from bot.store import Store
from fakediscord import FakeDiscord
from sandbox import seed
from sandbox.demo import LIFTERS, QUOTES, Lifter, build_demo
from tests.support import member_stats

# A week of "todays", Monday to Sunday: the story must hold up on every weekday.
WEEK = [date(2026, 11, 30) + timedelta(days=n) for n in range(7)]


def test_the_demo_server_has_the_same_ids_on_every_run():
    first, second = build_demo(FakeDiscord()), build_demo(FakeDiscord())
    for demo in (first, second):
        assert len(demo.users) == len(LIFTERS) == 25
    assert {n: u.id for n, u in first.users.items()} == {n: u.id for n, u in second.users.items()}
    assert [first.guild.id, first.gym.id, first.general.id, first.lifters.id, first.coaches.id] == [
        second.guild.id, second.gym.id, second.general.id, second.lifters.id, second.coaches.id
    ]  # fmt: skip
    fresh = FakeDiscord().create_user("newcomer").id
    assert max(u.id for u in first.users.values()) < fresh  # never clashes with new ids


def paused(lifter: Lifter, today: date) -> frozenset[int]:
    return frozenset(week_index(monday) for monday in seed.holiday(lifter, today))


def test_the_member_on_holiday_keeps_the_streak_the_gap_would_have_broken():
    sven = next(lifter for lifter in LIFTERS if lifter.holiday)
    today = WEEK[0]
    days = seed.history(sven, today)
    rule = streaks.ShieldRule(every=4)
    kept = streaks.current_streak(streaks.rebuild(days, 1, rule, paused(sven, today)), today)
    broken = streaks.current_streak(streaks.rebuild(days, 1, rule), today)
    assert kept > broken


@pytest.mark.parametrize("today", WEEK, ids=lambda d: d.strftime("%a"))
def test_each_history_follows_the_members_habit(today: date):
    for lifter in LIFTERS:
        days = seed.history(lifter, today)
        habit = lifter.habit
        assert days == sorted(set(days)) and days == seed.history(lifter, today)
        assert all(d <= today for d in days)
        weeks_ago = [week_index(today) - week_index(d) for d in days]
        assert all(w <= habit.weeks for w in weeks_ago)
        assert all(w >= habit.stopped for w in weeks_ago)
        if habit.gap:
            assert not [w for w in weeks_ago if habit.gap[0] <= w <= habit.gap[1]]
        assert (today in days) == habit.today, lifter.name


@pytest.mark.parametrize("today", WEEK, ids=lambda d: d.strftime("%a"))
def test_the_boards_have_something_to_show_on_any_weekday(today: date):
    states = {
        lifter.name: streaks.rebuild(
            seed.history(lifter, today), 1, streaks.ShieldRule(every=4), paused(lifter, today)
        )
        for lifter in LIFTERS
    }
    current = {
        lifter.name: streaks.current_streak(states[lifter.name], today, paused(lifter, today))
        for lifter in LIFTERS
    }
    assert len([n for n, c in current.items() if c >= 10]) >= 4  # long streaks
    assert len([n for n, s in states.items() if s.best > current[n]]) >= 5  # broken ones
    assert len([n for n, s in states.items() if s.total == 0]) >= 1  # a newcomer
    totals = Counter(s.total for s in states.values() if s.total)
    assert any(count > 1 for count in totals.values())  # ties on the all-time board
    this_week = [n for n, s in states.items() if streaks.week_progress(s, today)]
    assert len(this_week) >= 5
    assert sum(s.total for s in states.values()) > 300  # months, not days


async def test_seeding_goes_through_the_store_once(store: Store):
    demo = build_demo(FakeDiscord())
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert await seed.seed_demo(store, demo, "Europe/London", now)
    assert not await seed.seed_demo(store, demo, "Europe/London", now + timedelta(days=9))

    guild_id = demo.guild.id
    assert [s.id for s in await store.schedules(guild_id)] == [1]
    assert [q.text for q in await store.list_quotes(guild_id)] == list(QUOTES)
    assert (await store.guild_config(guild_id)).timezone == "Europe/London"
    for lifter in LIFTERS:
        user_id = demo.users[lifter.name].id
        config = await store.member_config(guild_id, user_id)
        assert (config.timezone, config.reminders_opt_in) == (lifter.timezone, lifter.reminders)
        today = now.astimezone(zone(lifter.timezone or "Europe/London")).date()
        # The summary row is what real check-ins, one after the other, leave behind.
        expected = streaks.rebuild(
            seed.history(lifter, today),
            seed.WEEKLY_TARGET,
            streaks.ShieldRule(every=4),
            paused(lifter, today),
        )
        assert await member_stats(store, guild_id, user_id) == expected
        assert config.remind_via == ("dm" if lifter.by_dm else "channel")
    guild = await store.guild_config(guild_id)
    assert (guild.goal, guild.recap_channel_id, guild.recap_day) == (
        seed.GROUP_GOAL,
        demo.gym.id,
        seed.RECAP_AT[0],
    )


async def test_a_first_run_cut_short_seeds_again_without_doubling(store: Store):
    demo = build_demo(FakeDiscord())
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    await seed.seed_server(store, demo, "UTC", now)
    await seed.seed_members(store, demo, "UTC", now)  # ...and then the run was stopped
    assert await seed.needs_seeding(store, demo)
    before = [await member_stats(store, demo.guild.id, u.id) for u in demo.users.values()]
    assert await seed.seed_demo(store, demo, "UTC", now)
    assert len(await store.schedules(demo.guild.id)) == 1
    assert len(await store.list_quotes(demo.guild.id)) == len(QUOTES)
    after = [await member_stats(store, demo.guild.id, u.id) for u in demo.users.values()]
    assert after == before
