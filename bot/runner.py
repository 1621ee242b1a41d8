"""The async `main`: opens the resources, hands them to the bot, and closes them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sqlite3
from contextlib import closing
from pathlib import Path

import discord
import yarl

from bot.app import LegDayBot
from bot.settings import Settings, SettingsError
from bot.store import Store, opening
from bot.usecases import summaries

log = logging.getLogger(__name__)


def point_at_api(settings: Settings) -> None:
    """Aim discord.py at another Discord endpoint (a proxy or a local test server)."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


async def open_store(settings: Settings, *, migrate_in_child: bool = False) -> Store:
    return await opening.open_store(settings.database_url, migrate_in_child=migrate_in_child)


async def run(settings: Settings) -> int:
    token = settings.require_token()
    point_at_api(settings)
    # A migration runs in a child process, so its libraries never weigh on the bot.
    store = await open_store(settings, migrate_in_child=True)
    try:
        await summaries.ensure_current(store, settings.default_timezone)
    except BaseException:
        await store.close()
        raise
    bot = LegDayBot(settings, store)
    # `docker stop` sends SIGTERM: close cleanly (finish the transaction, stop the
    # scheduler) instead of dying mid-write.
    with contextlib.suppress(NotImplementedError):
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGTERM, lambda: asyncio.ensure_future(bot.close())
        )
    try:
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        raise SettingsError(
            "Discord rejected DISCORD_TOKEN; copy it again from the portal"
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise SettingsError(
            "the Message Content intent is not enabled for this application: enable it in "
            "the developer portal, or set LEGDAY_PREFIX_COMMANDS=false to use slash commands only"
        ) from None
    return 0


async def upgrade_only(settings: Settings) -> int:
    store = await open_store(settings)
    await store.close()
    return 0


async def backup(settings: Settings, target: Path) -> int:
    """SQLite's online backup: a consistent copy even while the bot writes."""
    source_path = opening.sqlite_path(settings.database_url)
    if source_path is None:
        raise SettingsError("db backup works for SQLite; use pg_dump for PostgreSQL")

    def copy() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        with (
            closing(sqlite3.connect(source_path)) as source,
            closing(sqlite3.connect(target)) as dest,
        ):
            source.backup(dest)

    await asyncio.to_thread(copy)
    print(f"backed up {source_path} to {target}")
    return 0
