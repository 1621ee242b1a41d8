"""Lifts: a member's sets and records, the server's PRs in one exercise, the weight unit."""

from __future__ import annotations

from discord import app_commands

from bot import replies
from bot.core.lifts import parse_unit
from bot.usecases import lifts
from cogs import typed
from cogs.group import Ctx, LegDayGroup

UNITS = [
    app_commands.Choice(name="kg: kilograms", value="kg"),
    app_commands.Choice(name="lb: pounds", value="lb"),
]


async def show_prs(cog: LegDayGroup, ctx: Ctx, exercise: str) -> None:
    """The PR board of `exercise` (also what `legday top prs <exercise>` shows)."""
    board = await lifts.top_prs(cog.bot.services, cog.guild_id(ctx), exercise, ctx.author.id, 0)
    await cog.reply(ctx, embed=replies.prs_reply(board))


class LiftCommands(LegDayGroup):
    @typed.subcommand(LegDayGroup.legday, name="lifts", description="Your recent lifts and records")
    @app_commands.describe(exercise="Only this exercise, e.g. squat (default: all)")
    async def lifts(self, ctx: Ctx, *, exercise: str | None = None) -> None:
        """Your recent sets and records, of one exercise or all."""
        report = await lifts.member_lifts(
            self.bot.services, self.guild_id(ctx), ctx.author.id, exercise
        )
        await self.reply(ctx, embed=replies.lifts_reply(ctx.author.mention, report))

    @typed.subcommand(
        LegDayGroup.legday, name="prs", description="The server's best e1RM in an exercise"
    )
    @app_commands.describe(exercise="The exercise, e.g. squat")
    async def prs(self, ctx: Ctx, *, exercise: str) -> None:
        """The server ranked by best estimated 1RM in one exercise."""
        await show_prs(self, ctx, exercise)

    @typed.subcommand(LegDayGroup.legday, name="units", description="Weigh your lifts in kg or lb")
    @app_commands.describe(unit="kg or lb: for lifts written without a unit, and records")
    @app_commands.choices(unit=UNITS)
    async def units(self, ctx: Ctx, unit: str) -> None:
        """`kg` or `lb`: how lifts without a unit are read, and records are shown."""
        chosen = parse_unit(unit)
        await lifts.set_unit(self.bot.services, self.guild_id(ctx), ctx.author.id, chosen)
        word = "kilograms" if chosen == "kg" else "pounds"
        await self.reply(
            ctx,
            f"Your lifts are now in **{word}**: `squat 5x5 100` means 100 {chosen}.",
            ephemeral=True,
        )
