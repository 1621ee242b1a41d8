"""Milestone roles (Manage Server): a role for members whose weekly streak reaches a
number of weeks."""

from __future__ import annotations

from typing import Annotated

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.core.errors import InputError
from bot.core.milestones import MAX_WEEKS, MIN_WEEKS
from bot.roles import role_problem
from bot.usecases import milestones
from cogs import typed
from cogs.admin_group import AdminGroup
from cogs.arguments import RemoveOnBreak
from cogs.group import Ctx, LegDayGroup
from cogs.server_settings import _guild_id

Weeks = commands.Range[int, MIN_WEEKS, MAX_WEEKS]


class MilestoneCommands(AdminGroup):
    @typed.subgroup(
        AdminGroup.legday_admin,
        name="milestones",
        invoke_without_command=True,
        case_insensitive=True,
        description="Roles for members whose streak reaches a number of weeks",
    )
    async def milestones_group(self, ctx: Ctx) -> None:
        """List the milestone roles."""
        await self.milestones_list.callback(self, ctx)  # type: ignore[arg-type]

    @typed.subcommand(milestones_group, name="list", description="List the milestone roles")
    async def milestones_list(self, ctx: Ctx) -> None:
        """List the milestone roles, and anything that stops one from working."""
        found = await milestones.listing(self.bot.services, _guild_id(ctx))
        await LegDayGroup.reply(ctx, embed=replies.milestones_reply(found))

    @typed.subcommand(
        milestones_group, name="add", description="Give a role to members with a streak of N weeks"
    )
    @app_commands.describe(
        weeks=f"Streak length in weeks, {MIN_WEEKS}-{MAX_WEEKS}",
        role="The role to give",
        remove="Take the role away when the streak breaks (default: members keep it)",
    )
    async def milestones_add(
        self,
        ctx: Ctx,
        weeks: Weeks,
        role: discord.Role,
        remove: Annotated[bool, RemoveOnBreak] | None = None,
    ) -> None:
        """Give @role at a streak of N weeks; add `remove` to take it away when it breaks."""
        assert ctx.guild is not None
        if role.is_default():
            raise InputError("role", "@everyone can't be a milestone role", "a role", "@Iron Legs")
        if role.managed:
            raise InputError(
                "role",
                f"{role.mention} is managed by an integration (a bot or boosts), so no one "
                "can give it",
                "a role the server made",
                "@Iron Legs",
            )
        problem = role_problem(ctx.guild, role)
        added = await milestones.add(
            self.bot.services,
            ctx.guild.id,
            int(weeks),
            role.id,
            remove_on_break=bool(remove),
            problem=problem,
        )
        await LegDayGroup.reply(ctx, replies.milestone_added(added))

    @typed.subcommand(milestones_group, name="remove", description="Stop giving a milestone role")
    @app_commands.describe(weeks="The milestone's streak length in weeks")
    async def milestones_remove(self, ctx: Ctx, weeks: Weeks) -> None:
        """Stop giving the role of the N-week milestone (members keep theirs)."""
        found = await milestones.remove(self.bot.services, _guild_id(ctx), int(weeks))
        if found is None:
            await LegDayGroup.reply(
                ctx,
                f"There is no {int(weeks)}-week milestone. "
                "See them with `legday-admin milestones list`.",
                ephemeral=True,
            )
            return
        await LegDayGroup.reply(
            ctx,
            f"Removed the {found.weeks}-week milestone: I no longer give "
            f"<@&{found.role_id}>. Members who have it keep it.",
        )
