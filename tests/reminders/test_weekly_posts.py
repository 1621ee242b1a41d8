"""The weekly loop's posts through the reminder engine: the recap and the streak-at-risk
pass at the server's moments, each exactly once across restarts; late inside the
catch-up window, missed after it; DMs refused once and recorded, never retried; the
goal's celebration finished after a crash; reminders by DM."""

from __future__ import annotations

import asyncio
from datetime import date, time, timedelta

from bot.core.reminders import DeliveryState, Kind
from bot.reminders.weekly import WeeklyPosts
from bot.store import Store
from bot.store.sql import nudges as nudges_sql
from bot.store.sql import settings as settings_sql
from bot.store.sql import weekly as weekly_sql
from tests import support
from tests.reminders.conftest import CHANNEL, GUILD, FakePoster
from tests.reminders.helpers import spin, utc

MONDAY = date(2026, 6, 1)  # the clock fixture's day
RECAP_FIRE = utc(2026, 6, 1, 9, 0)  # Monday 10:00 in London (BST)
RISK_FIRE = utc(2026, 6, 6, 17, 0)  # Saturday 18:00 in London
LAST_WEEK = MONDAY - timedelta(weeks=1)


async def configure(store: Store, **values: object) -> None:
    settings = {"timezone": "Europe/London", **values}
    await store.run(lambda tx: settings_sql.set_guild(tx, GUILD, settings))


async def history(store: Store, user: int, mondays: list[date], *, days: int = 1) -> None:
    for monday in mondays:
        for day in range(days):
            await support.record_day(store, GUILD, user, monday + timedelta(day))


def weeks_before(monday: date, count: int) -> list[date]:
    return [monday - timedelta(weeks=n) for n in range(count, 0, -1)]


async def started(make_engine, store, **options) -> tuple[object, WeeklyPosts]:
    engine = make_engine(**options)
    engine.sender.start()
    posts = WeeklyPosts(store, engine, default_zone="UTC")
    await posts.start()
    await posts.run_all()
    return engine, posts


async def fire_due(engine, posts: WeeklyPosts) -> None:
    await engine.run_due()
    await posts.run_all()


def recaps(poster: FakePoster) -> list[str]:
    return [p.part.content for p in poster.sent if "Leg day recap" in p.part.content]


async def test_the_recap_goes_out_once_at_its_moment_and_the_next_is_armed(
    make_engine, store, poster, clock
):
    await configure(store, recap_channel_id=CHANNEL, recap_day=0, recap_time=time(10, 0))
    await history(store, 1, [LAST_WEEK], days=3)
    await history(store, 2, [LAST_WEEK])
    engine, posts = await started(make_engine, store)
    assert posts.armed_at("recap", GUILD) == RECAP_FIRE

    clock.set(RECAP_FIRE + timedelta(milliseconds=300))
    await fire_due(engine, posts)

    [text] = recaps(poster)
    assert "week of 25 May 2026" in text and "<@1>" in text and "A bit late" not in text
    assert all(p.part.user_ids == () and p.part.role_id is None for p in poster.sent)
    row = await store.read(lambda tx: weekly_sql.one(tx, GUILD, "recap", LAST_WEEK))
    assert row is not None and row.state == DeliveryState.SENT
    assert posts.armed_at("recap", GUILD) == RECAP_FIRE + timedelta(weeks=1)

    # A restart the same morning finds it sent: nothing more.
    await started(make_engine, store)
    assert len(recaps(poster)) == 1


async def test_a_recap_cut_off_after_reaching_discord_is_adopted_at_restart(
    make_engine, store, clock
):
    await configure(store, recap_channel_id=CHANNEL, recap_day=0, recap_time=time(10, 0))
    await history(store, 1, [LAST_WEEK])
    log: list = []
    dying = FakePoster(clock, channel_log=log, hang_after_reaching=True)
    engine_a, posts_a = await started(make_engine, store, engine_poster=dying, stop_grace=0.2)
    clock.set(RECAP_FIRE + timedelta(seconds=1))
    await engine_a.run_due()
    await spin(lambda: len(log) == 1)
    await posts_a.stop()  # the process goes; its claim stays `sending`
    row = await store.read(lambda tx: weekly_sql.one(tx, GUILD, "recap", LAST_WEEK))
    assert row is not None and row.state == DeliveryState.SENDING

    clock.set(RECAP_FIRE + timedelta(minutes=40))  # past Discord's nonce window
    after = FakePoster(clock, channel_log=log)
    await started(make_engine, store, engine_poster=after)
    assert after.sent == [] and len(log) == 1  # found in the channel, not posted again
    row = await store.read(lambda tx: weekly_sql.one(tx, GUILD, "recap", LAST_WEEK))
    assert row is not None and (row.state, row.message_id) == (
        DeliveryState.SENT,
        log[0].message_id,
    )


async def test_a_recap_due_while_away_is_late_inside_the_window_and_missed_after(
    make_engine, store, poster, clock
):
    await configure(store, recap_channel_id=CHANNEL, recap_day=0, recap_time=time(10, 0))
    await history(store, 1, [LAST_WEEK])
    clock.set(RECAP_FIRE + timedelta(minutes=30))
    await started(make_engine, store)
    [text] = recaps(poster)
    assert "A bit late" in text

    # The next week's, the bot away for three hours past it (the window is two).
    clock.set(RECAP_FIRE + timedelta(weeks=1, hours=3))
    await started(make_engine, store)
    assert len(recaps(poster)) == 1
    row = await store.read(lambda tx: weekly_sql.one(tx, GUILD, "recap", MONDAY))
    assert row is not None and row.state == DeliveryState.MISSED


async def test_the_at_risk_pass_nudges_each_member_once_the_way_they_chose(
    make_engine, store, poster, clock
):
    await configure(
        store, recap_channel_id=CHANNEL, recap_day=None, risk_day=5, risk_time=time(18, 0)
    )
    streak = weeks_before(MONDAY, 3)
    for user in (1, 2, 3, 4, 5):
        await history(store, user, streak)
    await support.record_day(store, GUILD, 5, MONDAY + timedelta(2))  # met this week: safe
    for user, way in ((1, "channel"), (2, "dm"), (3, "dm"), (5, "channel")):
        await store.run(
            lambda tx, u=user, w=way: (
                settings_sql.set_member(tx, GUILD, u, "reminders_opt_in", True),
                settings_sql.set_member(tx, GUILD, u, "remind_via", w),
            )
        )
    poster.closed_dms.add(3)  # member 3's DMs are closed; member 4 never opted in
    clock.set(RISK_FIRE - timedelta(minutes=1))
    engine, posts = await started(make_engine, store)
    clock.set(RISK_FIRE + timedelta(milliseconds=200))
    await fire_due(engine, posts)

    calls = [p for p in poster.sent if "Streak check" in p.part.content]
    assert [p.part.user_ids for p in calls] == [(1,)]
    assert [to for to, *_ in poster.dms] == [2]
    assert "3-week leg day streak in **Gym 1000**" in poster.dms[0][1]
    assert [to for to, _ in poster.dm_attempts] == [2, 3]
    ledger = await store.read(lambda tx: nudges_sql.of_occurrence(tx, GUILD, "risk", 0, MONDAY))
    assert {u: (n.via, n.state) for u, n in ledger.items()} == {
        1: ("channel", DeliveryState.SENT),
        2: ("dm", DeliveryState.SENT),
        3: ("dm", DeliveryState.FAILED),
    }
    assert ledger[3].error == "missing access (50007)"

    # Restarted right after, and fired by hand again: nobody is nudged twice, the closed
    # DM is not tried again.
    _engine_b, posts_b = await started(make_engine, store)
    await posts_b.risk_pass(
        await store.guild_config(GUILD), MONDAY, RISK_FIRE, late=False, take_over=True
    )
    assert [to for to, _ in poster.dm_attempts] == [2, 3]
    assert len([p for p in poster.sent if "Streak check" in p.part.content]) == 1


async def dm_cut_off_mid_pass(make_engine, store, clock, *, target: int = 1) -> FakePoster:
    """Member 2 (a streak of two weeks, DMs chosen) at risk; the pass's DM reaches them
    and the process dies before hearing so. Returns the poster that holds the DM."""
    await configure(store, risk_day=5, risk_time=time(18, 0), weekly_target=target)
    await history(store, 2, weeks_before(MONDAY, 2), days=target)
    await store.run(
        lambda tx: (
            settings_sql.set_member(tx, GUILD, 2, "reminders_opt_in", True),
            settings_sql.set_member(tx, GUILD, 2, "remind_via", "dm"),
        )
    )
    dying = FakePoster(clock, hang_dms=True)
    clock.set(RISK_FIRE - timedelta(minutes=1))
    engine_a, posts_a = await started(make_engine, store, engine_poster=dying, stop_grace=0.2)
    clock.set(RISK_FIRE + timedelta(seconds=1))
    await engine_a.run_due()
    await spin(lambda: len(dying.dms) == 1)
    await posts_a.stop()
    return dying


async def restart_adopts_the_dm(make_engine, store, clock, dying: FakePoster) -> None:
    clock.set(RISK_FIRE + timedelta(minutes=20))
    after = FakePoster(clock, dms=list(dying.dms))
    await started(make_engine, store, engine_poster=after)
    assert after.dm_attempts == []  # the DM was found in the member's DMs
    ledger = await store.read(lambda tx: nudges_sql.of_occurrence(tx, GUILD, "risk", 0, MONDAY))
    assert ledger[2].state == DeliveryState.SENT and ledger[2].message_id == dying.dms[0][3]


async def test_a_dm_cut_off_mid_pass_is_found_not_sent_twice(make_engine, store, clock):
    dying = await dm_cut_off_mid_pass(make_engine, store, clock)
    await restart_adopts_the_dm(make_engine, store, clock, dying)


async def test_a_dm_cut_off_mid_pass_is_found_though_a_leg_day_since_changed_its_text(
    make_engine, store, clock
):
    # Two a week: the DM that went out asked for 2 more; after one leg day logged before
    # the restart, the DM it would write now asks for 1. It is the same nudge all the same.
    dying = await dm_cut_off_mid_pass(make_engine, store, clock, target=2)
    assert "2 more leg days" in dying.dms[0][1]
    await support.record_day(store, GUILD, 2, MONDAY + timedelta(days=5), weekly_target=2)
    await restart_adopts_the_dm(make_engine, store, clock, dying)


async def test_a_dm_claimed_before_a_crash_is_dropped_once_the_member_is_safe(
    make_engine, store, clock
):
    await configure(store, risk_day=5, risk_time=time(18, 0))
    await history(store, 2, weeks_before(MONDAY, 2))
    await store.run(lambda tx: settings_sql.set_member(tx, GUILD, 2, "remind_via", "dm"))
    # The pass claimed the DM and died before it left; then the member logged the week's
    # leg day. The restart has nothing left to warn about.
    await store.run(
        lambda tx: (
            weekly_sql.claim(tx, GUILD, "risk", MONDAY, None, RISK_FIRE, RISK_FIRE),
            nudges_sql.claim(tx, GUILD, "risk", 0, MONDAY, [(2, "dm")], RISK_FIRE),
        )
    )
    await support.record_day(store, GUILD, 2, MONDAY + timedelta(days=5))
    clock.set(RISK_FIRE + timedelta(minutes=5))
    after = FakePoster(clock)
    await started(make_engine, store, engine_poster=after)
    assert after.dm_attempts == []
    ledger = await store.read(lambda tx: nudges_sql.of_occurrence(tx, GUILD, "risk", 0, MONDAY))
    assert (ledger[2].state, ledger[2].error) == (DeliveryState.MISSED, "no longer at risk")
    row = await store.read(lambda tx: weekly_sql.one(tx, GUILD, "risk", MONDAY))
    assert row is not None and row.state == DeliveryState.SENT


async def test_a_celebration_claimed_before_a_crash_is_posted_at_the_next_start(
    make_engine, store, poster, clock
):
    await configure(store, goal=1)
    await store.run(
        lambda tx: weekly_sql.claim(tx, GUILD, "goal", MONDAY, CHANNEL, clock.now(), clock.now())
    )
    clock.advance(timedelta(seconds=30))
    await started(make_engine, store)
    [post] = [p for p in poster.sent if "Goal reached" in p.part.content]
    assert post.channel_id == CHANNEL and post.part.user_ids == ()
    row = await store.read(lambda tx: weekly_sql.one(tx, GUILD, "goal", MONDAY))
    assert row is not None and row.state == DeliveryState.SENT


async def test_celebrate_posts_the_checkins_claim_once(make_engine, store, poster, clock):
    await configure(store, goal=1)
    await support.record_day(store, GUILD, 1, MONDAY)
    await store.run(
        lambda tx: weekly_sql.claim(tx, GUILD, "goal", MONDAY, CHANNEL, clock.now(), clock.now())
    )
    _engine, posts = await started(make_engine, store)
    posts.celebrate(GUILD, MONDAY, CHANNEL)
    posts.celebrate(GUILD, MONDAY, CHANNEL)  # a repeat finds it sent
    await posts.run_all()
    texts = [p.part.content for p in poster.sent if "Goal reached" in p.part.content]
    assert len(texts) == 1 and "**1** leg days" in texts[0]


async def test_a_reminder_reaches_dm_members_by_dm_and_pings_only_the_others(
    make_engine, store, poster, clock, add_schedule
):
    schedule = await add_schedule()
    for user, way in ((1, "channel"), (2, "dm"), (3, "dm")):
        await store.run(
            lambda tx, u=user, w=way: (
                settings_sql.set_member(tx, GUILD, u, "reminders_opt_in", True),
                settings_sql.set_member(tx, GUILD, u, "remind_via", w),
            )
        )
    poster.closed_dms.add(3)
    engine = make_engine()
    engine.sender.start()
    day = date(2026, 6, 10)
    state = await engine.deliver(schedule, day, utc(2026, 6, 10, 17, 0), Kind.REMINDER)
    assert state == DeliveryState.SENT
    [post] = poster.sent
    assert post.part.user_ids == (1,)
    assert [to for to, *_ in poster.dms] == [2]
    assert "It's leg day!" in poster.dms[0][1] and "<@" not in poster.dms[0][1]
    ledger = await store.read(
        lambda tx: nudges_sql.of_occurrence(tx, GUILD, Kind.REMINDER, schedule.id, day)
    )
    assert {u: n.state for u, n in ledger.items()} == {
        2: DeliveryState.SENT,
        3: DeliveryState.FAILED,
    }
    await asyncio.sleep(0)


async def test_a_recap_channel_that_refuses_the_bot_turns_the_recap_off_once(
    make_engine, store, poster, clock
):
    await configure(store, recap_channel_id=CHANNEL, recap_day=0, recap_time=time(10, 0))
    await history(store, 1, [LAST_WEEK])
    poster.fail_permanently = "missing access (50001)"
    engine, posts = await started(make_engine, store)
    forgotten: list[int] = []
    posts.settings_changed = forgotten.append
    clock.set(RECAP_FIRE + timedelta(seconds=1))
    await fire_due(engine, posts)

    row = await store.read(lambda tx: weekly_sql.one(tx, GUILD, "recap", LAST_WEEK))
    assert row is not None and (row.state, row.error) == (
        DeliveryState.FAILED,
        "missing access (50001)",
    )
    assert (await store.guild_config(GUILD)).recap_channel_id is None
    assert forgotten == [GUILD]
    assert posts.armed_at("recap", GUILD) is None
    [(guild, note)] = poster.admin_notes
    assert guild == GUILD and "weekly recap is off" in note and f"<#{CHANNEL}>" in note


async def test_a_recap_and_an_at_risk_pass_due_at_the_same_instant_both_go_out(
    make_engine, store, poster, clock
):
    # The recap on Saturday 18:00 (London), the at-risk pass's default moment too; the
    # timer heap hands them over in two slices (it gives out DUE_PER_TURN at a time).
    await configure(store, recap_channel_id=CHANNEL, recap_day=5, recap_time=time(18, 0))
    await history(store, 1, weeks_before(MONDAY, 3))
    await store.run(lambda tx: settings_sql.set_member(tx, GUILD, 1, "reminders_opt_in", True))
    engine, posts = await started(make_engine, store)
    assert posts.armed_at("recap", GUILD) == RISK_FIRE == posts.armed_at("risk", GUILD)

    clock.set(RISK_FIRE + timedelta(milliseconds=300))
    engine._on_due(engine.timers.pop_due(limit=1))
    engine._on_due(engine.timers.pop_due(limit=1))
    await posts.run_all()

    assert len(recaps(poster)) == 1
    assert [p.part.user_ids for p in poster.sent if "Streak check" in p.part.content] == [(1,)]
    week = timedelta(weeks=1)
    assert posts.armed_at("recap", GUILD) == posts.armed_at("risk", GUILD) == RISK_FIRE + week


async def test_an_at_risk_pass_with_nobody_at_risk_writes_nothing(
    make_engine, store, poster, clock
):
    await configure(store, risk_day=5, risk_time=time(18, 0))
    await history(store, 1, weeks_before(MONDAY, 3))  # a streak, but never opted in
    clock.set(RISK_FIRE - timedelta(minutes=1))
    engine, posts = await started(make_engine, store)
    clock.set(RISK_FIRE + timedelta(milliseconds=200))
    await fire_due(engine, posts)
    assert poster.sent == []
    assert await store.read(lambda tx: weekly_sql.one(tx, GUILD, "risk", MONDAY)) is None
    assert posts.armed_at("risk", GUILD) == RISK_FIRE + timedelta(weeks=1)
