"""A member's own data: export it, or delete it."""

from __future__ import annotations

import io
import json

import discord
from discord.ext import commands

from bot.usecases import privacy
from bot.views import forget_view
from cogs import typed
from cogs.group import Ctx, LegDayGroup


class PrivacyCommands(LegDayGroup):
    @typed.subcommand(
        LegDayGroup.legday, name="export", description="Get your data in this server as JSON"
    )
    async def export(self, ctx: Ctx) -> None:
        """Your data in this server as a JSON file, sent privately."""
        guild_id = self.guild_id(ctx)
        if ctx.interaction is not None:
            await ctx.defer(ephemeral=True)
        data = await privacy.export(self.bot.services, guild_id, ctx.author.id)
        payload = json.dumps(data, indent=2, ensure_ascii=False).encode()
        name = f"legday-{guild_id}-{ctx.author.id}.json"
        file = discord.File(io.BytesIO(payload), filename=name)
        if ctx.interaction is not None:
            await ctx.send("Here is your data.", file=file, ephemeral=True)
            return
        try:
            await ctx.author.send(f"Your leg day data from **{ctx.guild}**.", file=file)
        except discord.Forbidden:
            await self.reply(
                ctx, "I can't DM you. Allow DMs from server members, or use `/legday export`."
            )
            return
        await self.reply(ctx, "Sent you a DM with your data. 📬")

    @typed.subcommand(
        LegDayGroup.legday, name="forget", description="Delete all your data in this server"
    )
    @commands.cooldown(1, 30, commands.BucketType.member)
    async def forget(self, ctx: Ctx) -> None:
        """Delete all your data in this server (asks to confirm)."""
        await self.reply(
            ctx,
            "This deletes all your check-ins, streaks and settings in this server, and takes "
            "back any milestone roles I gave you. It can't be undone. Sure?",
            view=forget_view(ctx.author.id),
            ephemeral=True,
        )
