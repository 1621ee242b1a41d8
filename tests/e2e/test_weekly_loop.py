"""The weekly loop over a simulated month, on the real bot process: the group goal reached
and celebrated once a week, the recap posted once a week with the right names, the
streak-at-risk nudges going to the right members the way each chose (a call in the
channel, a DM; nothing to a member whose DMs are closed, and that recorded), a streak
shield spent and a paused week. The bot is killed in the middle of a celebration, a
recap and two at-risk passes (the moment Discord stores one of those messages, before
the bot hears it went out) and restarted: nothing is lost or sent twice.

Time moves with `TimeMachine` (LEGDAY_CLOCK_FILE for the bot, `fd.clock` for the local
Discord): each jump lands a few seconds after the moment it is for, so what falls due
goes out on time.

The month (UTC, the server's default zone; weekly target 1, goal 5, a shield per 2 met
weeks, recap Mondays 09:00 in #weekly, at-risk pass Saturdays 18:00):

- week 1: ana, ben, cat, dan and eve check in; eve's is the 5th: the goal's celebration
  (the bot is killed as it lands); ana's second leg day celebrates nothing more;
- week 2: the recap of week 1 (killed as it lands); everyone checks in again (a second
  celebration), and fay, opted in, joins;
- week 3: recap of week 2; dan pauses the week; at the at-risk pass ana (channel), ben
  (DM) and cat (DM, closed) are at risk, not dan (paused), eve (not opted in) or fay (a
  one-week streak); killed as the channel's call lands; on Sunday ana, ben and cat save
  their streaks, eve does not: her shield is spent;
- week 4: recap of week 3 (a shield used, new bests; eve checks in with its button); ana,
  cat and dan check in; at the at-risk pass only ben is (DM; killed as it lands);
- week 5: the recap of week 4.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, time, timedelta

import pytest
import pytest_asyncio

from fakediscord import Channel, Message, User
from tests.e2e.conftest import E2E, TimeMachine, field, open_stage
from tests.postgres import query

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

RECAP = "Leg day recap"
RISK_CALL = "Streak check"
GOAL = "Goal reached"
RISK_DM = "leg day streak"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ON_TIME_SECONDS = 5  # how far past a moment each jump lands


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def month(
    tmp_path_factory: pytest.TempPathFactory, backend: str
) -> AsyncIterator[tuple[E2E, TimeMachine]]:
    """A bot of its own (this module moves its clock), with the clock file it follows."""
    folder = tmp_path_factory.mktemp("month")
    clock_file = folder / "clock"
    clock_file.write_text("0")
    # Discord's nonce check off (as once its few minutes have passed): a post sent again
    # after a restart would show up twice, so only the bot's own look-back prevents it.
    env = {"LEGDAY_CLOCK_FILE": str(clock_file)}
    async for stage in open_stage(folder, env, nonce_dedupe=False, backend=backend):
        yield stage, TimeMachine(stage.fd, clock_file)


class KillSwitch:
    """Kills the bot (SIGKILL) the moment the local Discord stores a message of the bot's
    that `armed` matches: the message exists, the bot never hears it went out."""

    def __init__(self, e2e: E2E) -> None:
        self.e2e = e2e
        self.armed: Callable[[Message], bool] | None = None
        self.killed = asyncio.Event()
        self.stop = e2e.fd.observe_messages(self)

    def __call__(self, message: Message) -> None:
        if self.armed is None or message.author.id != self.e2e.fd.bot_user.id:
            return
        if self.armed(message):
            pid = self.e2e.stage.bot.pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            self.armed = None
            self.killed.set()

    def arm(self, matches: Callable[[Message], bool]) -> None:
        self.killed.clear()
        self.armed = matches

    async def restart_after_kill(self, within: float = 10.0) -> None:
        await asyncio.wait_for(self.killed.wait(), within)
        await self.e2e.stage.kill_bot()
        await self.e2e.stage.start_bot()


def week(first_monday: datetime, n: int, day: int = 0, at: time = time(10, 0)) -> datetime:
    """Day `day` (0 = Monday) of the month's week `n` (1-based), at `at`."""
    return datetime.combine(first_monday.date() + timedelta(days=7 * (n - 1) + day), at, UTC)


def recap_title(monday: datetime) -> str:
    return f"📅 **Leg day recap: week of {monday.day} {MONTHS[monday.month - 1]} {monday.year}**"


async def recap_of(e2e: E2E, channel: Channel, monday: datetime) -> Message:
    """Wait for the recap of the week starting `monday`."""
    title = recap_title(monday)
    return await e2e.fd.next_message(
        channel, timeout=10, predicate=lambda m: m.content.startswith(title)
    )


def bot_messages(e2e: E2E, channel: Channel, text: str) -> list[Message]:
    return [
        m
        for m in e2e.fd.messages(channel)
        if m.author.id == e2e.fd.bot_user.id and text in m.content
    ]


def dms(e2e: E2E, user: User) -> list[Message]:
    return bot_messages(e2e, e2e.fd.dm_channel(user), RISK_DM)


def pings_nobody(message: Message) -> bool:
    allowed = message.allowed_mentions or {}
    return (
        message.mention_ids == []
        and message.mention_role_ids == []
        and not message.mention_everyone
        and allowed.get("parse", []) == []
        and not allowed.get("users")
        and not allowed.get("roles")
    )


def ledger(db: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    """Rows from the bot's database at the URL `db` (SQLite or PostgreSQL); a date column
    is compared and read as text (CAST), which both give as YYYY-MM-DD."""
    return [tuple(row) for row in query(db, sql, params)]


def post_state(db: str, guild_id: int, kind: str, monday: datetime) -> str | None:
    rows = ledger(
        db,
        "SELECT state FROM weekly_posts WHERE guild_id = :guild AND kind = :kind "
        "AND CAST(week_start AS TEXT) = :monday",
        guild=guild_id,
        kind=kind,
        monday=monday.date().isoformat(),
    )
    return str(rows[0][0]) if rows else None


async def settled(db: str, guild_id: int, kind: str, monday: datetime, within: float = 15) -> None:
    """Wait until the server's `kind` post of that week is recorded sent."""
    for _ in range(int(within / 0.1)):
        if post_state(db, guild_id, kind, monday) == "sent":
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{kind} of {monday:%Y-%m-%d}: {post_state(db, guild_id, kind, monday)}")


async def check_in(e2e: E2E, user: User, *, expect: str = "Leg day logged") -> Message:
    reply = await e2e.ask(user, "!legday")
    assert reply.embeds[0]["title"].startswith(expect), reply.embeds[0]["title"]
    return reply


async def test_a_month_of_the_weekly_loop_with_a_restart_in_every_delivery(
    month: tuple[E2E, TimeMachine],
) -> None:
    stage, clock = month
    e2e = stage.new_server("Quad Squad")
    fd, guild_id = e2e.fd, e2e.guild.id
    db = stage.stage.database_url
    weekly = fd.create_channel(e2e.guild, "weekly")
    kill = KillSwitch(e2e)
    try:
        await play_the_month(e2e, clock, kill, weekly, db, guild_id)
    finally:
        kill.stop()


async def play_the_month(
    e2e: E2E, clock: TimeMachine, kill: KillSwitch, weekly: Channel, db: str, guild_id: int
) -> None:
    fd, gym = e2e.fd, e2e.gym
    first = clock.now() + timedelta(days=1)
    first = datetime.combine(first.date() + timedelta(days=-first.weekday() % 7), time(0), UTC)
    mondays = {n: week(first, n, at=time(0)) for n in range(1, 6)}

    # --- set-up, on the first Monday (a recap set earlier would sum up the week before) --
    await clock.to(week(first, 1))
    admin = e2e.admin("coach")
    for command, answer in (
        (f"!legday recap set <#{weekly.id}> mon 09:00", "The weekly recap goes to"),
        ("!legday settings goal 5", "Group goal set to **5 leg days**"),
        ("!legday settings shields 2", "streak shield every **2 met weeks**"),
        ("!legday settings risk sat 18:00", "nudge every **Sat 18:00**"),
    ):
        reply = await e2e.ask(admin, command)
        assert answer in reply.content, (command, reply.content)
    ana, ben, cat, dan, eve = (e2e.member(name) for name in ("ana", "ben", "cat", "dan", "eve"))
    for user, way in ((ana, "channel"), (ben, "dm"), (cat, "dm"), (dan, "channel")):
        await e2e.ask(user, f"!legday remind {way}")
    fd.block_dms(cat)

    # --- week 1: the goal, reached by the 5th check-in; killed as its celebration lands --
    for user in (ana, ben, cat, dan):
        reply = await check_in(e2e, user)
    assert field(reply, "Server") == "4/5 this week"
    await clock.to(week(first, 1, day=1))
    kill.arm(lambda m: GOAL in m.content)
    await fd.say(eve, gym, "!legday")
    await kill.restart_after_kill()
    await settled(db, guild_id, "goal", mondays[1])
    again = await check_in(e2e, eve, expect="Already logged")  # the check-in was kept
    assert field(again, "Server") == "5/5 this week 🎉 goal reached!"
    await clock.to(week(first, 1, day=2))
    await check_in(e2e, ana)  # a 6th leg day: no second celebration
    await asyncio.sleep(1.0)
    celebrations = bot_messages(e2e, gym, GOAL)
    assert len(celebrations) == 1, celebrations
    assert "**5** leg days this week (goal: 5)" in celebrations[0].content
    assert pings_nobody(celebrations[0])

    # --- week 2: the recap of week 1, killed as it lands; a second celebration -----------
    kill.arm(lambda m: RECAP in m.content)
    await clock.to(week(first, 2, at=time(9, 0)) + timedelta(seconds=ON_TIME_SECONDS))
    await kill.restart_after_kill()
    await settled(db, guild_id, "recap", mondays[1])
    recaps = bot_messages(e2e, weekly, RECAP)
    assert len(recaps) == 1, recaps
    one = recaps[0].content
    assert one.startswith(recap_title(mondays[1])), one
    assert "Together: **6** leg days / 5 goal ✅" in one
    assert f"🥇 <@{ana.id}>: 2 leg days" in one
    runners_up = ", ".join(f"<@{u.id}>" for u in sorted((ben, cat, dan, eve), key=lambda u: u.id))
    assert f"🥈 {runners_up}: 1 leg day" in one
    assert "A bit late" not in one
    fay = e2e.member("fay")
    await e2e.ask(fay, "!legday remind channel")
    await clock.to(week(first, 2))
    for user in (ana, ben, cat, dan, eve, fay):
        await check_in(e2e, user)
    await fd.next_message(gym, predicate=lambda m: GOAL in m.content and m.id != celebrations[0].id)
    assert len(bot_messages(e2e, gym, GOAL)) == 2

    # --- week 3: recap of week 2; dan pauses; the at-risk pass, killed at its call -------
    await clock.to(week(first, 3, at=time(9, 0)) + timedelta(seconds=ON_TIME_SECONDS))
    second = await recap_of(e2e, weekly, mondays[2])
    # First streaks only grow: kept, not "new best" (nobody had an earlier streak).
    assert "💪 **Streak kept**: " in second.content
    assert "New best streak" not in second.content
    for user in (ana, ben, cat, dan, eve):
        assert f"<@{user.id}> (2 weeks)" in second.content
    assert f"👋 **First leg day**: <@{fay.id}>. Welcome!" in second.content
    paused = await e2e.ask(dan, "!legday pause 1")
    assert paused.content.startswith("🏖️ Paused 1 week"), paused.content
    ben_stats = await e2e.ask(ben, "!legday stats")
    assert field(ben_stats, "Shields").startswith("🛡️ 1 shield")

    kill.arm(lambda m: RISK_CALL in m.content)
    await clock.to(week(first, 3, day=5, at=time(18, 0)) + timedelta(seconds=ON_TIME_SECONDS))
    await kill.restart_after_kill()
    await settled(db, guild_id, "risk", mondays[3])
    calls = bot_messages(e2e, weekly, RISK_CALL)
    assert len(calls) == 1, calls
    assert calls[0].mention_ids == [ana.id]  # not dan (paused), eve (not opted in), fay
    assert [int(u) for u in (calls[0].allowed_mentions or {}).get("users", [])] == [ana.id]
    assert len(dms(e2e, ben)) == 1
    assert "2-week leg day streak in **Quad Squad**" in dms(e2e, ben)[0].content
    assert pings_nobody(dms(e2e, ben)[0])
    for user in (ana, cat, dan, eve, fay):
        assert dms(e2e, user) == []
    refused = e2e.take_violations("cannot_dm")
    assert len(refused) == 1, refused
    nudges = ledger(
        db,
        "SELECT user_id, via, state FROM member_nudges WHERE guild_id = :guild AND kind = 'risk' "
        "ORDER BY user_id",
        guild=guild_id,
    )
    assert nudges == [(ana.id, "channel", "sent"), (ben.id, "dm", "sent"), (cat.id, "dm", "failed")]

    await clock.to(week(first, 3, day=6))
    for user in (ana, ben, cat):
        await check_in(e2e, user)

    # --- week 4: recap of week 3 (a shield spent, a paused week); the pass, killed at a DM
    await clock.to(week(first, 4, at=time(9, 0)) + timedelta(seconds=ON_TIME_SECONDS))
    third = await recap_of(e2e, weekly, mondays[3])
    assert "Together: **3** leg days / 5 goal (2 short)" in third.content
    assert f"<@{eve.id}> used a shield to keep a 2-week streak" in third.content
    for user in (ana, ben, cat):
        assert f"<@{user.id}> (3 weeks)" in third.content
    # dan is named once: on a break, his streak safe (not among the streaks kept).
    assert f"🏖️ **On a break**: <@{dan.id}> (2 weeks safe)" in third.content
    assert third.content.count(f"<@{dan.id}>") == 1
    eve_stats = await e2e.ask(eve, "!legday stats")
    assert field(eve_stats, "Current streak") == "2 weeks"
    assert field(eve_stats, "Shields").startswith("none yet")
    dan_stats = await e2e.ask(dan, "!legday stats")
    assert field(dan_stats, "Current streak") == "2 weeks"  # the paused week kept it
    # The recap's button checks in too (eve's leg day of week 4).
    buttons = [c for c in third.custom_ids() if c.startswith("legday:checkin:lw")]
    assert len(buttons) == 1, third.custom_ids()
    click = await fd.click(eve, third, buttons[0])
    clicked = await click.wait_response()
    assert (
        clicked is not None
        and clicked.ephemeral
        and clicked.embeds[0]["title"].startswith("Leg day logged")
    )
    await clock.to(week(first, 4))
    for user in (ana, cat, dan):
        reply = await check_in(e2e, user)
    assert field(reply, "Streak").startswith("3 weeks")  # dan: weeks 1, 2 and 4

    kill.arm(lambda m: m.channel_id == fd.dm_channel(ben).id and RISK_DM in m.content)
    await clock.to(week(first, 4, day=5, at=time(18, 0)) + timedelta(seconds=ON_TIME_SECONDS))
    await kill.restart_after_kill()
    await settled(db, guild_id, "risk", mondays[4])
    assert len(dms(e2e, ben)) == 2  # one a week: the one the kill cut off was adopted
    assert "3-week leg day streak" in dms(e2e, ben)[1].content
    assert len(bot_messages(e2e, weekly, RISK_CALL)) == 1  # nobody else at risk
    assert dms(e2e, cat) == [] and e2e.take_violations("cannot_dm") == []

    # --- week 5: the recap of week 4 ---------------------------------------------------------
    await clock.to(week(first, 5, at=time(9, 0)) + timedelta(seconds=ON_TIME_SECONDS))
    fourth = await recap_of(e2e, weekly, mondays[4])
    assert "Together: **4** leg days / 5 goal (1 short)" in fourth.content

    # --- the whole month: each post once --------------------------------------------------
    await asyncio.sleep(1.0)
    recaps = bot_messages(e2e, weekly, RECAP)
    assert [r.content.splitlines()[0] for r in recaps] == [
        recap_title(mondays[n]) for n in (1, 2, 3, 4)
    ]
    assert all(pings_nobody(r) for r in recaps)
    assert len(bot_messages(e2e, gym, GOAL)) == 2
    assert len(bot_messages(e2e, weekly, RISK_CALL)) == 1
    assert len(dms(e2e, ben)) == 2 and dms(e2e, cat) == []
    posts = ledger(
        db,
        "SELECT kind, CAST(week_start AS TEXT), state, attempts FROM weekly_posts "
        "WHERE guild_id = :guild AND state != 'missed' ORDER BY week_start, kind",
        guild=guild_id,
    )
    day = {n: mondays[n].date().isoformat() for n in mondays}
    assert posts == [  # the killed ones were taken over once (2 attempts), and sent once
        ("goal", day[1], "sent", 2),
        ("recap", day[1], "sent", 2),
        ("goal", day[2], "sent", 1),
        ("recap", day[2], "sent", 1),
        ("recap", day[3], "sent", 1),
        ("risk", day[3], "sent", 2),
        ("recap", day[4], "sent", 1),
        ("risk", day[4], "sent", 2),
    ]
    nudges_of_week_4 = ledger(
        db,
        "SELECT user_id, via, state FROM member_nudges WHERE guild_id = :guild "
        "AND CAST(occurrence AS TEXT) = :day",
        guild=guild_id,
        day=day[4],
    )
    assert nudges_of_week_4 == [(ben.id, "dm", "sent")]
