"""Server settings (Manage Server): time zone and weekly target."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.core.days import zone
from bot.usecases import server
from cogs import typed
from cogs.admin_group import AdminGroup
from cogs.group import Ctx, LegDayGroup
from cogs.settings import zone_autocomplete


class ServerSettingsCommands(AdminGroup):
    @typed.subgroup(
        AdminGroup.legday_admin,
        name="settings",
        fallback="show",
        invoke_without_command=True,
        case_insensitive=True,
        description="Show the server settings",
    )
    async def settings(self, ctx: Ctx) -> None:
        """Show the server settings."""
        server_settings = await server.show(self.bot.services, _guild_id(ctx))
        await LegDayGroup.reply(
            ctx, embed=replies.settings_reply(server_settings, self.bot.config.default_timezone)
        )

    @typed.subcommand(settings, name="timezone", description="Set the server's time zone")
    @app_commands.describe(timezone="IANA time zone, e.g. Europe/London")
    @app_commands.autocomplete(timezone=zone_autocomplete)
    async def settings_timezone(self, ctx: Ctx, timezone: str) -> None:
        """The server's time zone (reminders follow it)."""
        chosen = zone(timezone)
        await server.set_timezone(self.bot.services, _guild_id(ctx), chosen)
        await LegDayGroup.reply(ctx, f"Server time zone set to **{chosen.key}**.")

    @typed.subcommand(
        settings, name="target", description="Leg days per week that keep a streak alive"
    )
    @app_commands.describe(target="1 to 7 (default 1)")
    async def settings_target(self, ctx: Ctx, target: commands.Range[int, 1, 7]) -> None:
        """Leg days per week that keep a streak alive, 1-7."""
        updated = await server.set_weekly_target(self.bot.services, _guild_id(ctx), int(target))
        await LegDayGroup.reply(
            ctx,
            f"Weekly target set to **{replies.plural(int(target), 'leg day')}**; "
            f"recomputed streaks for {replies.plural(updated, 'member')}.",
        )


def _guild_id(ctx: Ctx) -> int:
    assert ctx.guild is not None  # AdminGroup.cog_check guarantees it
    return ctx.guild.id
