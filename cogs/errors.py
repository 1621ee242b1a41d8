"""One place that turns every command error into a short, friendly answer."""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any, TypeGuard

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import InputError, echo
from bot.core.suggest import suggest_command
from bot.sending import ClosedChannel, through_rate_limits

if TYPE_CHECKING:
    from bot.app import LegDayBot

log = logging.getLogger(__name__)

GENERIC_APOLOGY = "Sorry, something went wrong on my side. It has been logged; try again soon."
# Discord's codes for an interaction that can no longer be answered: its 3 s to respond
# passed, or it was answered already. Any apology would be refused the same way.
UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060


def _interaction_gone(error: BaseException) -> TypeGuard[discord.HTTPException]:
    return isinstance(error, discord.HTTPException) and error.code in (
        UNKNOWN_INTERACTION,
        ALREADY_ACKNOWLEDGED,
    )


def _log_gone(interaction_id: int, error: discord.HTTPException) -> None:
    log.warning(
        "interaction %s could not be answered (Discord code %s): too late or answered already",
        interaction_id,
        error.code,
    )


def _unwrap(error: BaseException) -> BaseException:
    # Hybrid, invoke and converter errors wrap the real one, sometimes twice.
    while isinstance(
        error,
        commands.HybridCommandError
        | commands.CommandInvokeError
        | app_commands.CommandInvokeError
        | commands.ConversionError,
    ):
        error = error.original
    return error


def usage(ctx: commands.Context[Any]) -> str:
    command = ctx.command
    if command is None:
        return ""
    prefix = "/" if ctx.interaction is not None else ctx.clean_prefix
    return f"`{prefix}{command.qualified_name} {command.signature}`".replace(" `", "`")


def _argument(ctx: commands.Context[Any]) -> str:
    """The parameter being read, named as usage and help name it."""
    parameter = ctx.current_parameter
    return parameter.displayed_name or parameter.name if parameter else "value"


def _bounds(ctx: commands.Context[Any]) -> tuple[object, object] | None:
    """The bounds of the parameter being read, when it is a `commands.Range` (duck-typed:
    type checkers see Range as `Annotated`, which `isinstance` cannot take)."""
    parameter = ctx.current_parameter
    converter = parameter.converter if parameter is not None else None
    low, high = getattr(converter, "min", None), getattr(converter, "max", None)
    return None if low is None or high is None else (low, high)


def _given(ctx: commands.Context[Any], fallback: str = "") -> str:
    return echo(ctx.current_argument if ctx.current_argument is not None else fallback)


def _permission_names(missing: list[str]) -> str:
    names = [name.replace("_", " ").replace("guild", "server").title() for name in missing]
    return " and ".join(f"**{name}**" for name in names)


def _subcommands(group: commands.Group[Any, ..., Any]) -> list[str]:
    return sorted(c.name for c in group.commands if not c.hidden)


def _unused_words(ctx: commands.Context[Any]) -> str:
    """What an extra-words error is about: the words no parameter took, or, for a group
    called with an unknown word, that word and the subcommands it could have been."""
    command = ctx.command
    if isinstance(command, commands.Group) and ctx.subcommand_passed:
        known = _subcommands(command)
        meant = suggest_command(ctx.subcommand_passed, known, everyday={})
        hint = f" Did you mean `{command.name} {meant}`?" if meant else ""
        return (
            f"**{command.name}**: {echo(ctx.subcommand_passed)} is not one of its commands. "
            f"Expected {', '.join(f'`{name}`' for name in known)}.{hint}"
        )
    leftover = ctx.view.read_rest().strip() if ctx.view is not None else ""
    return f"I couldn't use {echo(leftover)}: it is more than this command takes. Usage: " + (
        usage(ctx)
    )


def describe(ctx: commands.Context[Any], error: BaseException) -> str | None:
    """The message for an expected error, or None for an unexpected one.

    Never the library's own wording: every answer says, in the bot's words, which
    argument (as usage names it) could not be used and what was expected.
    """
    if isinstance(error, InputError):
        return error.user_message()
    if isinstance(error, commands.MissingRequiredArgument):
        name = error.param.displayed_name or error.param.name
        return f"Missing **{name}**. Usage: {usage(ctx)}"
    if isinstance(error, commands.RangeError):
        return (
            f"**{_argument(ctx)}**: {echo(str(error.value))} is out of range. Expected a "
            f"number from {error.minimum} to {error.maximum}."
        )
    if isinstance(error, commands.ChannelNotFound | commands.ChannelNotReadable):
        return (
            f"**{_argument(ctx)}**: {_given(ctx)} is not a channel I can see here. Expected "
            f"a text channel, e.g. `#gym`. Usage: {usage(ctx)}"
        )
    if isinstance(error, commands.RoleNotFound):
        return (
            f"**{_argument(ctx)}**: {_given(ctx)} is not a role in this server. Expected a "
            f"role, e.g. `@lifters`. Usage: {usage(ctx)}"
        )
    if isinstance(error, commands.MemberNotFound | commands.UserNotFound):
        return (
            f"**{_argument(ctx)}**: {_given(ctx)} is not a member I can find. Expected a "
            f"mention, e.g. `@alex`. Usage: {usage(ctx)}"
        )
    if isinstance(error, commands.TooManyArguments):
        return _unused_words(ctx)
    if isinstance(error, commands.ArgumentParsingError):
        return f"I couldn't read that: a quotation mark is not closed. Usage: {usage(ctx)}"
    bounds = _bounds(ctx)
    if isinstance(error, commands.BadArgument) and bounds is not None:
        # A number range (`target`) read with `!`: say what it takes, as RangeError does.
        return (
            f"**{_argument(ctx)}**: {_given(ctx)} is not a whole number. Expected a number "
            f"from {bounds[0]} to {bounds[1]}."
        )
    if isinstance(error, commands.BadArgument | commands.BadUnionArgument):
        return f"**{_argument(ctx)}**: I couldn't read {_given(ctx)}. Usage: {usage(ctx)}"
    if isinstance(error, app_commands.TransformerError):
        return f"**{_argument(ctx)}**: I couldn't use that value. Usage: {usage(ctx)}"
    if isinstance(error, commands.MissingPermissions | app_commands.MissingPermissions):
        return "You need the **Manage Server** permission for that."
    if isinstance(error, commands.NotOwner):
        return "Only the bot's owner can do that."
    if isinstance(error, commands.NoPrivateMessage | app_commands.NoPrivateMessage):
        return "That works in a server, not in DMs."
    if isinstance(error, commands.CommandOnCooldown | app_commands.CommandOnCooldown):
        return f"Easy there! Try again in {error.retry_after:.0f}s."
    if isinstance(error, commands.BotMissingPermissions | app_commands.BotMissingPermissions):
        return f"I need {_permission_names(error.missing_permissions)} here for that."
    if isinstance(error, commands.CheckFailure | app_commands.CheckFailure):
        return "You can't use that command here."
    if isinstance(error, commands.UserInputError):
        return f"I couldn't read that. Usage: {usage(ctx)}"
    return None


class ErrorHandler(commands.Cog):
    def __init__(self, bot: LegDayBot) -> None:
        self.bot = bot
        self._previous_tree_handler = bot.tree.on_error
        bot.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous_tree_handler  # type: ignore[method-assign]

    @commands.Cog.listener()
    async def on_command_error(self, ctx: commands.Context[Any], error: Exception) -> None:
        if isinstance(error, commands.CommandNotFound):
            return
        original = _unwrap(error)
        if self._channel_closed(ctx, original):
            return  # the reply itself could not be posted; bot.sending logged it once
        if ctx.interaction is not None and _interaction_gone(original):
            _log_gone(ctx.interaction.id, original)
            return
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

    def _channel_closed(self, ctx: commands.Context[Any], error: BaseException) -> bool:
        """A `!` command whose channel refuses the bot's messages, or any command once
        Discord rejected the token: an apology would be refused too (and counted by
        Discord as one more invalid request)."""
        if self.bot.token_rejected:
            return True  # the bot is stopping; nothing can be posted any more
        if ctx.interaction is not None:
            return False
        if isinstance(error, ClosedChannel):
            return True
        refused = isinstance(error, discord.Forbidden | discord.NotFound)
        return refused and self.bot.send_guard.channels.is_closed(ctx.channel.id)

    async def _answer(self, ctx: commands.Context[Any], message: str) -> None:
        try:
            if ctx.interaction is None:
                nonce = secrets.randbits(64)  # one for every try, so Discord keeps one
                await through_rate_limits(
                    lambda: ctx.reply(message, mention_author=False, nonce=nonce)
                )
            else:
                await through_rate_limits(lambda: ctx.send(message, ephemeral=True))
        except discord.HTTPException:
            log.warning("could not deliver an error reply in channel %s", ctx.channel.id)

    async def on_app_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        # Hybrid commands report through on_command_error; this catches pure app commands.
        self.bot.dispatch("legday_app_command_error", interaction, error)  # the metrics
        original = _unwrap(error)
        if _interaction_gone(original):
            _log_gone(interaction.id, original)
            return
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
