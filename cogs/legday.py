"""The `legday` cog, assembled from one mixin per feature."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.checkins import CheckinCommands
from cogs.leaderboard import LeaderboardCommands
from cogs.lifts import LiftCommands
from cogs.pauses import PauseCommands
from cogs.privacy import PrivacyCommands
from cogs.quotes import QuoteCommands
from cogs.reminder_opt_in import ReminderOptInCommands
from cogs.settings import SettingsCommands

if TYPE_CHECKING:
    from bot.app import LegDayBot


class LegDay(
    CheckinCommands,
    LeaderboardCommands,
    QuoteCommands,
    SettingsCommands,
    PrivacyCommands,
    ReminderOptInCommands,
    PauseCommands,
    LiftCommands,
    name="LegDay",
):
    """Leg day check-ins, leaderboards, quotes, settings, reminders and lifts."""


async def setup(bot: LegDayBot) -> None:
    await bot.add_cog(LegDay(bot))
