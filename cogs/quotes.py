"""Benefit quotes: a random one on demand, and the server's own."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.core.parsing import clean_quote
from bot.store import QuoteLimitReached
from bot.store.quotes import MAX_QUOTES_PER_GUILD
from cogs.group import Ctx, LegDayGroup


class QuoteCommands(LegDayGroup):
    @LegDayGroup.legday.command(name="why", description="Why leg day matters")
    async def why(self, ctx: Ctx) -> None:
        """A random reason to train legs."""
        quote = await self.bot.quotes.pick(self.guild_id(ctx), ctx.channel.id)
        await self.reply(ctx, embed=replies.quote_reply(quote))

    @LegDayGroup.legday.group(
        name="quotes", description="This server's own leg day quotes", invoke_without_command=True
    )
    async def quotes(self, ctx: Ctx) -> None:
        """Server quotes: `add`, `remove`, `list`."""
        await self.quotes_list.callback(self, ctx)  # type: ignore[arg-type]

    @quotes.command(name="add", description="Add a server quote (Manage Server)")
    @app_commands.describe(text="The quote, at most 300 characters")
    @commands.has_guild_permissions(manage_guild=True)
    async def quotes_add(self, ctx: Ctx, *, text: str) -> None:
        """Add a quote for this server (Manage Server)."""
        cleaned = clean_quote(text)
        guild_id = self.guild_id(ctx)
        try:
            quote_id = await self.bot.store.add_quote(
                guild_id, cleaned, ctx.author.id, self.bot.now()
            )
        except QuoteLimitReached:
            await self.reply(
                ctx,
                f"This server already has {MAX_QUOTES_PER_GUILD} quotes; remove one first.",
                ephemeral=True,
            )
            return
        self.bot.quotes.forget_guild(guild_id)
        await self.reply(ctx, f"Added quote #{quote_id}.")

    @quotes.command(name="remove", description="Remove a server quote (Manage Server)")
    @app_commands.describe(quote_id="The quote's number from `/legday quotes list`")
    @commands.has_guild_permissions(manage_guild=True)
    async def quotes_remove(self, ctx: Ctx, quote_id: int) -> None:
        """Remove a quote by its number (Manage Server)."""
        guild_id = self.guild_id(ctx)
        if not await self.bot.store.remove_quote(guild_id, quote_id):
            await self.reply(
                ctx,
                f"There is no quote #{quote_id} in this server. See `/legday quotes list`.",
                ephemeral=True,
            )
            return
        self.bot.quotes.forget_guild(guild_id)
        await self.reply(ctx, f"Removed quote #{quote_id}.")

    @quotes.command(name="list", description="List this server's quotes")
    async def quotes_list(self, ctx: Ctx) -> None:
        """List this server's own quotes."""
        stored = await self.bot.store.list_quotes(self.guild_id(ctx))
        if not stored:
            await self.reply(
                ctx,
                "No server quotes yet; the built-in ones are in rotation. Add one with "
                "`/legday quotes add`.",
            )
            return
        await self.reply(ctx, embed=replies.quote_list_reply(stored))
