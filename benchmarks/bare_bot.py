"""The baseline bots: discord.py answering `!legday` and `/legday checkin` with a constant.

`python -m benchmarks.bare_bot` (throughput): default intents plus message content, its
slash command synced to the server in BENCH_GUILD_ID, discord.py's logging off.
`python -m benchmarks.bare_bot --default` (memory): `commands.Bot(command_prefix="!",
intents=discord.Intents.default())` with discord.py's default logging, the slash command
synced globally; nothing else changed.

Both need FAKEDISCORD_* set (see `FakeDiscord.env()`). Neither imports fakediscord, so
their memory and start-up are discord.py's own.
"""

from __future__ import annotations

import os
import sys

import discord
import yarl
from discord import app_commands
from discord.ext import commands

REPLY_TITLE = "bare: logged"


def point_at_local_discord() -> None:
    discord.http.Route.BASE = os.environ["FAKEDISCORD_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
        os.environ["FAKEDISCORD_GATEWAY_URL"]
    )


class BareBot(commands.Bot):
    async def setup_hook(self) -> None:
        guild_id = os.environ.get("BENCH_GUILD_ID")
        if guild_id:
            guild = discord.Object(int(guild_id))
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()


def build(intents: discord.Intents) -> BareBot:
    bot = BareBot(command_prefix="!", intents=intents)

    @bot.command(name="legday")
    async def legday(ctx: commands.Context[BareBot]) -> None:
        await ctx.reply(embed=discord.Embed(title=REPLY_TITLE), mention_author=False)

    group = app_commands.Group(name="legday", description="Log today's leg day")

    @group.command(name="checkin", description="Log today's leg day")
    async def checkin(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embed=discord.Embed(title=REPLY_TITLE))

    bot.tree.add_command(group)
    return bot


def main() -> None:
    point_at_local_discord()
    token = os.environ["FAKEDISCORD_TOKEN"]
    if "--default" in sys.argv[1:]:
        build(discord.Intents.default()).run(token)
        return
    intents = discord.Intents.default()
    intents.message_content = True
    build(intents).run(token, log_handler=None)


if __name__ == "__main__":
    main()
