"""The baseline: the smallest discord.py bot that answers `!ping` with a short embed.

Run through `python -m fakediscord.launch benchmarks.bare_bot` with FAKEDISCORD_* set.
"""

from __future__ import annotations

import os

import discord
from discord.ext import commands


class BareBot(commands.Bot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def main() -> None:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = True
    bot = BareBot(command_prefix="!", intents=intents, guild_ready_timeout=0.05)

    @bot.command()
    async def ping(ctx: commands.Context[BareBot]) -> None:
        await ctx.reply(embed=discord.Embed(title="pong"), mention_author=False)

    bot.run(os.environ["FAKEDISCORD_TOKEN"], log_handler=None)


if __name__ == "__main__":
    main()
