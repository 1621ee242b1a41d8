"""`legday commands sync`: publish the slash commands over HTTP, without the gateway.

For owners who run with prefix commands off (so `!legday sync` is unavailable) or who
publish from a deploy script. Logging in runs `setup_hook`, which builds the command
tree and nothing else; reminders and the health file start only when serving.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.app import LegDayBot
from bot.config import Config, ConfigError
from bot.failures import NETWORK_ERRORS, DiscordUnreachable, network_reason
from bot.runner import discord_endpoint, point_at_api
from bot.store import Store
from bot.store.sqlite_runner import SqliteRunner

log = logging.getLogger(__name__)


async def sync_commands(settings: Config, guild_id: int | None) -> str:
    """Publish globally, or to one server; returns the one-line result."""
    token = settings.require_token()
    point_at_api(settings)
    # The bot is built as for serving, but its store is never opened: no connection,
    # no migration, no file created.
    store = Store(SqliteRunner(":memory:"))  # a runner that is never started
    bot = LegDayBot(settings, store)
    try:
        async with bot:
            await bot.login(token)
            if guild_id is None:
                synced = await bot.tree.sync()
                where = "globally (Discord can take a while to show them in every server)"
            else:
                guild = discord.Object(guild_id)
                bot.tree.copy_global_to(guild=guild)
                synced = await bot.tree.sync(guild=guild)
                where = f"to server {guild_id} (usable there now)"
    except discord.LoginFailure:
        raise ConfigError("Discord rejected DISCORD_TOKEN; copy it again from the portal") from None
    except discord.NotFound:
        raise ConfigError(
            f"server {guild_id} does not exist, or the bot is not in it; invite it first"
        ) from None
    except discord.Forbidden:
        raise ConfigError(
            f"the bot may not add commands to server {guild_id}; invite it there with the "
            "applications.commands scope (see the README's invite link)"
        ) from None
    except NETWORK_ERRORS as exc:
        raise DiscordUnreachable(
            f"cannot reach {discord_endpoint(settings)}: {network_reason(exc)}"
        ) from None
    finally:
        await store.close()
    return f"published {describe(synced)} {where}"


def describe(synced: list[app_commands.AppCommand]) -> str:
    """`2 slash commands (/legday, /legday-admin) with 24 subcommands`."""
    names = ", ".join(f"/{command.name}" for command in synced)
    noun = "slash command" if len(synced) == 1 else "slash commands"
    leaves = sum(_subcommands(command.options) for command in synced)
    tail = f" with {leaves} subcommands" if leaves else ""
    return f"{len(synced)} {noun} ({names}){tail}" if synced else "0 slash commands"


def _subcommands(options: list[app_commands.Argument | app_commands.AppCommandGroup]) -> int:
    count = 0
    for option in options:
        if isinstance(option, app_commands.AppCommandGroup):
            if option.type is discord.AppCommandOptionType.subcommand:
                count += 1
            else:
                count += _subcommands(list(option.options))
    return count
