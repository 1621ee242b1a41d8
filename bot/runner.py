"""The async `main`: opens the resources, hands them to the bot, and closes them.

Shutdown is explicit: SIGINT (Ctrl-C) and SIGTERM (`docker stop`) only set an event.
`serve` then stops taking commands, lets the ones under way finish (they still have
Discord and the database), closes the bot, and `run` disposes the database: all inside
the loop, so `asyncio.run` finds nothing left to cancel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import discord

from bot.app import LegDayBot, make_bot
from bot.config import Config, ConfigError
from bot.core import shards
from bot.endpoints import use_endpoints
from bot.failures import (
    NETWORK_ERRORS,
    DatabaseUnusable,
    DiscordUnreachable,
    ShardsTaken,
    network_reason,
)
from bot.store import Store, opening
from bot.usecases import summaries

if TYPE_CHECKING:
    from bot.http_endpoint import HttpEndpoint

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How long a check-in or reminder under way at shutdown may take to finish.
HANDLER_GRACE = 5.0


def point_at_api(settings: Config) -> None:
    """Aim discord.py at another Discord endpoint (a proxy or a local test server)."""
    use_endpoints(settings.discord_api_base, settings.discord_gateway_url)


def discord_endpoint(settings: Config) -> str:
    return settings.discord_api_base or "Discord (discord.com)"


async def open_store(settings: Config, *, migrate_in_child: bool = False) -> Store:
    """The store on an up-to-date schema, or DatabaseUnusable (one line)."""
    try:
        return await opening.open_store(settings.database_url, migrate_in_child=migrate_in_child)
    except opening.DatabaseUnavailable as exc:
        raise DatabaseUnusable(str(exc)) from None


def refuse_moved_database(settings: Config) -> None:
    """Refuse to start on an empty database while the real one sits at the old place."""
    moved = settings.moved_database()
    if moved is not None:
        raise DatabaseUnusable(
            f"found a database at {moved}, but DATABASE_URL now means {settings.sqlite_path} "
            f"(relative SQLite paths are inside LEGDAY_DATA_DIR, {settings.data_dir}): move "
            "the file there, or give DATABASE_URL its absolute path"
        )


async def run(settings: Config) -> int:
    token = settings.require_token()
    refuse_moved_database(settings)
    point_at_api(settings)
    stop = asyncio.Event()
    with _stop_on_signals(stop):
        # A due migration runs in a child process, so its libraries never weigh on the bot.
        store = await open_store(settings, migrate_in_child=True)
        try:
            await summaries.ensure_current(store, settings.default_timezone)
            if not stop.is_set():
                await serve(make_bot(settings, store), token, stop, settings)
        finally:
            await _finish_tasks()
            await store.close()
    return 0


async def _start_endpoint(bot: LegDayBot) -> HttpEndpoint | None:
    """/healthz and /metrics (LEGDAY_HTTP_PORT), listening before the bot logs in, so a
    port already taken stops it at once (ConfigError, exit code 2)."""
    if bot.config.http_port is None:
        return None
    from bot.http_endpoint import start_endpoint  # aiohttp.web: only when asked for

    return await start_endpoint(bot, bot.metrics, bot.config)


async def serve(bot: LegDayBot, token: str, stop: asyncio.Event, settings: Config) -> None:
    """Run the bot until `stop` is set or Discord ends it; close it either way."""
    endpoint = await _start_endpoint(bot)
    try:
        await _serve(bot, token, stop, settings)
    finally:
        if endpoint is not None:
            await endpoint.stop()


async def _serve(bot: LegDayBot, token: str, stop: asyncio.Event, settings: Config) -> None:
    serving = asyncio.create_task(bot.start(token), name="legday-serve")
    stopping = asyncio.create_task(stop.wait(), name="legday-stop")
    try:
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            log.info("stopping: closing the Discord connection and the database")
    finally:
        stopping.cancel()
        await bot.stop_serving()
        await _finish_tasks(keep={serving})  # commands under way
        await bot.close()
        # Closed, the gateway loop ends; one caught mid-handshake is ended for it.
        _, still_running = await asyncio.wait({serving}, timeout=HANDLER_GRACE)
        for task in still_running:
            task.cancel()
        await asyncio.gather(serving, return_exceptions=True)
    if bot.token_rejected:
        raise ConfigError(
            "Discord stopped accepting DISCORD_TOKEN while the bot was running (it was reset "
            "or revoked): copy the new token from the portal"
        )
    if bot.shards_taken:
        raise ShardsTaken(
            f"another process took over {shards.named(bot.shards_taken)} while the database "
            "was out of reach; start this one again to stand by"
        )
    if stop.is_set() or serving.cancelled() or serving.exception() is None:
        return  # a stop we asked for ends well, whatever it interrupted
    raise _failure(serving.exception(), bot, settings)


def _failure(error: BaseException | None, bot: LegDayBot, settings: Config) -> Exception:
    """The one-line failure for what ended `bot.start`; anything else (a bug) goes up
    unchanged."""
    if isinstance(error, discord.LoginFailure):
        return ConfigError("Discord rejected DISCORD_TOKEN; copy it again from the portal")
    if isinstance(error, discord.PrivilegedIntentsRequired):
        return ConfigError(
            "the Message Content intent is not enabled for this application: enable it in "
            "the developer portal, or set LEGDAY_PREFIX_COMMANDS=false to use slash commands only"
        )
    if isinstance(error, NETWORK_ERRORS) and not isinstance(error, discord.DiscordServerError):
        return DiscordUnreachable(
            f"cannot reach {discord_endpoint(settings)}: {network_reason(error)}"
        )
    if isinstance(error, discord.DiscordServerError):
        return DiscordUnreachable(f"Discord is having trouble: {network_reason(error)}")
    if isinstance(error, AttributeError) and bot.ws is None:
        # discord.py retries a gateway connection only once one was open; when the very
        # first one fails it trips over the missing websocket instead.
        where = settings.discord_gateway_url or "gateway.discord.gg"
        return DiscordUnreachable(f"cannot connect to Discord's gateway at {where}")
    assert isinstance(error, Exception)
    return error


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    installed = []
    for sig in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def _finish_tasks(keep: set[asyncio.Task[None]] | None = None) -> None:
    """Give the tasks still running (a check-in mid-transaction) a moment to finish, then
    cancel what is left ourselves; `keep` (the gateway connection) is left alone."""
    current = asyncio.current_task()
    others = {task for task in asyncio.all_tasks() if task is not current}
    timers = {task for task in others if _is_view_timer(task)}
    for task in timers:  # a button's 15-minute expiry is not work to wait for
        task.cancel()
    leftovers = others - timers - (keep or set())
    if not leftovers:
        await asyncio.gather(*timers, return_exceptions=True)
        return
    _, late = await asyncio.wait(leftovers, timeout=HANDLER_GRACE)
    late |= timers
    for task in late:
        log.debug("cancelling %r at shutdown", task)
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)


def _is_view_timer(task: asyncio.Task[object]) -> bool:
    """discord.py's timer for a view on an ephemeral message (it gives them 15 minutes)."""
    return task.get_coro().__qualname__.endswith("__timeout_task_impl")  # type: ignore[union-attr]


async def upgrade_only(settings: Config) -> int:
    refuse_moved_database(settings)
    store = await open_store(settings)
    await store.close()
    return 0


async def rebuild_summaries(settings: Config) -> str:
    """`legday db rebuild-summaries`: every summary row recomputed from the check-ins.
    Safe while the bot runs: each server is one transaction."""
    refuse_moved_database(settings)
    store = await open_store(settings)
    try:
        started = time.perf_counter()
        servers, members = await summaries.rebuild_all(store, settings.default_timezone)
        took = time.perf_counter() - started
    finally:
        await store.close()
    return f"rebuilt the summaries of {members} members in {servers} servers in {took:.1f} s"
