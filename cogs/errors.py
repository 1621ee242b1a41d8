"""One place that turns every command error into a short, friendly answer."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import InputError

if TYPE_CHECKING:
    from bot.app import LegDayBot

log = logging.getLogger(__name__)

GENERIC_APOLOGY = "Sorry, something went wrong on my side. It has been logged; try again soon."


def _unwrap(error: BaseException) -> BaseException:
    # Hybrid and invoke errors wrap the real one, sometimes twice.
    while isinstance(
        error,
        commands.HybridCommandError | commands.CommandInvokeError | app_commands.CommandInvokeError,
    ):
        error = error.original
    return error


def usage(ctx: commands.Context[Any]) -> str:
    command = ctx.command
    if command is None:
        return ""
    prefix = "/" if ctx.interaction is not None else ctx.clean_prefix
    return f"`{prefix}{command.qualified_name} {command.signature}`".replace(" `", "`")


def describe(ctx: commands.Context[Any], error: BaseException) -> str | None:
    """The message for an expected error, or None for an unexpected one."""
    if isinstance(error, InputError):
        return error.user_message()
    if isinstance(error, commands.MissingRequiredArgument):
        return f"Missing **{error.param.name}**. Usage: {usage(ctx)}"
    if isinstance(error, commands.RangeError):
        return f"**{_param_name(ctx)}** must be from {error.minimum} to {error.maximum}."
    if isinstance(error, commands.BadArgument | commands.BadUnionArgument):
        return f"I couldn't read that: {str(error).rstrip('.')}. Usage: {usage(ctx)}"
    if isinstance(error, commands.TooManyArguments):
        return f"Too many arguments. Usage: {usage(ctx)}"
    if isinstance(error, commands.MissingPermissions | app_commands.MissingPermissions):
        return "You need the **Manage Server** permission for that."
    if isinstance(error, commands.NotOwner):
        return "Only the bot's owner can do that."
    if isinstance(error, commands.NoPrivateMessage | app_commands.NoPrivateMessage):
        return "That works in a server, not in DMs."
    if isinstance(error, commands.CommandOnCooldown | app_commands.CommandOnCooldown):
        return f"Easy there! Try again in {error.retry_after:.0f}s."
    if isinstance(error, commands.BotMissingPermissions | app_commands.BotMissingPermissions):
        return "I'm missing permissions here: " + ", ".join(error.missing_permissions) + "."
    if isinstance(error, commands.CheckFailure | app_commands.CheckFailure):
        return "You can't use that command here."
    if isinstance(error, commands.UserInputError):
        return f"I couldn't read that. Usage: {usage(ctx)}"
    return None


def _param_name(ctx: commands.Context[Any]) -> str:
    return ctx.current_parameter.name if ctx.current_parameter else "value"


class ErrorHandler(commands.Cog):
    def __init__(self, bot: LegDayBot) -> None:
        self.bot = bot
        self._previous_tree_handler = bot.tree.on_error
        bot.tree.on_error = self.on_app_command_error  # type: ignore[assignment]

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous_tree_handler  # type: ignore[method-assign]

    @commands.Cog.listener()
    async def on_command_error(self, ctx: commands.Context[Any], error: Exception) -> None:
        if isinstance(error, commands.CommandNotFound):
            return
        original = _unwrap(error)
        message = describe(ctx, original)
        if message is None:
            log.error(
                "command %r failed (guild=%s channel=%s user=%s text=%r)",
                ctx.command.qualified_name if ctx.command else None,
                ctx.guild.id if ctx.guild else None,
                ctx.channel.id if ctx.channel else None,
                ctx.author.id,
                ctx.message.content if ctx.interaction is None else None,
                exc_info=original,
            )
            message = GENERIC_APOLOGY
        await self._answer(ctx, message)

    async def _answer(self, ctx: commands.Context[Any], message: str) -> None:
        try:
            if ctx.interaction is None:
                await ctx.reply(message, mention_author=False)
            else:
                await ctx.send(message, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not deliver an error reply in channel %s", ctx.channel.id)

    async def on_app_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        # Hybrid commands report through on_command_error; this catches pure app commands.
        original = _unwrap(error)
        context = await commands.Context.from_interaction(interaction)
        message = describe(context, original)
        if message is None:
            log.error(
                "app command failed (guild=%s user=%s)",
                interaction.guild_id,
                interaction.user.id,
                exc_info=original,
            )
            message = GENERIC_APOLOGY
        try:
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True)
            else:
                await interaction.response.send_message(message, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not deliver an error reply to interaction %s", interaction.id)


async def setup(bot: LegDayBot) -> None:
    await bot.add_cog(ErrorHandler(bot))
