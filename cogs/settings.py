"""Member preferences (time zone, leaderboard visibility), help, and the owner's sync."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.core.days import suggest_zones, zone
from bot.core.errors import InputError, echo
from bot.core.parsing import parse_on_off
from bot.usecases import preferences
from cogs import typed
from cogs.group import Ctx, LegDayGroup, command_usages

_CLEAR_WORDS = {"clear", "reset", "none", "off", "server"}
ON_OFF = [app_commands.Choice(name="on", value="on"), app_commands.Choice(name="off", value="off")]


async def zone_autocomplete(interaction: object, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=name, value=name) for name in suggest_zones(current)]


class SettingsCommands(LegDayGroup):
    @typed.subcommand(LegDayGroup.legday, name="tz", description="Set your own time zone")
    @app_commands.describe(timezone="IANA time zone, e.g. Europe/London, or 'clear'")
    @app_commands.autocomplete(timezone=zone_autocomplete)
    async def tz(self, ctx: Ctx, timezone: str) -> None:
        """Your time zone (IANA name like `Europe/London`; `clear` to use the server's)."""
        guild_id = self.guild_id(ctx)
        if timezone.strip().lower() in _CLEAR_WORDS:
            await preferences.set_timezone(self.bot.services, guild_id, ctx.author.id, None)
            await self.reply(ctx, "Your days now follow the server's time zone.", ephemeral=True)
            return
        chosen = zone(timezone)
        await preferences.set_timezone(self.bot.services, guild_id, ctx.author.id, chosen)
        await self.reply(ctx, f"Your leg days now follow **{chosen.key}**.", ephemeral=True)

    @typed.subcommand(
        LegDayGroup.legday, name="hide", description="Leave or rejoin the leaderboard"
    )
    @app_commands.describe(state="on: hide me from leaderboards; off: show me again")
    @app_commands.choices(state=ON_OFF)
    async def hide(self, ctx: Ctx, state: str) -> None:
        """`on` hides you from leaderboards; `off` shows you again."""
        hidden = parse_on_off(state, "state")
        await preferences.set_hidden(self.bot.services, self.guild_id(ctx), ctx.author.id, hidden)
        text = (
            "You're hidden from the leaderboards. Your check-ins still count."
            if hidden
            else "You're back on the leaderboards."
        )
        await self.reply(ctx, text, ephemeral=True)

    @typed.subcommand(LegDayGroup.legday, name="help", description="How to use the leg day bot")
    async def help(self, ctx: Ctx) -> None:
        """This help."""
        lead = "/" if ctx.interaction is not None else ctx.clean_prefix
        checkin = f"{lead}legday checkin [note]" if lead == "/" else f"{lead}legday [note]"
        usages = [(checkin, "Log today's leg day (once per day, your time zone)")]
        usages += command_usages(self.legday, ctx)
        await self.reply(
            ctx,
            embed=replies.help_reply(usages, self.bot.config.prefix_commands),
            ephemeral=True,
        )

    @typed.subcommand(LegDayGroup.legday, name="sync", with_app_command=False, hidden=True)
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
            raise InputError(
                "scope", f"{echo(scope)} is not a scope", "`guild`, `global` or `clear`"
            )
        tree.copy_global_to(guild=ctx.guild)
        synced = await tree.sync(guild=ctx.guild)
        await self.reply(ctx, f"Synced {len(synced)} commands to this server.")
