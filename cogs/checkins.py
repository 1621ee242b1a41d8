"""Check in, undo, backfill and personal stats."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.core.parsing import clean_note
from bot.usecases.checkins import check_in, member_report, undo_today
from cogs import typed
from cogs.group import Ctx, LegDayGroup

# Not Optional[...]: discord.py would quietly skip a member it can't resolve and show the
# caller's own stats instead of saying so; a default of "the caller" keeps the error.
THE_CALLER = commands.parameter(default=lambda ctx: ctx.author, displayed_default="you")


class CheckinCommands(LegDayGroup):
    @typed.subcommand(LegDayGroup.legday, name="undo", description="Remove today's check-in")
    async def undo(self, ctx: Ctx) -> None:
        """Remove today's check-in."""
        outcome = await undo_today(self.bot.services, self.guild_id(ctx), ctx.author.id)
        await self.reply(ctx, replies.undo_reply(outcome), ephemeral=outcome is None)

    @typed.subcommand(
        LegDayGroup.legday, name="log", description="Log a past leg day (up to 7 days back)"
    )
    @app_commands.describe(
        day="YYYY-MM-DD or 'yesterday', at most 7 days ago",
        note="Optional note, e.g. squat 5x5 100kg (max 200 characters)",
    )
    async def log(self, ctx: Ctx, day: str, *, note: str | None = None) -> None:
        """Backfill a leg day: `YYYY-MM-DD` or `yesterday`, up to 7 days back, with a note."""
        outcome = await check_in(
            self.bot.services,
            self.guild_id(ctx),
            ctx.author.id,
            note=clean_note(note),
            source="backfill",
            day_text=day,
            channel_id=ctx.channel.id,
        )
        quote = await self.bot.quotes.pick(self.guild_id(ctx), ctx.channel.id)
        await self.reply(ctx, embed=replies.checkin_reply(outcome, ctx.author.mention, quote))

    @typed.subcommand(
        LegDayGroup.legday, name="stats", description="Leg day stats for you or a member"
    )
    @app_commands.describe(member="Whose stats to show (default: yours)")
    async def stats(
        self,
        ctx: Ctx,
        member: discord.User = THE_CALLER,
    ) -> None:
        """Totals, this week/month/year, current and best streak."""
        report = await member_report(self.bot.services, self.guild_id(ctx), member.id)
        if report.hidden and member.id != ctx.author.id:
            await self.reply(ctx, "That member keeps their stats private.", ephemeral=True)
            return
        embed = replies.stats_reply(member.mention, report)
        await self.reply(ctx, embed=embed)
