"""The `legday-admin` command group: server settings, schedules and quotes (Manage Server).

Discord applies `default_member_permissions` to top-level commands only, so the admin
commands get a top-level group of their own: members never see them in the `/` picker.
The permission is checked in code as well, once for the whole cog, for `!` and `/` alike
(an admin can lower the default in the server's integration settings).

Prefix users keep typing `!legday schedule ...`: each admin command also gets a prefix-only
twin under `legday`, built from the same callback, so both forms share one definition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from discord import app_commands
from discord.ext import commands

from bot import replies
from cogs import typed
from cogs.group import Ctx, LegDayGroup, command_usages, refuse_extra_words

if TYPE_CHECKING:
    from bot.app import LegDayBot

AnyCommand = commands.HybridCommand[Any, ..., Any] | commands.HybridGroup[Any, ..., Any]

_MANAGE_GUILD = commands.has_guild_permissions(manage_guild=True).predicate


class AdminGroup(commands.Cog):
    def __init__(self, bot: LegDayBot) -> None:
        self.bot = bot
        self._twins: list[AnyCommand] = []

    async def cog_load(self) -> None:
        refuse_extra_words(self)
        members = self.bot.get_command("legday")
        if not isinstance(members, commands.HybridGroup):
            raise RuntimeError("load cogs.legday before cogs.admin")
        self._twins = add_prefix_twins(self.legday_admin, members, self)

    async def cog_unload(self) -> None:
        for twin in reversed(self._twins):
            if twin.parent is not None:
                twin.parent.remove_command(twin.name)
        self._twins = []

    async def cog_check(self, ctx: Ctx) -> bool:  # type: ignore[override]
        if ctx.guild is None:
            raise commands.NoPrivateMessage
        return await _MANAGE_GUILD(ctx)

    @typed.hybrid_group(
        name="legday-admin",
        invoke_without_command=True,
        case_insensitive=True,
        description="Leg day server settings, reminder schedules and quotes",
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def legday_admin(self, ctx: Ctx) -> None:
        """Server settings, reminder schedules and quotes (Manage Server)."""
        await self.admin_help.callback(self, ctx)  # type: ignore[arg-type]

    @typed.subcommand(legday_admin, name="help", description="How to use the admin commands")
    async def admin_help(self, ctx: Ctx) -> None:
        """The admin commands."""
        await LegDayGroup.reply(
            ctx,
            embed=replies.admin_help_reply(command_usages(self.legday_admin, ctx)),
            ephemeral=True,
        )


def add_prefix_twins(
    source: commands.HybridGroup[Any, ..., Any], target: Any, cog: commands.Cog
) -> list[AnyCommand]:
    """Give every subcommand of `source` a prefix-only twin under `target` (recursively),
    run by `cog`; where `target` already has a command of that name, a group's subcommands
    are added to it and a command is left alone. Returns the twins added, parents first."""
    added: list[AnyCommand] = []
    for command in source.commands:
        if command.hidden or command.name == "help":
            continue
        if not isinstance(command, commands.HybridCommand | commands.HybridGroup):
            raise TypeError(f"{command.qualified_name} is not a hybrid command")
        existing = target.get_command(command.name)
        if existing is None:
            twin = _twin(command, cog)
            target.add_command(twin)
            added.append(twin)
            if isinstance(command, commands.HybridGroup):
                added += add_prefix_twins(command, twin, cog)
        elif isinstance(command, commands.HybridGroup) and isinstance(
            existing, commands.HybridGroup
        ):
            added += add_prefix_twins(command, existing, cog)
    return added


def _twin(command: AnyCommand, cog: commands.Cog) -> AnyCommand:
    options: dict[str, Any] = {
        "name": command.name,
        "aliases": list(command.aliases),
        "help": command.help,
        "brief": command.brief,
        "description": command.description,
        "ignore_extra": command.ignore_extra,
        "with_app_command": False,
    }
    twin: AnyCommand
    if isinstance(command, commands.HybridGroup):
        twin = commands.HybridGroup(
            command.callback, case_insensitive=command.case_insensitive, **options
        )
    else:
        twin = commands.HybridCommand(command.callback, **options)
    twin.cog = cog
    return twin
