"""The members' `legday` command group, whose bare form checks in.

`!legday ...` and `/legday ...` are one hybrid group. Its subcommands live in one cog
assembled (in `cogs.legday`) from a mixin per feature, because discord.py binds a
group's subcommands to the cog that owns the group. The group itself is the check-in
command, so checking in lives here too.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.core.parsing import clean_note
from bot.core.suggest import suggest_command
from bot.sending import through_rate_limits
from bot.usecases.checkins import check_in
from bot.views import held_note_view
from cogs import typed

if TYPE_CHECKING:
    from bot.app import LegDayBot

Ctx = commands.Context["LegDayBot"]

# Subcommands a note's first word is never taken to mean: `checkin` is the note's own
# command, the owner's `sync` is nothing a member should be pointed at, `pause` is a
# letter away from "paused", as in "paused squats", and "lifts" or "lift" starts notes.
_NOT_SUGGESTED = frozenset({"checkin", "sync", "pause", "lifts"})


class LegDayGroup(commands.Cog):
    def __init__(self, bot: LegDayBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        refuse_extra_words(self)

    @typed.hybrid_group(
        name="legday",
        fallback="checkin",
        invoke_without_command=True,
        case_insensitive=True,
        description="Log today's leg day",
    )
    @app_commands.guild_only()
    @app_commands.describe(note="Optional note, e.g. what you trained (max 200 characters)")
    async def legday(self, ctx: Ctx, *, note: str | None = None) -> None:
        """Log today's leg day (once per day in your time zone)."""
        if ctx.interaction is None and note is not None:
            # `!legday checkin [note]` mirrors `/legday checkin`; the slash fallback owns the
            # name, so a prefix subcommand called checkin would replace it.
            first, _, rest = note.partition(" ")
            if first.lower() == "checkin":
                note = rest or None
        cleaned = clean_note(note)
        if cleaned is not None:
            meant = suggest_command(cleaned, self.suggestible_names())
            if meant is not None:
                await self.reply(
                    ctx,
                    replies.did_you_mean(self.spell(ctx, meant), cleaned),
                    view=held_note_view(ctx.author.id),
                    ephemeral=True,
                )
                return
        outcome = await check_in(
            self.bot.services,
            self.guild_id(ctx),
            ctx.author.id,
            note=cleaned,
            source="command" if ctx.interaction is None else "slash",
            channel_id=ctx.channel.id,
        )
        quote = await self.bot.quotes.pick(self.guild_id(ctx), ctx.channel.id)
        await self.reply(ctx, embed=replies.checkin_reply(outcome, ctx.author.mention, quote))

    def suggestible_names(self) -> list[str]:
        """What members can type after `legday`: each subcommand's name and aliases."""
        names: list[str] = []
        for command in self.legday.commands:
            if command.hidden or command.name in _NOT_SUGGESTED:
                continue
            names += [command.name, *command.aliases]
        return names

    def spell(self, ctx: Ctx, command: str) -> str:
        """How to type `legday <command>` the way the member just typed a command."""
        if ctx.interaction is None:
            return f"{ctx.clean_prefix}legday {command}"
        first = command.split()[0]
        found = self.legday.get_command(first)
        if found is not None and found.cog is not self:
            return f"/legday-admin {command}"  # an admin command's prefix twin
        return f"/legday {command}"

    async def cog_check(self, ctx: Ctx) -> bool:  # type: ignore[override]
        if ctx.guild is None and ctx.command is not None and ctx.command.name != "help":
            raise commands.NoPrivateMessage
        return True

    @staticmethod
    def guild_id(ctx: Ctx) -> int:
        assert ctx.guild is not None  # cog_check guarantees it
        return ctx.guild.id

    @staticmethod
    async def reply(ctx: Ctx, content: str | None = None, **kwargs: Any) -> discord.Message:
        """Answer the invoker: a reply for `!`, the interaction response for `/`; sent
        again while Discord answers 429 (`bot.sending.through_rate_limits`)."""
        if ctx.interaction is None:
            kwargs.pop("ephemeral", None)
            kwargs.setdefault("mention_author", False)
            # One nonce for every try (discord.py draws a new one per call): Discord then
            # keeps at most one of them, whatever happened to the others.
            kwargs.setdefault("nonce", secrets.randbits(64))
            return await through_rate_limits(lambda: ctx.reply(content, **rewound(kwargs)))
        return await through_rate_limits(lambda: ctx.send(content, **rewound(kwargs)))


def rewound(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The reply's arguments with its files back at their start: a try that was refused
    has read them to the end, and sent again as they are they would upload nothing."""
    files = list(kwargs.get("files") or []) + ([kwargs["file"]] if kwargs.get("file") else [])
    for file in files:
        file.reset()
    return kwargs


def refuse_extra_words(cog: commands.Cog) -> None:
    """Every command of the cog answers words it could not use instead of dropping them
    (discord.py's default); free text goes into a keyword-only parameter, which takes the
    rest of the line and so never leaves words over."""
    for command in cog.walk_commands():
        command.ignore_extra = False


def command_usages(group: commands.Group[Any, ..., Any], ctx: Ctx) -> list[tuple[str, str]]:
    """`(usage, what it does)` for every command of the group's own cog under `group`, as
    the invoker types them (the admin commands' prefix twins are listed with the admins')."""
    slash = ctx.interaction is not None
    lead = "/" if slash else ctx.clean_prefix
    found = []
    for command in group.walk_commands():
        if command.hidden or command.name == "help" or command.cog is not group.cog:
            continue
        name = command.qualified_name
        if isinstance(command, commands.HybridGroup):
            # A group is listed when it does something of its own (`settings` shows them);
            # `/` spells that with the group's fallback subcommand.
            if command.fallback:
                spelled = f"{name} {command.fallback}" if slash else name
                found.append((f"{lead}{spelled}", command.short_doc))
            continue
        usage = f"{lead}{name} {command.signature}".strip()
        found.append((usage, command.short_doc or command.description))
    return found
