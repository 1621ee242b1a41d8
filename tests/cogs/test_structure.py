"""The shape of the command set, the extension modules, mentions and intents."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections import Counter

import discord
import pytest
from discord import app_commands

import cogs
from bot.app import EXTENSIONS, LegDayBot

SLASH_NAME = re.compile(r"^[-_\w]{1,32}$")


def test_every_cogs_module_imports_and_extensions_have_async_setup():
    names = [f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__)]
    assert {"cogs.legday", "cogs.errors", "cogs.group"} <= set(names)
    for name in names:
        module = importlib.import_module(name)
        setup = getattr(module, "setup", None)
        if name in EXTENSIONS or setup is not None:
            assert inspect.iscoroutinefunction(setup), f"{name}.setup must be async"
    assert set(EXTENSIONS) <= set(names)


async def test_prefix_commands_do_not_collide(bot):
    all_commands = list(bot.walk_commands())
    assert len(all_commands) > 10
    qualified = Counter(c.qualified_name for c in all_commands)
    assert [name for name, n in qualified.items() if n > 1] == []

    # Within each level, no name or alias is claimed twice.
    levels: dict[str, list[str]] = {}
    for command in all_commands:
        parent = command.full_parent_name
        levels.setdefault(parent, []).extend([command.name, *command.aliases])
    for parent, names in levels.items():
        lowered = Counter(n.lower() for n in names)  # the bot is case-insensitive
        assert [n for n, k in lowered.items() if k > 1] == [], f"clash under {parent!r}"

    for command in all_commands:
        assert command.name == command.name.lower()
        # Resolving the qualified name gets this very command back.
        assert bot.get_command(command.qualified_name) is command


def _walk_slash(
    items: list[app_commands.Command | app_commands.Group], level: str = ""
) -> list[tuple[str, app_commands.Command | app_commands.Group]]:
    found = []
    names = [item.name for item in items]
    assert len(names) == len(set(names)), f"duplicate slash names under {level!r}: {names}"
    assert len(items) <= 25, f"{level!r} has {len(items)} subcommands"
    for item in items:
        path = f"{level} {item.name}".strip()
        found.append((path, item))
        if isinstance(item, app_commands.Group):
            found += _walk_slash(list(item.commands), path)
    return found


async def test_slash_commands_are_valid_and_unique(bot):
    top = bot.tree.get_commands()
    assert sorted(c.name for c in top) == ["legday", "legday-admin"]
    entries = _walk_slash(top)
    paths = [path for path, _ in entries]
    assert {
        "legday checkin",
        "legday top",
        "legday quotes list",
        "legday-admin quotes add",
        "legday-admin settings show",
        "legday-admin schedule add",
    } <= set(paths)
    assert "legday sync" not in paths
    for path, item in entries:
        assert SLASH_NAME.fullmatch(item.name), path
        assert item.name == item.name.lower(), path
        assert 1 <= len(item.description) <= 100, f"{path}: {item.description!r}"
        if isinstance(item, app_commands.Command):
            assert path.count(" ") <= 2, f"{path} is nested too deep"
            for param in item.parameters:
                assert SLASH_NAME.fullmatch(param.name) and param.name == param.name.lower()
                assert 1 <= len(param.description) <= 100, f"{path} {param.name}"
                assert len(param.choices) <= 25


async def test_every_slash_command_has_a_prefix_twin(bot):
    for path, item in _walk_slash(bot.tree.get_commands()):
        if isinstance(item, app_commands.Command):
            name = path.removesuffix(" checkin").removesuffix(" show")
            assert bot.get_command(name) is not None, path
            if path.startswith("legday-admin ") and not path.endswith(" help"):
                # ...and admins keep typing `!legday schedule ...` as before.
                twin = bot.get_command(name.replace("legday-admin ", "legday ", 1))
                assert twin is not None, path
                if twin.cog_name == "LegDayAdmin":  # not a member command of that name
                    assert twin.callback is bot.get_command(name).callback


async def test_only_the_admin_group_carries_default_permissions(bot):
    """Discord hides a top-level command from members without its default permissions;
    subcommands can't carry their own, so every admin command sits under legday-admin."""
    permissions = {command.name: command.default_permissions for command in bot.tree.get_commands()}
    assert permissions == {
        "legday": None,
        "legday-admin": discord.Permissions(manage_guild=True),
    }
    for path, item in _walk_slash(bot.tree.get_commands()):
        if path.startswith("legday ") and isinstance(item, app_commands.Command):
            for check in getattr(item, "checks", []):
                assert "manage_guild" not in repr(check), path
    admin = bot.tree.get_command("legday-admin")
    assert admin.guild_only and bot.tree.get_command("legday").guild_only


async def test_every_command_refuses_words_it_cannot_use(bot):
    for command in bot.walk_commands():
        assert command.ignore_extra is False, command.qualified_name


async def test_mentions_are_all_off(bot):
    mentions = bot.allowed_mentions
    assert mentions is not None
    assert (mentions.everyone, mentions.users, mentions.roles, mentions.replied_user) == (
        False,
        False,
        False,
        False,
    )


@pytest.mark.parametrize("prefix_commands", [True, False])
async def test_intents_are_minimal(make_config, store, prefix_commands):
    bot = LegDayBot(make_config(prefix_commands=prefix_commands), store)
    intents = bot.intents
    assert intents.members is False
    assert intents.presences is False
    assert intents.message_content is prefix_commands
    assert intents.guilds is True
    privileged = discord.Intents.none()
    privileged.members = privileged.presences = True
    assert intents.value & privileged.value == 0


async def test_typo_matcher_knows_every_member_command(bot):
    from tests.unit.test_suggest import COMMANDS

    cog = bot.get_cog("LegDay")
    assert set(cog.suggestible_names()) == set(COMMANDS)
