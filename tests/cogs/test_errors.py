"""The error handler: short answers for expected errors, an apology and a log for the rest."""

from __future__ import annotations

import logging
from unittest import mock

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.app import LegDayBot
from cogs.errors import GENERIC_APOLOGY
from tests.helpers import MockGuild, MockMember, MockMessage


@pytest.mark.parametrize("slash", [False, True])
async def test_unexpected_error_is_logged_with_context_and_apologised_for(
    bot, ctx, run, caplog, slash
):
    c = ctx(slash=slash, content="!legday top all")
    boom = RuntimeError("disk I/O error at /var/lib/legday/secret.db")
    caplog.set_level(logging.ERROR, logger="cogs.errors")

    with mock.patch.object(bot.store, "read", side_effect=boom):
        await run.invoke(c, "legday top", "all")

    (record,) = [r for r in caplog.records if r.name == "cogs.errors"]
    assert record.levelno == logging.ERROR
    message = record.getMessage()
    assert "'legday top'" in message
    assert f"guild={c.guild.id}" in message
    assert f"channel={c.channel.id}" in message
    assert f"user={c.author.id}" in message
    assert ("text='!legday top all'" if not slash else "text=None") in message
    assert record.exc_info is not None and record.exc_info[1] is boom

    (answer,) = c.answers
    assert answer.content == GENERIC_APOLOGY
    assert answer.ephemeral is slash
    assert answer.embed is None and answer.file is None
    for leak in ("Traceback", "RuntimeError", "secret.db", "disk I/O"):
        assert leak not in answer.content


async def test_unknown_commands_are_ignored(bot, ctx, run):
    c = ctx()
    await run.handle(c, commands.CommandNotFound('Command "legs" is not found'))
    assert c.sent == []


@pytest.mark.parametrize(
    ("slash", "usage"),
    [(False, "`!legday log <day> [note]`"), (True, "`/legday log <day> [note]`")],
)
async def test_missing_argument_shows_usage(bot, ctx, run, slash, usage):
    c = ctx(slash=slash)
    c.command = run.command("legday log")
    param = c.command.clean_params["day"]

    await run.handle(c, commands.MissingRequiredArgument(param))

    assert c.last.content == f"Missing **day**. Usage: {usage}"
    assert c.last.ephemeral is slash


@pytest.mark.parametrize(
    ("error", "answer"),
    [
        (
            commands.CommandOnCooldown(commands.Cooldown(1, 30), 12.4, commands.BucketType.member),
            "Easy there! Try again in 12s.",
        ),
        (
            commands.BotMissingPermissions(["send_messages", "embed_links"]),
            "I need **Send Messages** and **Embed Links** here for that.",
        ),
        (commands.MissingPermissions(["manage_guild"]), "You need the **Manage Server** "),
        (commands.NotOwner(), "Only the bot's owner can do that."),
        (commands.NoPrivateMessage(), "That works in a server, not in DMs."),
        (commands.CheckFailure(), "You can't use that command here."),
        (
            commands.BadArgument('Converting to "int" failed for parameter "period".'),
            "**value**: I couldn't read (empty). Usage: `!legday top [period] [style]`",
        ),
    ],
)
async def test_expected_errors_get_short_answers(bot, ctx, run, error, answer):
    c = ctx()
    c.command = run.command("legday top")

    await run.handle(c, error)

    (sent,) = c.answers
    assert sent.content.startswith(answer)
    assert sent.method == "reply"
    # A nonce of its own, kept if the reply is sent again through a 429 storm.
    assert sent.kwargs == {"mention_author": False, "nonce": sent.kwargs["nonce"]}


async def test_slash_errors_are_ephemeral_and_unwrapped(bot, ctx, run):
    c = ctx(slash=True, manage_guild=False)
    command = run.command("legday-admin quotes add")
    c.command = command
    wrapped = commands.HybridCommandError(
        app_commands.CommandInvokeError(command.app_command, commands.MissingPermissions(["x"]))
    )

    await run.handle(c, wrapped)

    assert c.last.content == "You need the **Manage Server** permission for that."
    assert (c.last.method, c.last.ephemeral) == ("send", True)


async def test_a_failed_error_reply_is_logged_not_raised(bot, ctx, run, caplog):
    c = ctx()
    c.command = run.command("legday top")
    c.reply.side_effect = discord.HTTPException(mock.Mock(status=500, reason="oops"), "down")

    await run.handle(c, commands.CheckFailure())

    assert any(
        r.levelno == logging.WARNING and str(c.channel.id) in r.getMessage() for r in caplog.records
    )


async def test_bot_wide_cooldown_is_per_member(make_config, store, ctx):
    bot = LegDayBot(make_config(cooldown_rate=2, cooldown_seconds=60), store)
    guild = MockGuild()
    first = ctx(guild=guild)
    second = ctx(guild=guild, author=MockMember(guild=guild))

    assert await bot.can_run(first)
    assert await bot.can_run(first)
    with pytest.raises(commands.CommandOnCooldown) as info:
        await bot.can_run(first)
    assert info.value.type is commands.BucketType.member
    assert await bot.can_run(second)


async def test_a_refused_pointer_to_slash_commands_is_logged_not_raised(make_config, store, caplog):
    bot = LegDayBot(make_config(prefix_commands=False), store)
    guild = MockGuild()
    message = MockMessage(content="!legday", author=MockMember(guild=guild), guild=guild)
    message.author.bot = False
    refused = discord.Forbidden(mock.Mock(status=403, reason="Forbidden"), "Missing Access")
    message.reply = mock.AsyncMock(side_effect=refused)

    with caplog.at_level(logging.INFO, logger="bot.app"):
        await bot.on_message(message)

    message.reply.assert_awaited_once()
    assert any("could not point" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("status", "code"), [(404, 10062), (400, 40060)])
async def test_an_interaction_too_late_to_answer_is_a_warning_without_an_apology(
    bot, ctx, run, caplog, status, code
):
    c = ctx(slash=True)
    c.command = run.command("legday top")
    gone = discord.HTTPException(mock.Mock(status=status, reason="gone"), {"code": code})
    caplog.set_level(logging.WARNING, logger="cogs.errors")

    await run.handle(c, commands.CommandInvokeError(gone))

    assert c.sent == []
    (record,) = [r for r in caplog.records if r.name == "cogs.errors"]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert str(code) in record.getMessage()
