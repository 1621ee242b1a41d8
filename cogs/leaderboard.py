"""The server leaderboard, as text or as a picture."""

from __future__ import annotations

from typing import Any

from discord import app_commands

from bot import picture_replies, replies
from bot.core.errors import InputError
from bot.core.parsing import parse_board_request
from bot.usecases import server
from bot.usecases.leaderboards import leaderboard_page
from bot.views import leaderboard_view
from cogs import typed
from cogs.group import Ctx, LegDayGroup
from cogs.lifts import show_prs

PERIOD_CHOICES = [
    app_commands.Choice(name="This week", value="week"),
    app_commands.Choice(name="This month", value="month"),
    app_commands.Choice(name="This year", value="year"),
    app_commands.Choice(name="All time", value="all"),
    app_commands.Choice(name="Current streak", value="streak"),
]
STYLE_CHOICES = [
    app_commands.Choice(name="Picture", value="image"),
    app_commands.Choice(name="Text", value="text"),
]
PR_WORDS = frozenset({"pr", "prs", "1rm", "e1rm"})
NO_PICTURE_HERE = "No picture: I can't attach files in this channel."


class LeaderboardCommands(LegDayGroup):
    @typed.subcommand(
        LegDayGroup.legday, name="top", description="The server's leg day leaderboard"
    )
    @app_commands.describe(
        period="Which leaderboard (default: this week)",
        style="Picture or text (default: the server's choice)",
    )
    @app_commands.choices(period=PERIOD_CHOICES, style=STYLE_CHOICES)
    async def top(self, ctx: Ctx, period: str | None = None, *, style: str | None = None) -> None:
        """Leaderboard: `week` (default), `month`, `year`, `all` or `streak`; add `image` or
        `text` to choose how it looks. `top prs <exercise>` ranks records."""
        if period is not None and period.strip().casefold() in PR_WORDS:
            if not style:
                raise InputError(
                    "exercise", "no exercise was given", "an exercise after `prs`", "prs squat"
                )
            await show_prs(self, ctx, style)
            return
        chosen, asked_image = parse_board_request(period, style)
        guild_id = self.guild_id(ctx)
        wants_image = asked_image
        if wants_image is None:
            wants_image = (await server.show(self.bot.services, guild_id)).board_images
        image = wants_image and picture_replies.can_attach(ctx)
        board = await leaderboard_page(
            self.bot.services, guild_id, chosen, 0, ctx.author.id, with_streaks=image
        )
        extras: dict[str, Any] = {}
        view = leaderboard_view(
            board.period, board.page.number, board.page.total_pages, image=image
        )
        if view is not None:
            extras["view"] = view
        if image:
            assert ctx.guild is not None  # cog_check guarantees it
            extras["file"] = await picture_replies.before_the_deadline(
                ctx, picture_replies.board_file(self.bot, ctx.guild, board)
            )
            await self.reply(ctx, embed=picture_replies.board_embed(board), **extras)
            return
        embed = replies.leaderboard_reply(board)
        if wants_image:
            embed.set_footer(text=f"{embed.footer.text} · {NO_PICTURE_HERE}")
        await self.reply(ctx, embed=embed, **extras)
