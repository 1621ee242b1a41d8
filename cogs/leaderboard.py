"""The server leaderboard."""

from __future__ import annotations

from discord import app_commands

from bot import replies
from bot.core.parsing import parse_period
from bot.usecases.leaderboards import leaderboard_page
from bot.views import leaderboard_view
from cogs import typed
from cogs.group import Ctx, LegDayGroup

PERIOD_CHOICES = [
    app_commands.Choice(name="This week", value="week"),
    app_commands.Choice(name="This month", value="month"),
    app_commands.Choice(name="This year", value="year"),
    app_commands.Choice(name="All time", value="all"),
    app_commands.Choice(name="Current streak", value="streak"),
]


class LeaderboardCommands(LegDayGroup):
    @typed.subcommand(
        LegDayGroup.legday, name="top", description="The server's leg day leaderboard"
    )
    @app_commands.describe(period="Which leaderboard (default: this week)")
    @app_commands.choices(period=PERIOD_CHOICES)
    async def top(self, ctx: Ctx, period: str | None = None) -> None:
        """Leaderboard: `week` (default), `month`, `year`, `all` or `streak`."""
        chosen = parse_period(period)
        board = await leaderboard_page(
            self.bot.services, self.guild_id(ctx), chosen, 0, ctx.author.id
        )
        view = leaderboard_view(board.period, board.page.number, board.page.total_pages)
        embed = replies.leaderboard_reply(board)
        if view is None:
            await self.reply(ctx, embed=embed)
        else:
            await self.reply(ctx, embed=embed, view=view)
