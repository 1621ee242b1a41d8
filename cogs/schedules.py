"""Reminder schedules (Manage Server)."""

from __future__ import annotations

from typing import Annotated

import discord
from discord import app_commands

from bot import replies
from bot.core.parsing import parse_hhmm, parse_nudge_hours, parse_weekdays
from bot.core.reminders import Broadcast
from bot.usecases import schedules
from bot.usecases.schedules import MAX_SCHEDULES
from cogs import typed
from cogs.admin_group import AdminGroup
from cogs.arguments import HOURS, ID, ItemNumber, Ping, ReminderPing
from cogs.group import Ctx, LegDayGroup
from cogs.server_settings import _guild_id

_NEEDED = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)


class ScheduleCommands(AdminGroup):
    @typed.subgroup(
        AdminGroup.legday_admin,
        name="schedule",
        description="Leg day reminder schedules",
        invoke_without_command=True,
        case_insensitive=True,
    )
    async def schedule_group(self, ctx: Ctx) -> None:
        """List this server's reminder schedules."""
        await self.schedule_list.callback(self, ctx)  # type: ignore[arg-type]

    @typed.subcommand(schedule_group, name="add", description="Add a reminder schedule")
    @app_commands.describe(
        days="e.g. mon,thu or mon-fri or weekends or daily",
        time="24-hour HH:MM in the server's time zone, e.g. 18:00",
        channel="Where to post (default: here)",
        role="A role to ping with the reminder (or @everyone)",
    )
    async def schedule_add(
        self,
        ctx: Ctx,
        days: str,
        time: str,
        channel: discord.TextChannel | None = None,
        role: Annotated[Ping, ReminderPing] | None = None,
    ) -> None:
        """Add a schedule: days, HH:MM, then optionally a #channel and a @role."""
        weekdays = parse_weekdays(days)
        at = parse_hhmm(time)
        assert ctx.guild is not None
        target = channel or ctx.channel
        if not isinstance(target, discord.TextChannel):
            await LegDayGroup.reply(ctx, "Pick a text channel for reminders.", ephemeral=True)
            return
        if not target.permissions_for(ctx.guild.me).is_superset(_NEEDED):
            await LegDayGroup.reply(
                ctx,
                f"I can't post embeds in {target.mention}: I need View Channel, Send Messages "
                "and Embed Links there.",
                ephemeral=True,
            )
            return
        broadcast = role if isinstance(role, Broadcast) else None
        if broadcast is not None:
            refusal = _broadcast_refusal(broadcast, target, ctx.author, ctx.guild.me)
            if refusal is not None:
                await LegDayGroup.reply(ctx, refusal, ephemeral=True)
                return
        created = await schedules.add(
            self.bot.services,
            ctx.guild.id,
            target.id,
            role_id=role.id if isinstance(role, discord.Role) else None,
            broadcast=broadcast,
            days=weekdays,
            at=at,
        )
        if created is None:
            await LegDayGroup.reply(
                ctx,
                f"This server already has {MAX_SCHEDULES} schedules; remove one first.",
                ephemeral=True,
            )
            return
        fires = schedules.next_fires(self.bot.services, created)
        await LegDayGroup.reply(ctx, embed=replies.schedule_added_reply(created, fires))

    @typed.subcommand(schedule_group, name="list", description="List reminder schedules")
    async def schedule_list(self, ctx: Ctx) -> None:
        """List this server's reminder schedules."""
        rows = await schedules.listed(self.bot.services, _guild_id(ctx))
        await LegDayGroup.reply(ctx, embed=replies.schedule_list_reply(rows))

    @typed.subcommand(schedule_group, name="remove", description="Remove a reminder schedule")
    @app_commands.describe(schedule_id="The schedule's number from the schedule list")
    @app_commands.rename(schedule_id="id")
    async def schedule_remove(self, ctx: Ctx, schedule_id: Annotated[int, ItemNumber] = ID) -> None:
        """Remove a schedule by its number."""
        if not await schedules.remove(self.bot.services, _guild_id(ctx), schedule_id):
            await LegDayGroup.reply(ctx, _unknown(schedule_id), ephemeral=True)
            return
        await LegDayGroup.reply(ctx, f"Removed schedule #{schedule_id}.")

    @typed.subcommand(
        schedule_group, name="nudge", description="Follow-up ping N hours after a reminder"
    )
    @app_commands.describe(
        schedule_id="The schedule's number", hours="1-12 hours after the reminder, or off"
    )
    @app_commands.rename(schedule_id="id")
    async def schedule_nudge(
        self, ctx: Ctx, schedule_id: Annotated[int, ItemNumber] = ID, hours: str = HOURS
    ) -> None:
        """Ping opted-in members who haven't checked in, 1-12 hours later, or `off`."""
        nudge = parse_nudge_hours(hours)
        updated = await schedules.set_nudge(self.bot.services, _guild_id(ctx), schedule_id, nudge)
        if updated is None:
            await LegDayGroup.reply(ctx, _unknown(schedule_id), ephemeral=True)
            return
        if nudge is None:
            await LegDayGroup.reply(ctx, f"Schedule #{schedule_id}: no follow-up nudge.")
        else:
            await LegDayGroup.reply(
                ctx,
                f"Schedule #{schedule_id}: a nudge {replies.plural(nudge, 'hour')} after each "
                "reminder, for opted-in members who haven't checked in yet.",
            )

    @typed.subcommand(schedule_group, name="test", description="Post a schedule's reminder now")
    @app_commands.describe(schedule_id="The schedule's number")
    @app_commands.rename(schedule_id="id")
    async def schedule_test(self, ctx: Ctx, schedule_id: Annotated[int, ItemNumber] = ID) -> None:
        """Post the reminder now, marked as a test, without recording a delivery."""
        found = await schedules.find(self.bot.services, _guild_id(ctx), schedule_id)
        if found is None:
            await LegDayGroup.reply(ctx, _unknown(schedule_id), ephemeral=True)
            return
        if ctx.interaction is not None:
            await ctx.defer(ephemeral=True)
        failure = await schedules.post_test(self.bot.services, found)
        if failure is not None:
            await LegDayGroup.reply(ctx, f"The test post failed: {failure}", ephemeral=True)
            return
        await LegDayGroup.reply(
            ctx, f"Posted a test of schedule #{schedule_id} in <#{found.channel_id}>."
        )

    @typed.subcommand(schedule_group, name="enable", description="Resume a paused schedule")
    @app_commands.describe(schedule_id="The schedule's number")
    @app_commands.rename(schedule_id="id")
    async def schedule_enable(self, ctx: Ctx, schedule_id: Annotated[int, ItemNumber] = ID) -> None:
        """Resume a schedule that was paused because I couldn't post."""
        updated = await schedules.enable(self.bot.services, _guild_id(ctx), schedule_id)
        if updated is None:
            await LegDayGroup.reply(ctx, _unknown(schedule_id), ephemeral=True)
            return
        await LegDayGroup.reply(ctx, f"Schedule #{schedule_id} is active again.")


def _broadcast_refusal(
    broadcast: Broadcast,
    channel: discord.TextChannel,
    admin: discord.abc.User,
    me: discord.Member,
) -> str | None:
    """Why `@everyone`/`@here` can't be this schedule's ping, or None when it can: both
    the admin and the bot need Mention Everyone in that channel."""
    ping = f"@{broadcast}"
    if not isinstance(admin, discord.Member) or not channel.permissions_for(admin).mention_everyone:
        return (
            f"Only members with **Mention Everyone** in {channel.mention} can make a reminder "
            f"ping {ping}. Pick a role instead."
        )
    if not channel.permissions_for(me).mention_everyone:
        return (
            f"I don't have **Mention Everyone** in {channel.mention}, so {ping} would ping "
            "nobody. Give me that permission there, or pick a role instead."
        )
    return None


def _unknown(schedule_id: int) -> str:
    return (
        f"There is no schedule {replies.item_number(schedule_id)} here. "
        "See `/legday-admin schedule list`."
    )
