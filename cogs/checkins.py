"""Check in, undo, backfill and personal stats (with a year of leg days as a picture)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import picture_replies, replies
from bot.core.parsing import clean_note
from bot.usecases.checkins import check_in, member_report, undo_today
from bot.usecases.year_of_days import year_of_days
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
        if not picture_replies.can_attach(ctx):
            await self.reply(ctx, embed=embed)
            return
        guild_id = self.guild_id(ctx)
        year = await year_of_days(self.bot.services, guild_id, member.id)
        title = f"{member.display_name}: leg days"
        file = await picture_replies.before_the_deadline(
            ctx, picture_replies.heatmap_file(self.bot, guild_id, year, title)
        )
        embed.set_image(url=f"attachment://{picture_replies.HEATMAP_FILE}")
        await self.reply(ctx, embed=embed, file=file)
