"""The server's own quotes (Manage Server): add, remove, list."""

from __future__ import annotations

from typing import Annotated

from discord import app_commands

from bot import replies
from bot.core.parsing import clean_quote
from bot.usecases import quotes
from bot.usecases.quotes import MAX_QUOTES_PER_GUILD, QuoteLimitReached
from cogs import typed
from cogs.admin_group import AdminGroup
from cogs.arguments import ID, ItemNumber
from cogs.group import Ctx, LegDayGroup
from cogs.quotes import send_quote_list
from cogs.server_settings import _guild_id


class ServerQuoteCommands(AdminGroup):
    @typed.subgroup(
        AdminGroup.legday_admin,
        name="quotes",
        invoke_without_command=True,
        case_insensitive=True,
        description="This server's own leg day quotes",
    )
    async def quotes_group(self, ctx: Ctx) -> None:
        """List this server's own quotes."""
        await self.quotes_list.callback(self, ctx)  # type: ignore[arg-type]

    @typed.subcommand(quotes_group, name="add", description="Add a server quote")
    @app_commands.describe(quote="The quote, at most 300 characters")
    async def quotes_add(self, ctx: Ctx, *, quote: str) -> None:
        """Add a quote for this server (at most 300 characters)."""
        cleaned = clean_quote(quote)
        guild_id = _guild_id(ctx)
        try:
            quote_id = await quotes.add(self.bot.services, guild_id, cleaned, ctx.author.id)
        except QuoteLimitReached:
            await LegDayGroup.reply(
                ctx,
                f"This server already has {MAX_QUOTES_PER_GUILD} quotes; remove one first.",
                ephemeral=True,
            )
            return
        await LegDayGroup.reply(ctx, f"Added quote #{quote_id}.")

    @typed.subcommand(quotes_group, name="remove", description="Remove a server quote")
    @app_commands.describe(quote_id="The quote's number from the quotes list")
    @app_commands.rename(quote_id="id")
    async def quotes_remove(self, ctx: Ctx, quote_id: Annotated[int, ItemNumber] = ID) -> None:
        """Remove a quote by its number."""
        guild_id = _guild_id(ctx)
        if not await quotes.remove(self.bot.services, guild_id, quote_id):
            await LegDayGroup.reply(
                ctx,
                f"There is no quote {replies.item_number(quote_id)} in this server. "
                "See `/legday quotes list`.",
                ephemeral=True,
            )
            return
        await LegDayGroup.reply(ctx, f"Removed quote #{quote_id}.")

    @typed.subcommand(quotes_group, name="list", description="List this server's quotes")
    async def quotes_list(self, ctx: Ctx) -> None:
        """List this server's own quotes."""
        await send_quote_list(self.bot, ctx)
