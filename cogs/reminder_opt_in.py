"""Opting in to reminder pings (everyone)."""

from __future__ import annotations

from discord import app_commands

from bot.core.parsing import parse_on_off
from bot.usecases import preferences
from cogs import typed
from cogs.group import Ctx, LegDayGroup
from cogs.settings import ON_OFF


class ReminderOptInCommands(LegDayGroup):
    @typed.subcommand(
        LegDayGroup.legday, name="remind", description="Get pinged by leg day reminders"
    )
    @app_commands.describe(state="on: ping me on leg days until I check in; off: don't")
    @app_commands.choices(state=ON_OFF)
    async def remind(self, ctx: Ctx, state: str) -> None:
        """`on`: reminders ping you until you check in that day; `off`: they don't."""
        opt_in = parse_on_off(state, "state")
        await preferences.set_reminders(
            self.bot.services, self.guild_id(ctx), ctx.author.id, opt_in
        )
        text = (
            "You'll be pinged by leg day reminders until you check in that day."
            if opt_in
            else "No more reminder pings for you."
        )
        await self.reply(ctx, text, ephemeral=True)
