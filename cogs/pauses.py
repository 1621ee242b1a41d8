"""Holidays: `legday pause <weeks|off>` (everyone)."""

from __future__ import annotations

from discord import app_commands

from bot import replies
from bot.core.weekly_input import parse_pause_weeks
from bot.usecases.pausing import pause
from cogs import typed
from cogs.group import Ctx, LegDayGroup


class PauseCommands(LegDayGroup):
    @typed.subcommand(
        LegDayGroup.legday, name="pause", description="Pause your streak for a holiday or illness"
    )
    @app_commands.describe(weeks="1 to 4 weeks from this one, or 'off' to end a pause")
    async def pause(self, ctx: Ctx, weeks: str) -> None:
        """Pause your streak for 1-4 weeks from this one (`off` ends a pause)."""
        outcome = await pause(
            self.bot.services, self.guild_id(ctx), ctx.author.id, parse_pause_weeks(weeks)
        )
        await self.reply(ctx, replies.pause_reply(outcome), ephemeral=True)
