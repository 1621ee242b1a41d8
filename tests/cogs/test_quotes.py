"""legday why and the server's own quotes."""

from __future__ import annotations

import pytest
from discord.ext import commands

from bot.core.errors import InputError
from bot.core.quotes import BUILTIN_QUOTES
from bot.store.sql import quotes as quotes_sql
from bot.usecases import quotes as quotes_uc
from bot.usecases.quotes import MAX_QUOTES_PER_GUILD
from tests.cogs.conftest import NOW
from tests.helpers import MockGuild

MANAGE = "You need the **Manage Server** permission for that."


async def test_why_shows_a_quote(bot, ctx, run):
    c = ctx()
    await run.call(c, "legday why")
    texts = {f"💡 *{q.text}*" for q in BUILTIN_QUOTES}
    assert c.last.embed.description in texts


async def test_server_quotes_join_the_rotation(bot):
    guild = MockGuild()
    await quotes_uc.add(bot.services, guild.id, "Our gym, our rules.", 1)
    pool = await bot.quotes.pool(guild.id)
    assert pool[-1].text == "Our gym, our rules."


@pytest.mark.parametrize("name", ["legday quotes", "legday quotes list"])
async def test_quotes_list_when_empty(bot, ctx, run, name):
    c = ctx()
    await run.call(c, name)
    assert c.last.content.startswith("No server quotes yet")


async def test_quotes_list_shows_the_servers_quotes(bot, ctx, run):
    guild = MockGuild()
    first = await quotes_uc.add(bot.services, guild.id, "Squat.", 1)
    second = await quotes_uc.add(bot.services, guild.id, "Lunge.", 1)
    await quotes_uc.add(bot.services, guild.id + 1, "Elsewhere.", 1)
    c = ctx(guild=guild)

    await run.call(c, "legday quotes")

    assert c.last.embed.title == "Server quotes"
    assert c.last.embed.description == f"**#{first}** Squat.\n**#{second}** Lunge."


@pytest.mark.parametrize("slash", [False, True])
async def test_quotes_add(bot, ctx, run, slash):
    c = ctx(manage_guild=True, slash=slash)
    before = await bot.quotes.pool(c.guild.id)  # warm the cache

    await run.call(c, "legday quotes add", quote="  Never skip leg day.  ")

    (stored,) = await bot.store.list_quotes(c.guild.id)
    assert (stored.text, stored.added_by, stored.created_at) == (
        "Never skip leg day.",
        c.author.id,
        NOW,
    )
    assert c.last.content == f"Added quote #{stored.id}."
    assert not c.last.ephemeral
    # The cached pool was dropped, so the new quote is in rotation at once.
    after = await bot.quotes.pool(c.guild.id)
    assert len(after) == len(before) + 1
    assert after[-1].text == "Never skip leg day."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("q" * 301, "**quote**: it is 301 characters long. Expected at most 300 characters."),
        ("   ", "**quote**: it is empty. Expected some text, at most 300 characters."),
    ],
)
async def test_quotes_add_rejects_bad_text(bot, ctx, run, text, message):
    c = ctx(manage_guild=True)
    with pytest.raises(InputError):
        await run.call(c, "legday quotes add", quote=text)

    await run.invoke(c, "legday quotes add", quote=text)

    assert c.last.content == message
    assert await bot.store.list_quotes(c.guild.id) == []


async def test_quotes_add_at_the_limit(bot, ctx, run):
    c = ctx(manage_guild=True, slash=True)
    await bot.store.run(
        lambda tx: [
            quotes_sql.add(tx, c.guild.id, "q", 1, NOW) for _ in range(MAX_QUOTES_PER_GUILD)
        ]
    )

    await run.call(c, "legday quotes add", quote="one more")

    assert c.last.content == "This server already has 200 quotes; remove one first."
    assert c.last.ephemeral
    assert len(await bot.store.list_quotes(c.guild.id)) == MAX_QUOTES_PER_GUILD


@pytest.mark.parametrize("name", ["legday quotes add", "legday quotes remove"])
@pytest.mark.parametrize("slash", [False, True])
async def test_quote_changes_need_manage_server(bot, ctx, run, name, slash):
    c = ctx(manage_guild=False, slash=slash)
    command = run.command(name, c)
    c.command = command
    with pytest.raises(commands.MissingPermissions) as info:
        await command.can_run(c)
    assert info.value.missing_permissions == ["manage_guild"]

    args = {"quote": "sneaky"} if name.endswith("add") else {"quote_id": 1}
    await run.invoke(c, name, **args)

    assert c.last.content == MANAGE
    assert c.last.ephemeral is slash
    assert await bot.store.list_quotes(c.guild.id) == []


async def test_quotes_list_needs_no_permission(bot, ctx, run):
    c = ctx(manage_guild=False)
    command = run.command("legday quotes list")
    c.command = command
    assert await command.can_run(c)


@pytest.mark.parametrize("slash", [False, True])
async def test_quotes_remove(bot, ctx, run, slash):
    c = ctx(manage_guild=True, slash=slash)
    quote_id = await quotes_uc.add(bot.services, c.guild.id, "Bye.", 1)
    await bot.quotes.pool(c.guild.id)

    await run.call(c, "legday quotes remove", quote_id)

    assert c.last.content == f"Removed quote #{quote_id}."
    assert await bot.store.list_quotes(c.guild.id) == []
    assert len(await bot.quotes.pool(c.guild.id)) == len(BUILTIN_QUOTES)


async def test_quotes_remove_unknown_or_another_servers(bot, ctx, run):
    c = ctx(manage_guild=True, slash=True)
    theirs = await quotes_uc.add(bot.services, c.guild.id + 1, "Not yours.", 1)

    await run.call(c, "legday quotes remove", theirs)

    assert c.last.content == (
        f"There is no quote #{theirs} in this server. See `/legday quotes list`."
    )
    assert c.last.ephemeral
    assert len(await bot.store.list_quotes(c.guild.id + 1)) == 1
