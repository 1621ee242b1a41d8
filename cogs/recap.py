"""The weekly recap (Manage Server): where and when it is posted, off, and a test post."""

from __future__ import annotations

import discord
from discord import app_commands

from bot import replies
from bot.core.weekly_input import format_moment, parse_moment
from bot.usecases import server
from cogs import typed
from cogs.admin_group import AdminGroup
from cogs.group import Ctx, LegDayGroup
from cogs.server_settings import _guild_id

_NEEDED = discord.Permissions(view_channel=True, send_messages=True)


class RecapCommands(AdminGroup):
    @typed.subgroup(
        AdminGroup.legday_admin,
        name="recap",
        fallback="show",
        invoke_without_command=True,
        case_insensitive=True,
        description="The weekly recap: show when and where it is posted",
    )
    async def recap(self, ctx: Ctx) -> None:
        """Show when and where the weekly recap is posted."""
        guild = await server.show(self.bot.services, _guild_id(ctx))
        await LegDayGroup.reply(ctx, replies.recap_setting(guild))

    @typed.subcommand(recap, name="set", description="Post a recap of each week")
    @app_commands.describe(
        channel="Where to post it",
        day="The day to post it, e.g. mon (it sums up the week that ended before)",
        time="24-hour HH:MM in the server's time zone, e.g. 09:00",
    )
    async def recap_set(self, ctx: Ctx, channel: discord.TextChannel, day: str, time: str) -> None:
        """Post a recap of the week that ended: #channel, day, HH:MM (server time)."""
        weekday, at = parse_moment(day, time)
        assert ctx.guild is not None
        if not channel.permissions_for(ctx.guild.me).is_superset(_NEEDED):
            await LegDayGroup.reply(
                ctx,
                f"I can't post in {channel.mention}: I need View Channel and Send Messages there.",
                ephemeral=True,
            )
            return
        guild = await server.set_recap(self.bot.services, ctx.guild.id, channel.id, weekday, at)
        zone = replies.zone_name(guild, self.bot.config.default_timezone)
        await LegDayGroup.reply(
            ctx,
            f"📅 The weekly recap goes to {channel.mention} every "
            f"**{format_moment(weekday, at)}** ({zone}), "
            "summing up the week that ended. Try it now: `legday-admin recap test`.",
        )

    @typed.subcommand(recap, name="off", description="Stop posting the weekly recap")
    async def recap_off(self, ctx: Ctx) -> None:
        """Stop posting the weekly recap."""
        await server.recap_off(self.bot.services, _guild_id(ctx))
        await LegDayGroup.reply(ctx, "No more weekly recaps.")

    @typed.subcommand(recap, name="test", description="Post last week's recap here, now")
    async def recap_test(self, ctx: Ctx) -> None:
        """Post last week's recap in this channel now, marked as a test."""
        if ctx.interaction is not None:
            await ctx.defer(ephemeral=True)
        sent = await server.post_test_recap(self.bot.services, _guild_id(ctx), ctx.channel.id)
        await LegDayGroup.reply(
            ctx,
            f"Posted a test recap ({replies.plural(sent, 'message')}); nothing was recorded.",
            ephemeral=True,
        )
