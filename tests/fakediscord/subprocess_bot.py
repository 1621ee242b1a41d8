"""Entry point for running TinyBot in a subprocess via ``python -m fakediscord.launch``."""

from __future__ import annotations

import asyncio
import os

from tests.fakediscord.tiny_bot import TinyBot, default_intents


async def main() -> None:
    bot = TinyBot(intents=default_intents())

    async def on_ready() -> None:
        await bot.tree.sync()
        print("SUBPROCESS-READY", flush=True)

    bot.add_listener(on_ready)
    async with bot:
        await bot.start(os.environ["FAKEDISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
