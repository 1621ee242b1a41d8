"""Member preferences (time zone, leaderboard visibility) and server settings."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.core.days import suggest_zones, zone
from bot.core.parsing import parse_on_off
from cogs.group import Ctx, LegDayGroup

_CLEAR_WORDS = {"clear", "reset", "none", "off", "server"}
ON_OFF = [app_commands.Choice(name="on", value="on"), app_commands.Choice(name="off", value="off")]


async def zone_autocomplete(interaction: object, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=name, value=name) for name in suggest_zones(current)]


class SettingsCommands(LegDayGroup):
    @LegDayGroup.legday.command(name="tz", description="Set your own time zone")
    @app_commands.describe(timezone="IANA time zone, e.g. Europe/London, or 'clear'")
    @app_commands.autocomplete(timezone=zone_autocomplete)
    async def tz(self, ctx: Ctx, timezone: str) -> None:
        """Your time zone (IANA name like `Europe/London`; `clear` to use the server's)."""
        guild_id = self.guild_id(ctx)
        if timezone.strip().lower() in _CLEAR_WORDS:
            await self.bot.store.set_member_timezone(guild_id, ctx.author.id, None)
            await self.reply(ctx, "Your days now follow the server's time zone.", ephemeral=True)
            return
        chosen = zone(timezone)
        await self.bot.store.set_member_timezone(guild_id, ctx.author.id, chosen.key)
        await self.reply(ctx, f"Your leg days now follow **{chosen.key}**.", ephemeral=True)

    @LegDayGroup.legday.command(name="hide", description="Leave or rejoin the leaderboard")
    @app_commands.describe(state="on: hide me from leaderboards; off: show me again")
    @app_commands.choices(state=ON_OFF)
    async def hide(self, ctx: Ctx, state: str) -> None:
        """`on` hides you from leaderboards; `off` shows you again."""
        hidden = parse_on_off(state, "state")
        await self.bot.store.set_hidden(self.guild_id(ctx), ctx.author.id, hidden)
        text = (
            "You're hidden from the leaderboards. Your check-ins still count."
            if hidden
            else "You're back on the leaderboards."
        )
        await self.reply(ctx, text, ephemeral=True)

    @LegDayGroup.legday.group(
        name="settings",
        fallback="show",
        description="Server settings (Manage Server)",
        invoke_without_command=True,
    )
    @commands.has_guild_permissions(manage_guild=True)
    async def settings(self, ctx: Ctx) -> None:
        """Show the server settings (Manage Server)."""
        config = await self.bot.store.guild_config(self.guild_id(ctx))
        await self.reply(
            ctx, embed=replies.settings_reply(config, self.bot.settings.default_timezone)
        )

    @settings.command(name="timezone", description="Set the server's time zone (Manage Server)")
    @app_commands.describe(timezone="IANA time zone, e.g. Europe/London")
    @app_commands.autocomplete(timezone=zone_autocomplete)
    @commands.has_guild_permissions(manage_guild=True)
    async def settings_timezone(self, ctx: Ctx, timezone: str) -> None:
        """Set the server's time zone (Manage Server)."""
        chosen = zone(timezone)
        guild_id = self.guild_id(ctx)
        await self.bot.store.set_guild_timezone(guild_id, chosen.key)
        await self.bot.reminders.retime_guild(guild_id, chosen.key)
        await self.reply(ctx, f"Server time zone set to **{chosen.key}**.")

    @settings.command(name="target", description="Leg days per week that keep a streak alive")
    @app_commands.describe(days="1 to 7 (default 1)")
    @commands.has_guild_permissions(manage_guild=True)
    async def settings_target(self, ctx: Ctx, days: commands.Range[int, 1, 7]) -> None:
        """Leg days per week that keep a streak alive, 1-7 (Manage Server)."""
        updated = await self.bot.store.set_weekly_target(self.guild_id(ctx), int(days))
        await self.reply(
            ctx,
            f"Weekly target set to **{replies.plural(int(days), 'leg day')}**; "
            f"recomputed streaks for {replies.plural(updated, 'member')}.",
        )

    @LegDayGroup.legday.command(name="help", description="How to use the leg day bot")
    async def help(self, ctx: Ctx) -> None:
        """This help."""
        await self.reply(
            ctx,
            embed=replies.help_reply(self.bot.settings.prefix, self.bot.settings.prefix_commands),
            ephemeral=True,
        )

    @LegDayGroup.legday.command(name="sync", with_app_command=False, hidden=True)
    @commands.is_owner()
    async def sync(self, ctx: Ctx, scope: str = "guild") -> None:
        """Owner only: publish slash commands (`guild`, `global` or `clear`)."""
        tree = self.bot.tree
        if scope == "global":
            synced = await tree.sync()
            await self.reply(ctx, f"Synced {len(synced)} commands globally (may take a while).")
            return
        if ctx.guild is None:
            raise commands.NoPrivateMessage
        if scope == "clear":
            tree.clear_commands(guild=ctx.guild)
            await tree.sync(guild=ctx.guild)
            await self.reply(ctx, "Removed this server's slash commands.")
            return
        if scope != "guild":
            raise commands.BadArgument("scope must be `guild`, `global` or `clear`")
        tree.copy_global_to(guild=ctx.guild)
        synced = await tree.sync(guild=ctx.guild)
        await self.reply(ctx, f"Synced {len(synced)} commands to this server.")
