"""Opting in to reminder pings (everyone)."""

from __future__ import annotations

from discord import app_commands

from bot.core.weekly_input import parse_remind_way
from bot.usecases import preferences
from cogs import typed
from cogs.group import Ctx, LegDayGroup

WAYS = [
    app_commands.Choice(name="channel: ping me in the reminder channel", value="channel"),
    app_commands.Choice(name="dm: send me a direct message instead", value="dm"),
    app_commands.Choice(name="off: don't remind me", value="off"),
]


class ReminderOptInCommands(LegDayGroup):
    @typed.subcommand(
        LegDayGroup.legday, name="remind", description="Get pinged by leg day reminders"
    )
    @app_commands.describe(state="channel (or on): ping me in the channel; dm: message me; off")
    @app_commands.choices(state=WAYS)
    async def remind(self, ctx: Ctx, state: str) -> None:
        """How reminders and streak nudges reach you: `channel` (or `on`), `dm`, or `off`."""
        way = parse_remind_way(state)
        opt_in = way != "off"
        await preferences.set_reminders(
            self.bot.services, self.guild_id(ctx), ctx.author.id, opt_in, via=way
        )
        text = {
            "channel": "You'll be pinged by leg day reminders until you check in that day, "
            "and nudged in the channel when your streak is at risk.",
            "dm": "You'll get leg day reminders by direct message until you check in that "
            "day, and a DM when your streak is at risk. (If your DMs are closed to me, "
            "I'll stay quiet rather than keep trying.)",
            "off": "No more reminders or streak nudges for you.",
        }[way]
        await self.reply(ctx, text, ephemeral=True)
