"""Reminder schedules (Manage Server)."""

from __future__ import annotations

from typing import Annotated

import discord
from discord import app_commands

from bot import replies
from bot.core.days import effective_zone
from bot.core.parsing import parse_hhmm, parse_nudge_hours, parse_weekdays
from bot.core.reminders import Broadcast
from bot.reminders import PostFailed
from cogs.admin_group import AdminGroup
from cogs.arguments import HOURS, ID, ItemNumber, Ping, ReminderPing
from cogs.group import Ctx, LegDayGroup
from cogs.server_settings import _guild_id

MAX_SCHEDULES = 10
_NEEDED = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)


class ScheduleCommands(AdminGroup):
    @AdminGroup.legday_admin.group(
        name="schedule",
        description="Leg day reminder schedules",
        invoke_without_command=True,
        case_insensitive=True,
    )
    async def schedule(self, ctx: Ctx) -> None:
        """List this server's reminder schedules."""
        await self.schedule_list.callback(self, ctx)  # type: ignore[arg-type]

    @schedule.command(name="add", description="Add a reminder schedule")
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
        config = await self.bot.store.guild_config(ctx.guild.id)
        zone = effective_zone(None, config.timezone or self.bot.settings.default_timezone)
        created = await self.bot.store.add_schedule(
            ctx.guild.id,
            target.id,
            role.id if isinstance(role, discord.Role) else None,
            weekdays,
            at,
            zone.key,
            self.bot.now(),
            limit=MAX_SCHEDULES,
            broadcast=broadcast,
        )
        if created is None:
            await LegDayGroup.reply(
                ctx,
                f"This server already has {MAX_SCHEDULES} schedules; remove one first.",
                ephemeral=True,
            )
            return
        self.bot.reminders.arm(created)
        fires = self.bot.reminders.next_fire_times(created)
        await LegDayGroup.reply(ctx, embed=replies.schedule_added_reply(created, fires))

    @schedule.command(name="list", description="List reminder schedules")
    async def schedule_list(self, ctx: Ctx) -> None:
        """List this server's reminder schedules."""
        found = await self.bot.store.schedules(_guild_id(ctx))
        rows = [(s, self.bot.reminders.next_fire_times(s, 1)) for s in found]
        await LegDayGroup.reply(ctx, embed=replies.schedule_list_reply(rows))

    @schedule.command(name="remove", description="Remove a reminder schedule")
    @app_commands.describe(schedule_id="The schedule's number from the schedule list")
    @app_commands.rename(schedule_id="id")
    async def schedule_remove(self, ctx: Ctx, schedule_id: Annotated[int, ItemNumber] = ID) -> None:
        """Remove a schedule by its number."""
        if not await self.bot.store.remove_schedule(_guild_id(ctx), schedule_id):
            await LegDayGroup.reply(ctx, _unknown(schedule_id), ephemeral=True)
            return
        self.bot.reminders.disarm(schedule_id)
        await LegDayGroup.reply(ctx, f"Removed schedule #{schedule_id}.")

    @schedule.command(name="nudge", description="Follow-up ping N hours after a reminder")
    @app_commands.describe(
        schedule_id="The schedule's number", hours="1-12 hours after the reminder, or off"
    )
    @app_commands.rename(schedule_id="id")
    async def schedule_nudge(
        self, ctx: Ctx, schedule_id: Annotated[int, ItemNumber] = ID, hours: str = HOURS
    ) -> None:
        """Ping opted-in members who haven't checked in, 1-12 hours later, or `off`."""
        nudge = parse_nudge_hours(hours)
        updated = await self.bot.store.set_nudge(_guild_id(ctx), schedule_id, nudge)
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

    @schedule.command(name="test", description="Post a schedule's reminder now")
    @app_commands.describe(schedule_id="The schedule's number")
    @app_commands.rename(schedule_id="id")
    async def schedule_test(self, ctx: Ctx, schedule_id: Annotated[int, ItemNumber] = ID) -> None:
        """Post the reminder now, marked as a test, without recording a delivery."""
        found = await self.bot.store.schedule(schedule_id)
        if found is None or found.guild_id != _guild_id(ctx):
            await LegDayGroup.reply(ctx, _unknown(schedule_id), ephemeral=True)
            return
        if ctx.interaction is not None:
            await ctx.defer(ephemeral=True)
        try:
            await self.bot.reminders.post_test(found)
        except PostFailed as exc:  # report it; a test never disables the schedule
            await LegDayGroup.reply(ctx, f"The test post failed: {exc}", ephemeral=True)
            return
        await LegDayGroup.reply(
            ctx, f"Posted a test of schedule #{schedule_id} in <#{found.channel_id}>."
        )

    @schedule.command(name="enable", description="Resume a paused schedule")
    @app_commands.describe(schedule_id="The schedule's number")
    @app_commands.rename(schedule_id="id")
    async def schedule_enable(self, ctx: Ctx, schedule_id: Annotated[int, ItemNumber] = ID) -> None:
        """Resume a schedule that was paused because I couldn't post."""
        updated = await self.bot.store.enable_schedule(_guild_id(ctx), schedule_id)
        if updated is None:
            await LegDayGroup.reply(ctx, _unknown(schedule_id), ephemeral=True)
            return
        self.bot.reminders.arm(updated)
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
