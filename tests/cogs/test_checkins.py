"""legday (check in), undo, log and stats."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from discord.ext import commands

from bot.app import EXTENSIONS, LegDayBot
from bot.core.days import zone
from bot.core.errors import InputError
from bot.usecases import preferences, server
from tests.cogs.conftest import NOW, Runner
from tests.helpers import MockContext, MockGuild, MockMember
from tests.support import record_day

TODAY = NOW.date()

# Whether the server already has a `guilds` row (someone ran a settings command).
GUILD_ROW = pytest.mark.parametrize(
    "guild_configured", [True, pytest.param(False, id="fresh-guild")]
)


async def configure(bot, guild_id: int, guild_configured: bool) -> None:
    if guild_configured:
        await server.set_weekly_target(bot.services, guild_id, 1)


async def stored_days(bot, guild_id: int, user_id: int) -> list[str]:
    data = await bot.store.export_member(guild_id, user_id)
    return [c["day"] for c in data["checkins"]]


@pytest.mark.parametrize("slash", [False, True])
async def test_checkin_logs_today_and_answers_with_the_embed(bot, ctx, run, slash):
    c = ctx(slash=slash)

    await run.call(c, "legday", note="  hack squats  ")

    sent = c.last
    assert sent.method == ("send" if slash else "reply")
    assert not sent.ephemeral
    if not slash:
        assert sent.kwargs["mention_author"] is False
    assert sent.embed is not None
    assert sent.embed.title == "Leg day logged 🦵"
    fields = {f.name: f.value for f in sent.embed.fields}
    assert fields["This week"] == "1/1"
    assert fields["Streak"] == "1 week"
    assert fields["Total"] == "1 leg day"
    assert fields["Why it matters"].startswith("💡 *")
    assert c.author.mention in sent.embed.description
    data = await bot.store.export_member(c.guild.id, c.author.id)
    assert data["checkins"] == [
        {
            "day": TODAY.isoformat(),
            "created_at": NOW.isoformat(),
            "note": "hack squats",
            "source": "slash" if slash else "command",
        }
    ]


async def test_checking_in_twice_says_already_logged(bot, ctx, run):
    c = ctx()
    await run.call(c, "legday")
    await run.call(c, "legday", note="again")

    assert c.sent[-1].embed.title == "Already logged today 👍"
    assert "in the books" in c.sent[-1].embed.description
    assert dict((f.name, f.value) for f in c.sent[-1].embed.fields)["Total"] == "1 leg day"
    assert await stored_days(bot, c.guild.id, c.author.id) == [TODAY.isoformat()]


async def test_prefix_checkin_word_is_not_part_of_the_note(bot, ctx, run):
    c = ctx()
    await run.call(c, "legday", note="checkin leg press")
    data = await bot.store.export_member(c.guild.id, c.author.id)
    assert data["checkins"][0]["note"] == "leg press"

    other = ctx(guild=c.guild)
    await run.call(other, "legday", note="checkin")
    data = await bot.store.export_member(c.guild.id, other.author.id)
    assert data["checkins"][0]["note"] is None


@GUILD_ROW
async def test_checkin_uses_the_members_time_zone(bot, ctx, run, clock, guild_configured):
    clock.now = NOW.replace(hour=23, minute=30)  # already tomorrow in Tokyo
    c = ctx()
    await configure(bot, c.guild.id, guild_configured)
    await preferences.set_timezone(bot.services, c.guild.id, c.author.id, zone("Asia/Tokyo"))

    await run.call(c, "legday")

    assert await stored_days(bot, c.guild.id, c.author.id) == [
        (TODAY + timedelta(days=1)).isoformat()
    ]


async def test_note_over_200_characters_is_refused(bot, ctx, run):
    c = ctx()
    with pytest.raises(InputError):
        await run.call(c, "legday", note="x" * 201)
    assert await stored_days(bot, c.guild.id, c.author.id) == []

    await run.invoke(c, "legday", note="x" * 201)
    assert c.last.content == "**note**: it is 201 characters long. Expected at most 200 characters."
    assert c.last.method == "reply"


async def test_note_of_exactly_200_characters_is_fine(bot, ctx, run):
    c = ctx()
    await run.call(c, "legday", note="y" * 200)
    data = await bot.store.export_member(c.guild.id, c.author.id)
    assert data["checkins"][0]["note"] == "y" * 200


async def test_commands_refuse_direct_messages(bot, ctx, run):
    c = ctx(guild=None)
    command = run.command("legday")
    c.command = command
    with pytest.raises(commands.NoPrivateMessage):
        await command.can_run(c)

    await run.invoke(c, "legday")
    assert c.last.content == "That works in a server, not in DMs."


@pytest.mark.parametrize("slash", [False, True])
async def test_undo_removes_todays_checkin(bot, ctx, run, slash):
    c = ctx(slash=slash)
    await run.call(c, "legday")

    await run.call(c, "legday undo")

    assert c.last.content == f"Removed your check-in for {TODAY:%a %d %b %Y}. Streak now 0 weeks."
    assert not c.last.ephemeral
    assert await stored_days(bot, c.guild.id, c.author.id) == []


@pytest.mark.parametrize("slash", [False, True])
async def test_undo_without_a_checkin(bot, ctx, run, slash):
    c = ctx(slash=slash)
    await run.call(c, "legday undo")
    assert c.last.content == "Nothing to undo: you haven't logged leg day today."
    assert c.last.ephemeral is slash  # the ephemeral flag is dropped for prefix replies


async def test_undo_keeps_a_backfilled_day(bot, ctx, run):
    c = ctx()
    await run.call(c, "legday log", "yesterday")
    await run.call(c, "legday undo")
    assert c.last.content.startswith("Nothing to undo")
    assert await stored_days(bot, c.guild.id, c.author.id) == [
        (TODAY - timedelta(days=1)).isoformat()
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yesterday", TODAY - timedelta(days=1)),
        ("2026-11-18", date(2026, 11, 18)),  # exactly seven days back
        ("today", TODAY),
    ],
)
async def test_log_backfills_a_recent_day(bot, ctx, run, text, expected):
    c = ctx()
    await run.call(c, "legday log", text)

    data = await bot.store.export_member(c.guild.id, c.author.id)
    assert [(x["day"], x["source"]) for x in data["checkins"]] == [
        (expected.isoformat(), "backfill")
    ]
    title = "Leg day logged 🦵" if expected == TODAY else "Leg day backfilled 🦵"
    assert c.last.embed.title == title


async def test_log_twice_says_already_logged_for_that_day_not_today(bot, ctx, run):
    c = ctx()
    await run.call(c, "legday log", "yesterday")
    await run.call(c, "legday log", "yesterday")
    assert c.last.embed.title == "Already logged 👍"
    yesterday = TODAY - timedelta(days=1)
    assert f"{yesterday:%a %d %b %Y}" in c.last.embed.description
    await run.call(c, "legday log", "today")
    await run.call(c, "legday log", "today")
    assert c.last.embed.title == "Already logged today 👍"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026-13-01", "`2026-13-01` is not a date"),
        ("last tuesday", "`last tuesday` is not a date"),
        ("2026-11-26", "`2026-11-26` is in the future"),
        ("2026-11-17", "`2026-11-17` is more than 7 days ago"),
    ],
)
@pytest.mark.parametrize("slash", [False, True])
async def test_log_rejects_bad_days_with_a_friendly_message(bot, ctx, run, text, problem, slash):
    c = ctx(slash=slash)
    with pytest.raises(InputError):
        await run.call(c, "legday log", text)

    await run.invoke(c, "legday log", text)

    assert c.last.content.startswith(f"**day**: {problem}.")
    assert c.last.content.endswith("e.g. `2026-11-25`.")
    assert c.last.ephemeral is slash
    assert await stored_days(bot, c.guild.id, c.author.id) == []


async def test_stats_for_yourself(bot, ctx, run):
    c = ctx()
    for text in ("2026-11-18", "yesterday"):
        await run.call(c, "legday log", text)
    await run.call(c, "legday")

    await run.call(c, "legday stats")

    embed = c.last.embed
    assert embed.title == "Leg day stats"
    assert embed.description == c.author.mention
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Total"] == "3 leg days"
    assert fields["This week"] == "2/1"
    assert fields["This month"] == "3"
    assert fields["This year"] == "3"
    assert fields["Current streak"] == "2 weeks"
    assert fields["Best streak"] == "2 weeks"
    assert fields["Last check-in"] == f"<t:{int(NOW.timestamp())}:R>"


async def test_stats_for_a_member_without_checkins(bot, ctx, run):
    c = ctx()
    await run.call(c, "legday stats")
    fields = {f.name: f.value for f in c.last.embed.fields}
    assert fields["Total"] == "0 leg days"
    assert fields["Last check-in"] == "never"


@GUILD_ROW
async def test_stats_of_another_member_and_their_privacy(bot, ctx, run, guild_configured):
    guild = MockGuild()
    await configure(bot, guild.id, guild_configured)
    c = ctx(guild=guild)
    other = MockMember(guild=guild)
    await record_day(bot.store, guild.id, other.id, TODAY, now=NOW)

    await run.call(c, "legday stats", other)
    assert c.last.embed.description == other.mention
    assert {f.name: f.value for f in c.last.embed.fields}["Total"] == "1 leg day"

    await preferences.set_hidden(bot.services, guild.id, other.id, True)
    await run.call(c, "legday stats", other)
    assert c.last.content == "That member keeps their stats private."
    assert c.last.embed is None

    # A hidden member can still see their own stats, even when naming themselves.
    own = ctx(guild=guild, author=other, slash=True)
    await run.call(own, "legday stats", other)
    assert {f.name: f.value for f in own.last.embed.fields}["Total"] == "1 leg day"


async def test_servers_without_a_zone_follow_the_bots_default(make_config, store, clock):
    # 12:00 UTC on Wednesday is already 01:00 on Thursday in Auckland.
    settings = make_config(default_timezone="Pacific/Auckland")
    bot = LegDayBot(settings, store, clock=clock)
    for extension in EXTENSIONS:
        await bot.load_extension(extension)
    c = MockContext(bot=bot)

    await Runner(bot).call(c, "legday")

    assert await stored_days(bot, c.guild.id, c.author.id) == ["2026-11-26"]
    await server.set_timezone(
        bot.services, c.guild.id, zone("America/New_York")
    )  # the server's own wins
    await Runner(bot).call(c, "legday")
    assert await stored_days(bot, c.guild.id, c.author.id) == ["2026-11-25", "2026-11-26"]
