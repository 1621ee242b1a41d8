"""The `legday` command group that every feature adds its subcommands to.

`!legday ...` and `/legday ...` are one hybrid group. Its subcommands live in one cog
assembled (in `cogs.legday`) from a mixin per feature, because discord.py binds a
group's subcommands to the cog that owns the group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.app import LegDayBot

Ctx = commands.Context["LegDayBot"]


class LegDayGroup(commands.Cog):
    def __init__(self, bot: LegDayBot) -> None:
        self.bot = bot

    @commands.hybrid_group(
        name="legday",
        fallback="checkin",
        invoke_without_command=True,
        description="Log today's leg day",
    )
    @app_commands.guild_only()
    @app_commands.describe(note="Optional note, e.g. what you trained (max 200 characters)")
    async def legday(self, ctx: Ctx, *, note: str | None = None) -> None:
        """Log today's leg day (once per day in your time zone)."""
        if ctx.interaction is None and note is not None:
            # `!legday checkin [note]` mirrors `/legday checkin`; the slash fallback owns the
            # name, so a prefix subcommand called checkin would replace it.
            first, _, rest = note.partition(" ")
            if first.lower() == "checkin":
                note = rest or None
        await self.record_checkin(ctx, note)

    async def record_checkin(self, ctx: Ctx, note: str | None) -> None:
        raise NotImplementedError  # provided by the check-ins feature

    async def cog_check(self, ctx: Ctx) -> bool:  # type: ignore[override]
        if ctx.guild is None and ctx.command is not None and ctx.command.name != "help":
            raise commands.NoPrivateMessage
        return True

    @staticmethod
    def guild_id(ctx: Ctx) -> int:
        assert ctx.guild is not None  # cog_check guarantees it
        return ctx.guild.id

    @staticmethod
    async def reply(ctx: Ctx, content: str | None = None, **kwargs: Any) -> discord.Message:
        """Answer the invoker: a reply for `!`, the interaction response for `/`."""
        if ctx.interaction is None:
            kwargs.pop("ephemeral", None)
            kwargs.setdefault("mention_author", False)
            return await ctx.reply(content, **kwargs)
        return await ctx.send(content, **kwargs)
