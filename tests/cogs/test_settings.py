"""Member preferences (tz, hide), server settings, help, and the owner-only sync."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from discord.ext import commands

from bot.core.days import zone
from bot.core.errors import InputError
from bot.usecases import preferences, server
from cogs.settings import zone_autocomplete
from tests.cogs.conftest import NOW, OWNER_ID
from tests.helpers import MockGuild, MockMember
from tests.support import member_stats, record_day

MANAGE = "You need the **Manage Server** permission for that."
BAD_ZONE = (
    "**timezone**: `Mars/Olympus` is not a time zone I know. Expected an IANA time zone "
    "name, e.g. `Europe/London`."
)


@pytest.mark.parametrize("slash", [False, True])
async def test_tz_sets_the_members_zone(bot, ctx, run, slash):
    c = ctx(slash=slash)

    await run.call(c, "legday tz", "  europe/london ")

    assert c.last.content == "Your leg days now follow **Europe/London**."
    assert c.last.ephemeral is slash
    assert (await bot.store.member_config(c.guild.id, c.author.id)).timezone == "Europe/London"


@pytest.mark.parametrize("word", ["clear", "Reset", "server"])
async def test_tz_clear(bot, ctx, run, word):
    c = ctx(slash=True)
    await preferences.set_timezone(bot.services, c.guild.id, c.author.id, zone("Asia/Tokyo"))

    await run.call(c, "legday tz", word)

    assert c.last.content == "Your days now follow the server's time zone."
    assert c.last.ephemeral
    assert (await bot.store.member_config(c.guild.id, c.author.id)).timezone is None


@pytest.mark.parametrize("slash", [False, True])
async def test_tz_rejects_an_unknown_zone(bot, ctx, run, slash):
    c = ctx(slash=slash)
    with pytest.raises(InputError):
        await run.call(c, "legday tz", "Mars/Olympus")

    await run.invoke(c, "legday tz", "Mars/Olympus")

    assert c.last.content == BAD_ZONE
    assert c.last.ephemeral is slash
    assert (await bot.store.member_config(c.guild.id, c.author.id)).timezone is None


async def test_tz_autocomplete_suggests_zones():
    choices = await zone_autocomplete(object(), "london")
    assert [c.value for c in choices] == ["Europe/London"]
    assert len(await zone_autocomplete(object(), "")) <= 25


@pytest.mark.parametrize(
    ("state", "hidden", "text"),
    [
        ("on", True, "You're hidden from the leaderboards. Your check-ins still count."),
        ("OFF", False, "You're back on the leaderboards."),
    ],
)
async def test_hide(bot, ctx, run, state, hidden, text):
    c = ctx(slash=True)
    await run.call(c, "legday hide", state)
    assert c.last.content == text
    assert c.last.ephemeral
    assert (await bot.store.member_config(c.guild.id, c.author.id)).hidden is hidden


async def test_hide_rejects_other_words(bot, ctx, run):
    c = ctx()
    await run.invoke(c, "legday hide", "maybe")
    assert c.last.content == (
        "**state**: `maybe` is not on or off. Expected `on` or `off`, e.g. `on`."
    )
    assert (await bot.store.member_config(c.guild.id, c.author.id)).hidden is False


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("legday settings", ()),
        ("legday settings timezone", ("Europe/Paris",)),
        ("legday settings target", (2,)),
    ],
)
@pytest.mark.parametrize("slash", [False, True])
async def test_settings_need_manage_server(bot, ctx, run, name, args, slash):
    c = ctx(manage_guild=False, slash=slash)
    command = run.command(name, c)
    c.command = command
    with pytest.raises(commands.MissingPermissions):
        await command.can_run(c)

    await run.invoke(c, name, *args)

    assert c.answers[-1].content == MANAGE
    assert c.answers[-1].ephemeral is slash
    assert len(c.answers) == 1
    config = await bot.store.guild_config(c.guild.id)
    assert (config.timezone, config.weekly_target) == (None, 1)


async def test_settings_show(bot, ctx, run):
    c = ctx(manage_guild=True)
    await run.call(c, "legday settings")
    fields = {f.name: f.value for f in c.last.embed.fields}
    assert fields == {
        "Time zone": "UTC (default)",
        "Weekly target": "1 leg day",
        "Group goal": "off",
        "Streak shields": "one per 4 met weeks in a row",
        "Pauses": "6 weeks a year",
        "Streak-at-risk nudge": "Sat 18:00",
        "Weekly recap": "off",
        "Leaderboards": "text",
    }

    await server.set_timezone(bot.services, c.guild.id, zone("Asia/Tokyo"))
    await server.set_weekly_target(bot.services, c.guild.id, 3)
    await run.call(c, "legday settings")
    fields = {f.name: f.value for f in c.last.embed.fields}
    assert (fields["Time zone"], fields["Weekly target"]) == ("Asia/Tokyo", "3 leg days")


async def test_settings_timezone(bot, ctx, run):
    c = ctx(manage_guild=True, slash=True)
    await run.call(c, "legday settings timezone", "america/new_york")
    assert c.last.content == "Server time zone set to **America/New_York**."
    assert not c.last.ephemeral
    assert (await bot.store.guild_config(c.guild.id)).timezone == "America/New_York"


async def test_settings_timezone_rejects_an_unknown_zone(bot, ctx, run):
    c = ctx(manage_guild=True)
    await run.invoke(c, "legday settings timezone", "Mars/Olympus")
    assert c.last.content == BAD_ZONE
    assert (await bot.store.guild_config(c.guild.id)).timezone is None


async def test_settings_target_recomputes_streaks(bot, ctx, run):
    guild = MockGuild()
    c = ctx(guild=guild, author=MockMember(guild=guild, manage_guild=True))
    today = NOW.date()
    for user_id, offsets in ((1, (0, 1, 7, 8)), (2, (0, 7))):
        for offset in offsets:
            await record_day(bot.store, guild.id, user_id, today - timedelta(days=offset), now=NOW)

    await run.call(c, "legday settings target", 2)

    assert c.last.content == (
        "Weekly target set to **2 leg days**; recomputed streaks for 2 members."
    )
    assert (await bot.store.guild_config(guild.id)).weekly_target == 2
    assert (await member_stats(bot.store, guild.id, 1)).run == 2
    assert (await member_stats(bot.store, guild.id, 2)).run == 0


@pytest.mark.parametrize("value", ["0", "8", "-1"])
async def test_settings_target_out_of_range(bot, ctx, run, value):
    c = ctx(manage_guild=True)
    command = run.command("legday settings target")
    param = command.clean_params["target"]
    c.command = command
    c.current_parameter = param
    with pytest.raises(commands.RangeError) as info:
        await commands.run_converters(c, param.converter, value, param)

    await run.handle(c, info.value)

    assert c.last.content == (
        f"**target**: `{value}` is out of range. Expected a number from 1 to 7."
    )
    assert (await bot.store.guild_config(c.guild.id)).weekly_target == 1


async def test_settings_target_in_range_converts(bot, ctx):
    c = ctx(manage_guild=True)
    command = bot.get_command("legday settings target")
    param = command.clean_params["target"]
    assert await commands.run_converters(c, param.converter, "7", param) == 7


@pytest.mark.parametrize("slash", [False, True])
async def test_help(bot, ctx, run, slash):
    c = ctx(slash=slash)
    await run.call(c, "legday help")
    embed = c.last.embed
    assert embed.title == "Leg day bot 🦵"
    lead = "/" if slash else "!"
    checkin = "`/legday checkin [note]`" if slash else "`!legday [note]`"
    assert checkin in embed.description
    # Usage comes from the commands themselves, so help and errors name arguments alike.
    for usage in ("legday top [period] [style]", "legday log <day> [note]", "legday tz <timezone>"):
        assert f"`{lead}{usage}`" in embed.description
    # Members are pointed at the admin group but not shown its commands.
    assert "`/legday-admin`" in embed.description
    assert "schedule add" not in embed.description
    assert c.last.ephemeral is slash


async def test_sync_is_owner_only(bot, ctx, run):
    c = ctx(manage_guild=True)
    command = run.command("legday sync")
    c.command = command
    with pytest.raises(commands.NotOwner):
        await command.can_run(c)

    with mock.patch.object(bot.tree, "sync", mock.AsyncMock(return_value=[])) as sync:
        await run.invoke(c, "legday sync", "global")

    sync.assert_not_awaited()
    assert c.last.content == "Only the bot's owner can do that."


async def test_sync_for_the_owner(bot, ctx, run):
    guild = MockGuild()
    c = ctx(guild=guild, author=MockMember(id=OWNER_ID, guild=guild))

    with mock.patch.object(bot.tree, "sync", mock.AsyncMock(return_value=[1, 2, 3])) as sync:
        await run.call(c, "legday sync")
        sync.assert_awaited_once_with(guild=guild)
        assert c.last.content == "Synced 3 commands to this server."

        await run.call(c, "legday sync", "global")
        assert sync.await_args == mock.call()
        assert c.last.content == "Synced 3 commands globally (may take a while)."

        await run.call(c, "legday sync", "clear")
        assert c.last.content == "Removed this server's slash commands."

        with pytest.raises(InputError):
            await run.call(c, "legday sync", "everywhere")
    await run.invoke(c, "legday sync", "everywhere")
    assert c.last.content == (
        "**scope**: `everywhere` is not a scope. Expected `guild`, `global` or `clear`."
    )


async def test_sync_has_no_slash_command(bot):
    assert bot.get_command("legday sync").with_app_command is False
    legday = bot.tree.get_command("legday")
    assert "sync" not in {c.name for c in legday.commands}


async def test_settings_images_switches_the_leaderboard_default(bot, run, ctx):
    c = ctx(manage_guild=True)
    await run.call(c, "legday settings images", "image")
    assert "now answers with a picture" in c.last.content
    assert (await server.show(bot.services, c.guild.id)).board_images is True
    await run.call(c, "legday settings images", "text")
    assert (await server.show(bot.services, c.guild.id)).board_images is False


async def test_settings_images_refuses_other_words(bot, run, ctx):
    c = ctx(manage_guild=True)
    with pytest.raises(InputError, match="not a leaderboard style"):
        await run.call(c, "legday settings images", "gif")
    assert (await server.show(bot.services, c.guild.id)).board_images is False
