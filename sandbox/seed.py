"""Months of history for the demo server, written through the bot's own rules.

Going through `record_history` keeps the summary rows exactly as real check-ins would
leave them. The history is drawn from a fixed seed per member and ends today, so
every fresh sandbox tells the same story; a kept database (`--db`) is seeded only once.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from bot.core.days import effective_zone, local_day
from bot.core.lifts import parse_lifts
from bot.store import Store, Tx
from bot.store.sql import lifts as lifts_sql
from bot.store.sql import quotes as quotes_sql
from bot.store.sql import schedules as schedules_sql
from bot.store.sql import settings as settings_sql
from bot.usecases.history import PastCheckin, record_history
from sandbox.demo import LIFTERS, QUOTES, Demo, Lifter

WEEKLY_TARGET = 1  # the bot's default; the demo server never changed it
GROUP_GOAL = 25  # leg days a week, all members together
RECAP_AT = (0, time(9, 0))  # Monday 09:00 in #gym: last week's recap

# Notes as members write them; `{w}` grows week by week, so `legday lifts` shows progress
# and `legday prs squat` has a board (lifts are read from notes as a check-in reads them).
_NOTES = (
    "squat 5x5 {w}kg",
    "front squats 3x8 @ {f}",
    "RDL 4x10 {r}, lunges",
    "leg press 3x12 {p}",
    "hill sprints",
    "pistol squats",
)
_SOURCES = ("command", "command", "slash", "button")


def history(lifter: Lifter, today: date) -> list[date]:
    """The days `lifter` trained legs, oldest first, up to `today` (their local date)."""
    habit = lifter.habit
    rng = random.Random(f"legday-demo:{lifter.name}")
    this_monday = today - timedelta(days=today.weekday())
    days: list[date] = []
    for weeks_ago in range(habit.weeks, -1, -1):
        trains = rng.random() < habit.rate
        wanted = rng.randint(*habit.days)
        if weeks_ago < habit.stopped:
            continue
        if habit.gap is not None and habit.gap[0] <= weeks_ago <= habit.gap[1]:
            continue
        monday = this_monday - timedelta(weeks=weeks_ago)
        # This week only has the days so far (today only if they already trained), and
        # the week isn't over: some have done less than usual yet.
        last = 6 if weeks_ago else today.weekday() - 1
        if weeks_ago == 0:
            wanted = rng.randint(0, wanted)
        picked = set(rng.sample(range(last + 1), min(wanted, last + 1))) if trains else set()
        if weeks_ago == 0 and habit.today:
            picked = set(sorted(picked)[: wanted - 1]) | {today.weekday()}
        days += [monday + timedelta(days=d) for d in sorted(picked)]
    return days


def holiday(lifter: Lifter, today: date) -> list[date]:
    """The Mondays of the weeks a member on holiday paused: the weeks of their gap."""
    gap = lifter.habit.gap
    if not lifter.holiday or gap is None:
        return []
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=w) for w in range(gap[1], gap[0] - 1, -1)]


async def needs_seeding(store: Store, demo: Demo) -> bool:
    """A database the demo server has not been written to yet.

    `mark_seeded` sets the server's time zone last; every step before it is safe to
    repeat, so a first run cut short just seeds again.
    """
    return (await store.guild_config(demo.guild.id)).timezone is None


async def seed_server(store: Store, demo: Demo, timezone: str, now: datetime) -> None:
    """The server's reminder schedule and its own quotes."""

    def work(tx: Tx) -> None:
        guild_id = demo.guild.id
        if not schedules_sql.listed(tx, guild_id):
            # A Monday/Thursday 18:00 reminder in #gym pinging @lifters, as an admin adds it.
            schedules_sql.add(
                tx,
                guild_id,
                demo.gym.id,
                demo.lifters.id,
                frozenset({0, 3}),
                time(18, 0),
                timezone,
                now,
                None,
            )
        if not quotes_sql.listed(tx, guild_id):
            for text in QUOTES:
                quotes_sql.add(tx, guild_id, text, demo.users["alice"].id, now)
        # The weekly loop, as an admin sets it up: a group goal and a Monday recap in #gym
        # (the streak-at-risk nudge keeps its default, Saturday 18:00).
        day, at = RECAP_AT
        settings_sql.set_guild(
            tx,
            guild_id,
            {
                "goal": GROUP_GOAL,
                "recap_channel_id": demo.gym.id,
                "recap_day": day,
                "recap_time": at,
            },
        )

    await store.run(work)


async def seed_members(store: Store, demo: Demo, timezone: str, now: datetime) -> None:
    """Every member's settings and check-ins, ending today, in one transaction (on the
    store's own thread, so the event loop keeps serving the booting bot)."""

    def work(tx: Tx) -> None:
        for lifter in LIFTERS:
            _seed_member(tx, demo, lifter, timezone, now)

    await store.run(work)


async def mark_seeded(store: Store, demo: Demo, timezone: str) -> None:
    await store.run(lambda tx: settings_sql.set_guild_timezone(tx, demo.guild.id, timezone))


async def seed_demo(store: Store, demo: Demo, timezone: str, now: datetime) -> bool:
    """All of the above, once: False when the database already had the demo server."""
    if not await needs_seeding(store, demo):
        return False
    await seed_server(store, demo, timezone, now)
    await seed_members(store, demo, timezone, now)
    await mark_seeded(store, demo, timezone)
    return True


def _seed_member(tx: Tx, demo: Demo, lifter: Lifter, timezone: str, now: datetime) -> None:
    guild_id, user_id = demo.guild.id, demo.users[lifter.name].id
    if lifter.timezone:
        settings_sql.set_member(tx, guild_id, user_id, "timezone", lifter.timezone)
    if lifter.reminders:
        settings_sql.set_member(tx, guild_id, user_id, "reminders_opt_in", True)
    if lifter.by_dm:
        settings_sql.set_member(tx, guild_id, user_id, "remind_via", "dm")
    zone = effective_zone(lifter.timezone, timezone)
    today = local_day(now, zone)
    if lifter.holiday:  # paused before the history is recorded, as it was at the time
        settings_sql.add_pauses(tx, guild_id, user_id, holiday(lifter, today))
    rng = random.Random(f"legday-demo-notes:{lifter.name}")
    checkins = []
    base = rng.choice((60, 70, 80, 90))  # the member's own starting weights
    for index, day in enumerate(history(lifter, today)):
        trained = datetime.combine(day, time(rng.randint(6, 21), rng.randint(0, 59)), zone)
        checkins.append(
            PastCheckin(
                day,
                min(trained.astimezone(UTC), now),
                note=_note(rng, base, index) if rng.random() < 0.5 else None,
                source=rng.choice(_SOURCES),
            )
        )
    record_history(tx, guild_id, user_id, checkins, default_zone=timezone)
    for checkin in checkins:
        if checkin.note is not None:  # replaced, not added to, when a cut-short seed reruns
            lifts_sql.delete_day(tx, guild_id, user_id, checkin.day)
            lifts_sql.insert(tx, guild_id, user_id, checkin.day, parse_lifts(checkin.note, "kg"))


def _note(rng: random.Random, base: int, session: int) -> str:
    """A note with weights a little heavier each session."""
    step = 2.5 * (session // 2)
    weights = {"w": base + step, "f": base - 10 + step, "r": base + 10 + step, "p": 2 * base + step}
    return rng.choice(_NOTES).format(**{k: f"{v:g}" for k, v in weights.items()})
