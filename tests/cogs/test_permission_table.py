"""Who may run each command, one table for the whole command tree, below the e2e layer.

The table names every `!` command (the bot's `commands` tree) and every `/` command (the
app command tree) with who may run it. A command added to the tree without a row fails
`test_the_tables_name_every_command`, so a new admin command cannot slip in unchecked;
removing the Manage Server check from any single admin command fails
`test_admin_commands_refuse_members_without_manage_server` for that command.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Literal

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.app import LegDayBot
from tests.cogs.conftest import OWNER_ID, Runner
from tests.helpers import MockContext, MockGuild, MockMember

Who = Literal["member", "admin", "owner"]
MEMBER: Who = "member"
ADMIN: Who = "admin"  # Manage Server
OWNER: Who = "owner"  # LEGDAY_OWNER_IDS

NEEDS_MANAGE = "You need the **Manage Server** permission for that."
NOT_OWNER = "Only the bot's owner can do that."

# Every `!` command by its qualified name. The admin commands' prefix twins under
# `legday` (`legday schedule add`) are admin commands as much as their originals.
PREFIX: dict[str, Who] = {
    "legday": MEMBER,
    "legday tz": MEMBER,
    "legday remind": MEMBER,
    "legday hide": MEMBER,
    "legday help": MEMBER,
    "legday why": MEMBER,
    "legday top": MEMBER,
    "legday log": MEMBER,
    "legday undo": MEMBER,
    "legday stats": MEMBER,
    "legday export": MEMBER,
    "legday forget": MEMBER,
    "legday quotes": MEMBER,
    "legday quotes list": MEMBER,
    "legday quotes add": ADMIN,
    "legday quotes remove": ADMIN,
    "legday schedule": ADMIN,
    "legday schedule add": ADMIN,
    "legday schedule list": ADMIN,
    "legday schedule remove": ADMIN,
    "legday schedule nudge": ADMIN,
    "legday schedule test": ADMIN,
    "legday schedule enable": ADMIN,
    "legday settings": ADMIN,
    "legday settings timezone": ADMIN,
    "legday settings target": ADMIN,
    "legday settings goal": ADMIN,
    "legday settings shields": ADMIN,
    "legday settings pauses": ADMIN,
    "legday settings risk": ADMIN,
    "legday settings images": ADMIN,
    "legday recap": ADMIN,
    "legday recap set": ADMIN,
    "legday recap off": ADMIN,
    "legday recap test": ADMIN,
    "legday pause": MEMBER,
    "legday lifts": MEMBER,
    "legday prs": MEMBER,
    "legday units": MEMBER,
    "legday sync": OWNER,
    "legday-admin": ADMIN,
    "legday-admin help": ADMIN,
    "legday-admin quotes": ADMIN,
    "legday-admin quotes add": ADMIN,
    "legday-admin quotes remove": ADMIN,
    "legday-admin quotes list": ADMIN,
    "legday-admin schedule": ADMIN,
    "legday-admin schedule add": ADMIN,
    "legday-admin schedule list": ADMIN,
    "legday-admin schedule remove": ADMIN,
    "legday-admin schedule nudge": ADMIN,
    "legday-admin schedule test": ADMIN,
    "legday-admin schedule enable": ADMIN,
    "legday-admin settings": ADMIN,
    "legday-admin settings timezone": ADMIN,
    "legday-admin settings target": ADMIN,
    "legday-admin settings goal": ADMIN,
    "legday-admin settings shields": ADMIN,
    "legday-admin settings pauses": ADMIN,
    "legday-admin settings risk": ADMIN,
    "legday-admin settings images": ADMIN,
    "legday-admin recap": ADMIN,
    "legday-admin recap set": ADMIN,
    "legday-admin recap off": ADMIN,
    "legday-admin recap test": ADMIN,
}

# Every `/` command a member can invoke (a leaf of the app command tree), by its path.
SLASH: dict[str, Who] = {
    "legday checkin": MEMBER,
    "legday tz": MEMBER,
    "legday remind": MEMBER,
    "legday hide": MEMBER,
    "legday help": MEMBER,
    "legday why": MEMBER,
    "legday top": MEMBER,
    "legday log": MEMBER,
    "legday undo": MEMBER,
    "legday stats": MEMBER,
    "legday export": MEMBER,
    "legday forget": MEMBER,
    "legday quotes list": MEMBER,
    "legday-admin help": ADMIN,
    "legday-admin quotes add": ADMIN,
    "legday-admin quotes remove": ADMIN,
    "legday-admin quotes list": ADMIN,
    "legday-admin schedule add": ADMIN,
    "legday-admin schedule list": ADMIN,
    "legday-admin schedule remove": ADMIN,
    "legday-admin schedule nudge": ADMIN,
    "legday-admin schedule test": ADMIN,
    "legday-admin schedule enable": ADMIN,
    "legday-admin settings show": ADMIN,
    "legday-admin settings timezone": ADMIN,
    "legday-admin settings target": ADMIN,
    "legday-admin settings goal": ADMIN,
    "legday-admin settings shields": ADMIN,
    "legday-admin settings pauses": ADMIN,
    "legday-admin settings risk": ADMIN,
    "legday-admin settings images": ADMIN,
    "legday-admin recap show": ADMIN,
    "legday-admin recap set": ADMIN,
    "legday-admin recap off": ADMIN,
    "legday-admin recap test": ADMIN,
    "legday pause": MEMBER,
    "legday lifts": MEMBER,
    "legday prs": MEMBER,
    "legday units": MEMBER,
}

SlashCommand = app_commands.Command[Any, ..., Any]


def prefix_commands(bot: LegDayBot) -> dict[str, commands.Command[Any, ..., Any]]:
    return {command.qualified_name: command for command in bot.walk_commands()}


def slash_commands(bot: LegDayBot) -> dict[str, SlashCommand]:
    found: dict[str, SlashCommand] = {}
    for top in bot.tree.get_commands():
        if isinstance(top, app_commands.Group):
            found.update({c.qualified_name: c for c in top.walk_commands()})
        found.pop(top.qualified_name, None)
        if isinstance(top, app_commands.Command):
            found[top.qualified_name] = top
    return {path: c for path, c in found.items() if isinstance(c, app_commands.Command)}


def invoker(bot: LegDayBot, who: str, *, slash: bool) -> MockContext:
    """A context for a member (`member`), one with Manage Server (`admin`), one with
    Administrator but not on the owner list (`server owner`), or the bot's owner."""
    guild = MockGuild()
    author = MockMember(guild=guild, id=OWNER_ID if who == "owner" else None)
    if who == "admin":
        author.guild_permissions = discord.Permissions(manage_guild=True)
    if who == "server owner":
        author.guild_permissions = discord.Permissions.all()
    return MockContext(bot=bot, guild=guild, author=author, slash=slash)


async def prefix_check(c: MockContext, name: str) -> bool:
    """Run the checks discord.py runs before `!name` in context `c`; errors propagate."""
    command = prefix_commands(c.bot)[name]
    c.command = command
    return await command.can_run(c)


async def slash_check(c: MockContext, path: str) -> bool:
    """Run the checks discord.py runs before `/path` (a hybrid command checks through the
    wrapped command, with the context parked on the interaction); errors propagate."""
    item = slash_commands(c.bot)[path]
    wrapped = getattr(item, "wrapped", None)
    assert isinstance(wrapped, commands.Command), f"/{path} is not a hybrid command"
    c.command = wrapped
    return await wrapped.can_run(c)


def rows(table: dict[str, Who], who: Who) -> list[str]:
    return [name for name, needs in table.items() if needs == who]


async def outcome(check: Awaitable[bool]) -> str:
    """What a check decided, in words a table can hold."""
    try:
        return "allowed" if await check else "refused"
    except commands.MissingPermissions as error:
        return f"needs {','.join(error.missing_permissions)}"
    except commands.CommandError as error:
        return type(error).__name__


async def decide(bot: LegDayBot, who: str, *, slash: bool, names: list[str]) -> dict[str, str]:
    """Each command's outcome for `who` (checks only read the context, so one serves all)."""
    check = slash_check if slash else prefix_check
    c = invoker(bot, who, slash=slash)
    return {name: await outcome(check(c, name)) for name in names}


async def test_the_tables_name_every_command(bot: LegDayBot):
    assert set(prefix_commands(bot)) == set(PREFIX), "add the new `!` command to PREFIX"
    assert set(slash_commands(bot)) == set(SLASH), "add the new `/` command to SLASH"
    # An admin command's prefix twin runs its original's code, so one row checks the
    # code and the other the way in; a twin grown into its own command needs its own look.
    found = prefix_commands(bot)
    for name in rows(PREFIX, ADMIN):
        if name.startswith("legday ") and not isinstance(found[name], commands.Group):
            original = found[name.replace("legday ", "legday-admin ", 1)]
            assert found[name].callback is original.callback, name


async def test_admin_commands_refuse_members_without_manage_server(bot: LegDayBot):
    """With `/`, the server may have opened the commands to everyone (its integration
    settings): the bot's own check must still refuse."""
    for slash, table in ((False, PREFIX), (True, SLASH)):
        names = rows(table, ADMIN)
        decided = await decide(bot, "member", slash=slash, names=names)
        assert decided == dict.fromkeys(names, "needs manage_guild")


async def test_admin_commands_run_for_manage_server(bot: LegDayBot):
    for slash, table in ((False, PREFIX), (True, SLASH)):
        names = rows(table, ADMIN)
        decided = await decide(bot, "admin", slash=slash, names=names)
        assert decided == dict.fromkeys(names, "allowed")


async def test_member_commands_need_no_permission(bot: LegDayBot):
    for slash, table in ((False, PREFIX), (True, SLASH)):
        names = rows(table, MEMBER)
        decided = await decide(bot, "member", slash=slash, names=names)
        assert decided == dict.fromkeys(names, "allowed")


async def test_a_refusal_is_one_reply_in_the_bots_words(bot: LegDayBot, run: Runner):
    for slash in (False, True):
        c = invoker(bot, "member", slash=slash)
        name = "legday-admin schedule remove"
        with pytest.raises(commands.MissingPermissions) as refused:
            await (slash_check(c, name) if slash else prefix_check(c, name))
        await run.handle(c, refused.value)
        assert [(s.content, s.ephemeral) for s in c.answers] == [(NEEDS_MANAGE, slash)]


async def test_slash_admin_commands_are_hidden_by_default_and_member_ones_are_not(
    bot: LegDayBot,
):
    """Discord reads `default_member_permissions` from the top-level command only."""
    manage = discord.Permissions(manage_guild=True)
    found = {}
    for path, item in slash_commands(bot).items():
        root = item.root_parent or item
        payload = root.to_dict(bot.tree).get("default_member_permissions")
        found[path] = None if payload is None else discord.Permissions(int(payload))
    assert found == {path: manage if who == ADMIN else None for path, who in SLASH.items()}


async def test_owner_commands_refuse_everyone_else(bot: LegDayBot, run: Runner):
    names = rows(PREFIX, OWNER)
    assert names, "the owner's `sync` is in the table"
    for who in ("member", "admin", "server owner"):
        decided = await decide(bot, who, slash=False, names=names)
        assert decided == dict.fromkeys(names, "NotOwner"), who
    c = invoker(bot, "server owner", slash=False)
    with pytest.raises(commands.NotOwner) as refused:
        await prefix_check(c, names[0])
    await run.handle(c, refused.value)
    assert [s.content for s in c.answers] == [NOT_OWNER]


async def test_owner_commands_run_for_the_owner_and_only_with_prefix(bot: LegDayBot):
    names = rows(PREFIX, OWNER)
    decided = await decide(bot, "owner", slash=False, names=names)
    assert decided == dict.fromkeys(names, "allowed")
    for name in names:
        command = prefix_commands(bot)[name]
        assert getattr(command, "app_command", None) is None, f"{name} must not be a / command"
