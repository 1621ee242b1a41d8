"""Benefit quotes: a random one on demand, and the list of the server's own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import replies
from bot.usecases import quotes
from cogs import typed
from cogs.group import Ctx, LegDayGroup

if TYPE_CHECKING:
    from bot.app import LegDayBot


class QuoteCommands(LegDayGroup):
    @typed.subcommand(LegDayGroup.legday, name="why", description="Why leg day matters")
    async def why(self, ctx: Ctx) -> None:
        """A random reason to train legs."""
        quote = await self.bot.quotes.pick(self.guild_id(ctx), ctx.channel.id)
        await self.reply(ctx, embed=replies.quote_reply(quote))

    @typed.subgroup(
        LegDayGroup.legday,
        name="quotes",
        description="This server's own leg day quotes",
        invoke_without_command=True,
        case_insensitive=True,
    )
    async def quotes_group(self, ctx: Ctx) -> None:
        """List this server's own quotes (admins add them)."""
        await send_quote_list(self.bot, ctx)

    @typed.subcommand(quotes_group, name="list", description="List this server's quotes")
    async def quotes_list(self, ctx: Ctx) -> None:
        """List this server's own quotes."""
        await send_quote_list(self.bot, ctx)


async def send_quote_list(bot: LegDayBot, ctx: Ctx) -> None:
    assert ctx.guild is not None
    stored = await quotes.listed(bot.services, ctx.guild.id)
    if not stored:
        await LegDayGroup.reply(
            ctx,
            "No server quotes yet; the built-in ones are in rotation. Admins add one with "
            "`/legday-admin quotes add`.",
        )
        return
    await LegDayGroup.reply(ctx, embed=replies.quote_list_reply(stored))
