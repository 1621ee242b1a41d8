"""Argument types shared by commands, each one working for `!` and `/` alike.

Each class is a discord.py `Converter` (how `!` reads a word) and an app-command
`Transformer` (the option type `/` shows and what it hands over), so one annotation gives
both forms the same meaning.
"""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import InputError, echo
from bot.core.reminders import Broadcast

#: A required schedule or quote number, shown as `<id>` in usage and errors.
ID: Any = commands.parameter(displayed_name="id")
#: A required number of hours, or `off`.
HOURS: Any = commands.parameter(displayed_name="hours")

_NUMBER = re.compile(r"#?\s*([-+]?\d+)")


class ItemNumber(commands.Converter[int], app_commands.Transformer):
    """A schedule's or quote's number as the lists show it: `3` or `#3`.

    Any whole number is accepted here, however large or negative; one that cannot be an
    id simply finds nothing, like any unknown id.
    """

    async def convert(self, ctx: commands.Context[Any], argument: str) -> int:
        match = _NUMBER.fullmatch(argument.strip())
        if match is None:
            raise InputError(
                "id", f"{echo(argument)} is not a number", "the number shown by `list`", "3"
            )
        return int(match[1])

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.integer

    async def transform(self, interaction: discord.Interaction[Any], value: Any) -> int:
        return int(value)


Ping = discord.Role | Broadcast

_BROADCAST_WORDS = {
    "@everyone": Broadcast.EVERYONE,
    "everyone": Broadcast.EVERYONE,
    "@here": Broadcast.HERE,
    "here": Broadcast.HERE,
}


def _ping_of(role: discord.Role) -> Ping:
    # The @everyone role's mention (<@&guild id>) pings nobody: it is sent as @everyone.
    return Broadcast.EVERYONE if role.is_default() else role


class ReminderPing(commands.Converter[Ping], app_commands.Transformer):
    """Whom a reminder pings besides opted-in members: a role, `@everyone` or `@here`.

    `/` offers Discord's role picker, where @everyone is a choice; @here exists only as
    text, so it is typed with `!`.
    """

    async def convert(self, ctx: commands.Context[Any], argument: str) -> Ping:
        text = argument.strip()
        broadcast = _BROADCAST_WORDS.get(text.casefold())
        if broadcast is not None:
            return broadcast
        try:
            return _ping_of(await commands.RoleConverter().convert(ctx, text))
        except commands.RoleNotFound:
            if not text.startswith("@") or text.startswith("<"):
                raise
            # "@lifters" typed as text (or pasted) rather than picked from the mention list.
            return _ping_of(await commands.RoleConverter().convert(ctx, text[1:]))

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.role

    async def transform(self, interaction: discord.Interaction[Any], value: Any) -> Ping:
        if not isinstance(value, discord.Role):
            raise app_commands.TransformerError(value, self.type, self)
        return _ping_of(value)


class RemoveOnBreak(commands.Converter[bool], app_commands.Transformer):
    """Whether a milestone's role is taken away when the streak breaks: the word `remove`
    with `!` (nothing: kept), a true/false option with `/`."""

    async def convert(self, ctx: commands.Context[Any], argument: str) -> bool:
        word = argument.strip().casefold()
        if word in ("remove", "yes", "true", "on"):
            return True
        if word in ("keep", "no", "false", "off"):
            return False
        raise InputError(
            "remove",
            f"{echo(argument)} is not `remove`",
            "`remove` (take the role away when the streak breaks) or nothing",
            "milestones add 4 @Iron Legs remove",
        )

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.boolean

    async def transform(self, interaction: discord.Interaction[Any], value: Any) -> bool:
        return bool(value)
