"""Server settings (Manage Server): time zone, weekly target, group goal, streak shields,
pauses and how leaderboards are drawn."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.core.days import zone
from bot.core.errors import InputError
from bot.core.parsing import parse_board_style
from bot.core.streaks import MAX_SHIELDS
from bot.core.weekly_input import (
    DEFAULT_RISK_TIME,
    format_moment,
    is_off,
    parse_goal,
    parse_moment,
    parse_pause_cap,
    parse_shield_every,
)
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

    @typed.subcommand(settings, name="goal", description="The server's weekly goal of leg days")
    @app_commands.describe(goal="Leg days of all members together per week, or 'off'")
    async def settings_goal(self, ctx: Ctx, goal: str) -> None:
        """The server's weekly total of leg days to aim for (`off`: no goal)."""
        chosen = parse_goal(goal)
        await server.set_goal(self.bot.services, _guild_id(ctx), chosen)
        text = (
            "No group goal any more."
            if chosen is None
            else f"Group goal set to **{replies.plural(chosen, 'leg day')}** a week. "
            "Every check-in shows the server's progress; reaching it gets a celebration."
        )
        await LegDayGroup.reply(ctx, text)

    @typed.subcommand(
        settings, name="shields", description="Met weeks in a row that earn a streak shield"
    )
    @app_commands.describe(weeks="0 (off) to 12; default 4")
    async def settings_shields(self, ctx: Ctx, weeks: str) -> None:
        """Met weeks in a row that earn a streak shield (`0` or `off` turns shields off)."""
        every = parse_shield_every(weeks)
        updated = await server.set_shield_every(self.bot.services, _guild_id(ctx), every)
        lead = (
            "Streak shields are off."
            if every == 0
            else f"Members earn a streak shield every **{replies.plural(every, 'met week')}** "
            f"in a row (at most {MAX_SHIELDS} held)."
        )
        await LegDayGroup.reply(
            ctx, f"{lead} Recomputed streaks for {replies.plural(updated, 'member')}."
        )

    @typed.subcommand(
        settings, name="pauses", description="Paused weeks a member may take per year"
    )
    @app_commands.describe(weeks="0 (no pauses) to 52; default 6")
    async def settings_pauses(self, ctx: Ctx, weeks: str) -> None:
        """Paused weeks (`legday pause`) a member may take per year; default 6."""
        cap = parse_pause_cap(weeks)
        await server.set_pause_cap(self.bot.services, _guild_id(ctx), cap)
        text = (
            "Members can't pause their streaks any more (pauses already taken stay)."
            if cap == 0
            else f"Members may pause their streak for up to **{replies.plural(cap, 'week')}** "
            "a year."
        )
        await LegDayGroup.reply(ctx, text)

    @typed.subcommand(
        settings, name="risk", description="When members whose streak is at risk are nudged"
    )
    @app_commands.describe(
        day="e.g. sat, or 'off'", time="24-hour HH:MM in the server's time zone (default 18:00)"
    )
    async def settings_risk(self, ctx: Ctx, day: str, time: str = "18:00") -> None:
        """When to nudge members whose streak is at risk: day and HH:MM, or `off`."""
        if is_off(day):
            await server.set_risk(self.bot.services, _guild_id(ctx), None, DEFAULT_RISK_TIME)
            await LegDayGroup.reply(ctx, "No more streak-at-risk nudges.")
            return
        weekday, at = parse_moment(day, time)
        guild = await server.set_risk(self.bot.services, _guild_id(ctx), weekday, at)
        zone = replies.zone_name(guild, self.bot.config.default_timezone)
        await LegDayGroup.reply(
            ctx,
            f"⏳ Members with a streak of 2+ weeks who haven't met this week's target get one "
            f"nudge every **{format_moment(weekday, at)}** ({zone}), "
            "the way they chose with `legday remind`.",
        )

    @typed.subcommand(
        settings, name="images", description="Leaderboards as pictures or as text by default"
    )
    @app_commands.describe(style="image or text (members can still ask for the other)")
    @app_commands.choices(
        style=[
            app_commands.Choice(name="image", value="image"),
            app_commands.Choice(name="text", value="text"),
        ]
    )
    async def settings_images(self, ctx: Ctx, style: str) -> None:
        """Leaderboards as a picture (`image`) or as text (`text`, the default)."""
        images = parse_board_style(style)
        if images is None:
            raise InputError("style", "nothing was given", "`image` or `text`", "image")
        await server.set_board_images(self.bot.services, _guild_id(ctx), images)
        text = (
            "🖼️ `legday top` now answers with a picture (`legday top text` still gives text)."
            if images
            else "`legday top` now answers with text (`legday top image` still draws it)."
        )
        await LegDayGroup.reply(ctx, text)


def _guild_id(ctx: Ctx) -> int:
    assert ctx.guild is not None  # AdminGroup.cog_check guarantees it
    return ctx.guild.id
