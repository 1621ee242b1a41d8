"""The `legday-admin` cog, assembled from one mixin per admin feature."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.milestones import MilestoneCommands
from cogs.recap import RecapCommands
from cogs.schedules import ScheduleCommands
from cogs.server_quotes import ServerQuoteCommands
from cogs.server_settings import ServerSettingsCommands

if TYPE_CHECKING:
    from bot.app import LegDayBot


class LegDayAdmin(
    ServerSettingsCommands,
    ScheduleCommands,
    ServerQuoteCommands,
    RecapCommands,
    MilestoneCommands,
    name="LegDayAdmin",
):
    """Server settings, reminder schedules, server quotes, the weekly recap and milestone
    roles, for Manage Server."""


async def setup(bot: LegDayBot) -> None:
    await bot.add_cog(LegDayAdmin(bot))
