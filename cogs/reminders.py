"""Reminder schedules (admins) and opting in to reminder pings (everyone)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.core.days import effective_zone
from bot.core.parsing import parse_hhmm, parse_nudge_hours, parse_on_off, parse_weekdays
from bot.reminders import PostFailed
from cogs.group import Ctx, LegDayGroup
from cogs.settings import ON_OFF

MAX_SCHEDULES = 10
_NEEDED = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)


class ReminderCommands(LegDayGroup):
    @LegDayGroup.legday.command(name="remind", description="Get pinged by leg day reminders")
    @app_commands.describe(state="on: ping me on leg days until I check in; off: don't")
    @app_commands.choices(state=ON_OFF)
    async def remind(self, ctx: Ctx, state: str) -> None:
        """`on`: reminders ping you until you check in that day; `off`: they don't."""
        opt_in = parse_on_off(state, "state")
        await self.bot.store.set_reminders(self.guild_id(ctx), ctx.author.id, opt_in)
        text = (
            "You'll be pinged by leg day reminders until you check in that day."
            if opt_in
            else "No more reminder pings for you."
        )
        await self.reply(ctx, text, ephemeral=True)

    @LegDayGroup.legday.group(
        name="schedule",
        description="Leg day reminder schedules (Manage Server)",
        invoke_without_command=True,
    )
    @commands.has_guild_permissions(manage_guild=True)
    async def schedule(self, ctx: Ctx) -> None:
        """Reminder schedules: `add`, `list`, `remove`, `nudge`, `test`, `enable`."""
        await self.schedule_list.callback(self, ctx)  # type: ignore[arg-type]

    @schedule.command(name="add", description="Add a reminder schedule (Manage Server)")
    @app_commands.describe(
        days="e.g. mon,thu or mon-fri or weekends or daily",
        time="24-hour HH:MM in the server's time zone, e.g. 18:00",
        channel="Where to post (default: here)",
        role="A role to ping with the reminder",
    )
    @commands.has_guild_permissions(manage_guild=True)
    async def schedule_add(
        self,
        ctx: Ctx,
        days: str,
        time: str,
        channel: discord.TextChannel | None = None,
        role: discord.Role | None = None,
    ) -> None:
        """Add a schedule: `mon,thu 18:00 [#channel] [@role]`."""
        weekdays = parse_weekdays(days)
        at = parse_hhmm(time)
        assert ctx.guild is not None
        target = channel or ctx.channel
        if not isinstance(target, discord.TextChannel):
            await self.reply(ctx, "Pick a text channel for reminders.", ephemeral=True)
            return
        if not target.permissions_for(ctx.guild.me).is_superset(_NEEDED):
            await self.reply(
                ctx,
                f"I can't post embeds in {target.mention}: I need View Channel, Send Messages "
                "and Embed Links there.",
                ephemeral=True,
            )
            return
        config = await self.bot.store.guild_config(ctx.guild.id)
        zone = effective_zone(None, config.timezone or self.bot.settings.default_timezone)
        created = await self.bot.store.add_schedule(
            ctx.guild.id,
            target.id,
            role.id if role else None,
            weekdays,
            at,
            zone.key,
            self.bot.now(),
            limit=MAX_SCHEDULES,
        )
        if created is None:
            await self.reply(
                ctx,
                f"This server already has {MAX_SCHEDULES} schedules; remove one first.",
                ephemeral=True,
            )
            return
        self.bot.reminders.arm(created)
        fires = self.bot.reminders.next_fire_times(created)
        await self.reply(ctx, embed=replies.schedule_added_reply(created, fires))

    @schedule.command(name="list", description="List reminder schedules (Manage Server)")
    @commands.has_guild_permissions(manage_guild=True)
    async def schedule_list(self, ctx: Ctx) -> None:
        """List this server's schedules."""
        found = await self.bot.store.schedules(self.guild_id(ctx))
        rows = [(s, self.bot.reminders.next_fire_times(s, 1)) for s in found]
        await self.reply(ctx, embed=replies.schedule_list_reply(rows))

    @schedule.command(name="remove", description="Remove a reminder schedule (Manage Server)")
    @app_commands.describe(schedule_id="The schedule's number from `/legday schedule list`")
    @commands.has_guild_permissions(manage_guild=True)
    async def schedule_remove(self, ctx: Ctx, schedule_id: int) -> None:
        """Remove a schedule by its number."""
        if not await self.bot.store.remove_schedule(self.guild_id(ctx), schedule_id):
            await self.reply(ctx, _unknown(schedule_id), ephemeral=True)
            return
        self.bot.reminders.disarm(schedule_id)
        await self.reply(ctx, f"Removed schedule #{schedule_id}.")

    @schedule.command(name="nudge", description="Follow-up ping N hours later (Manage Server)")
    @app_commands.describe(
        schedule_id="The schedule's number", hours="1-12 hours after the reminder, or off"
    )
    @commands.has_guild_permissions(manage_guild=True)
    async def schedule_nudge(self, ctx: Ctx, schedule_id: int, hours: str) -> None:
        """Nudge opted-in members who haven't checked in, N hours (1-12) later, or `off`."""
        nudge = parse_nudge_hours(hours)
        updated = await self.bot.store.set_nudge(self.guild_id(ctx), schedule_id, nudge)
        if updated is None:
            await self.reply(ctx, _unknown(schedule_id), ephemeral=True)
            return
        if nudge is None:
            await self.reply(ctx, f"Schedule #{schedule_id}: no follow-up nudge.")
        else:
            await self.reply(
                ctx,
                f"Schedule #{schedule_id}: a nudge {replies.plural(nudge, 'hour')} after each "
                "reminder, for opted-in members who haven't checked in yet.",
            )

    @schedule.command(name="test", description="Post a schedule's reminder now (Manage Server)")
    @app_commands.describe(schedule_id="The schedule's number")
    @commands.has_guild_permissions(manage_guild=True)
    async def schedule_test(self, ctx: Ctx, schedule_id: int) -> None:
        """Post the reminder now, marked as a test, without recording a delivery."""
        found = await self.bot.store.schedule(schedule_id)
        if found is None or found.guild_id != self.guild_id(ctx):
            await self.reply(ctx, _unknown(schedule_id), ephemeral=True)
            return
        if ctx.interaction is not None:
            await ctx.defer(ephemeral=True)
        try:
            await self.bot.reminders.post_test(found)
        except PostFailed as exc:  # report it; a test never disables the schedule
            await self.reply(ctx, f"The test post failed: {exc}", ephemeral=True)
            return
        await self.reply(ctx, f"Posted a test of schedule #{schedule_id} in <#{found.channel_id}>.")

    @schedule.command(name="enable", description="Resume a paused schedule (Manage Server)")
    @app_commands.describe(schedule_id="The schedule's number")
    @commands.has_guild_permissions(manage_guild=True)
    async def schedule_enable(self, ctx: Ctx, schedule_id: int) -> None:
        """Resume a schedule that was paused because I couldn't post."""
        updated = await self.bot.store.enable_schedule(self.guild_id(ctx), schedule_id)
        if updated is None:
            await self.reply(ctx, _unknown(schedule_id), ephemeral=True)
            return
        self.bot.reminders.arm(updated)
        await self.reply(ctx, f"Schedule #{schedule_id} is active again.")


def _unknown(schedule_id: int) -> str:
    return f"There is no schedule #{schedule_id} here. See `/legday schedule list`."
