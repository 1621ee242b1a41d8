"""The bot: a `commands.Bot` that is handed its resources and releases them on close;
`ShardedLegDayBot` is the same bot holding some or all shards of a sharded one."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands, tasks

from bot.config import Config
from bot.cooldowns import MemberCooldowns
from bot.core import shards
from bot.identify import IdentifyPacer
from bot.loop_lag import LoopLagMonitor
from bot.member_names import MemberNames
from bot.pictures.service import PictureService
from bot.rate_limits import GlobalLimiter, http_trace
from bot.reminders import ReminderEngine
from bot.reminders.milestone_roles import DiscordRoles, MilestoneRoles
from bot.reminders.poster import DiscordPoster
from bot.reminders.weekly import WeeklyPosts
from bot.sending import SendGuard
from bot.shifted_clock import ShiftedClock
from bot.store import Store
from bot.store.coordination import coordination_for
from bot.usecases.cache import SettingsCache
from bot.usecases.quote_book import QuoteBook
from bot.usecases.services import Services
from bot.views import DYNAMIC_ITEMS

if TYPE_CHECKING:
    from bot.metrics import BotMetrics

log = logging.getLogger(__name__)

# Order matters: the admin cog adds prefix twins of its commands to the `legday` group.
EXTENSIONS = ("cogs.legday", "cogs.admin", "cogs.errors")


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_intents(settings: Config) -> discord.Intents:
    """Only what the bot reads: guilds, messages for commands, and content only for `!`."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = settings.prefix_commands
    return intents


def command_prefix(settings: Config) -> Callable[[commands.Bot, discord.Message], list[str]]:
    if settings.prefix_commands:
        return commands.when_mentioned_or(settings.prefix)
    return commands.when_mentioned


# Collect the young generation every 50,000 allocations, not 700: a command allocates a
# few thousand short-lived objects, and CPython's default ran several collections per
# command; at start-up, arming thousands of schedules triggered full collections of a
# heap that keeps growing, each holding the event loop for hundreds of milliseconds.
GC_THRESHOLDS = (50_000, 20, 20)


def collect_what_loading_left() -> None:
    """Before connecting, while the heap holds little more than the modules: a full
    collection is quick now (on a connected bot with thousands of servers and schedules it
    held the event loop for 100 to 400 ms). From here on, collections are rarer."""
    gc.collect()
    gc.set_threshold(*GC_THRESHOLDS)


def settle_garbage_collector() -> None:
    """On READY: what the session built (modules, commands, the servers' caches) lives
    until the next session, so the collector stops re-scanning it. On the first READY only
    the young generations are collected first: a full collection here would scan every
    server's cache while the loop waits.

    A later READY is a new session (after op 9 or a failed RESUME), and discord.py has
    dropped the caches frozen the last time. Frozen garbage is never collected, so they are
    unfrozen and collected in full first (about 120 ms of CPU for 1,000 servers, once per
    new session); else every new session kept a dead copy of every server's cache for good
    (8 MB per session for 1,000 servers)."""
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    else:
        gc.collect(1)
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _report_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("reminders failed to start", exc_info=task.exception())


class LegDayBot(commands.Bot):
    def __init__(
        self,
        settings: Config,
        store: Store,
        *,
        clock: Callable[[], datetime] | None = None,
        **options: Any,
    ) -> None:
        # The wall clock, unless a test moves it (LEGDAY_CLOCK_FILE, testing only).
        self.shifted_clock = (
            ShiftedClock(Path(settings.clock_file))
            if clock is None and settings.clock_file
            else None
        )
        clock = self.shifted_clock or clock or utc_now
        self.rate_limiter = GlobalLimiter(settings.global_rate_limit)
        self.identify_pacer = IdentifyPacer(settings.identify_delay)
        self.send_guard = SendGuard(on_token_rejected=self._token_rejected, watch_token=False)
        self._stopping_for_token: asyncio.Task[None] | None = None
        super().__init__(
            command_prefix=command_prefix(settings),
            http_trace=http_trace(self.rate_limiter, self.send_guard),
            intents=build_intents(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            owner_ids=set(settings.owner_ids) or None,
            case_insensitive=True,
            strip_after_prefix=True,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            max_messages=None,
            guild_ready_timeout=settings.guild_ready_timeout,
            heartbeat_timeout=settings.gateway_timeout,
            **options,
        )
        self.config = settings
        self.store = store
        self.now = clock
        self.quotes = QuoteBook(store)
        self.pictures = PictureService()
        self.member_names = MemberNames()
        self.reminders = ReminderEngine(
            store,
            DiscordPoster(self, painter=self),
            self.quotes,
            clock=clock,
            catchup_minutes=settings.catchup_minutes,
            sends_per_second=settings.reminder_sends_per_second,
            shards=settings.shards,
        )
        self.weekly = WeeklyPosts(store, self.reminders, default_zone=settings.default_timezone)
        self.milestone_roles = MilestoneRoles(store, self.reminders, DiscordRoles(self))
        self.services = Services(
            store=store,
            cache=SettingsCache(),
            quotes=self.quotes,
            timers=self.reminders,
            now=clock,
            default_zone=settings.default_timezone,
            weekly=self.weekly,
            roles=self.milestone_roles,
        )
        self.coordination = coordination_for(settings.database_url)
        self.coordination.lease_lost = self._shards_taken
        self.services.cache.announce = self.coordination.announce
        # Set once the leases are ours (or cannot be known): the gateway waits for it.
        self._leases_settled = asyncio.Event()
        self.shards_taken: list[int] = []
        self._closing_tasks: set[asyncio.Task[None]] = set()
        self.weekly.settings_changed = self.services.cache.forget_guild
        self.milestone_roles.milestones_changed = self.services.cache.forget_milestones
        self._reminders_started: asyncio.Task[None] | None = None
        self.loop_lag = LoopLagMonitor(
            settings.loop_lag_warn_ms / 1000, report_every=settings.loop_lag_report_seconds
        )
        # Set by stop_serving: shutdown has begun, new commands are not taken.
        self._stopping = False
        self.tree.interaction_check = self._taking_interactions  # type: ignore[method-assign]
        self._cooldowns = MemberCooldowns(settings.cooldown_rate, settings.cooldown_seconds)
        self.add_check(self._cooldown_check)
        # Prometheus metrics only with the HTTP endpoint that serves them (its library is
        # not loaded otherwise).
        self.metrics: BotMetrics | None = None
        if settings.http_port is not None:
            from bot.metrics import BotMetrics

            self.metrics = BotMetrics()
            self.metrics.watch(self)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        # Every event passes here: the metrics count commands and reconnects without a
        # listener task of their own.
        if self.metrics is not None:
            self.metrics.saw_event(event_name, args)
        super().dispatch(event_name, *args, **kwargs)

    async def invoke(self, ctx: commands.Context[Any], /) -> None:
        """Run a `!` command, then let go of its arguments. discord.py passes the context
        to the callback in a list kept on the context itself (`ctx.args`, `[cog, ctx]`):
        a reference cycle that keeps every command's context, message and author alive
        until the cycle collector runs (the soak found most of the bot's garbage there,
        building up between full collections). Without it, the command's objects go as
        soon as the last handler lets go of the context. Nothing reads the arguments
        once the command has run; the error and completion events get the context
        itself."""
        try:
            await super().invoke(ctx)
        finally:
            ctx.args = []

    async def setup_hook(self) -> None:
        # Only what the command tree needs: `legday commands sync` logs in (which runs
        # this hook) to publish the commands, and must not start serving.
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        for extension in EXTENSIONS:
            await self.load_extension(extension)

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        """Serve: log in, start the reminders and the health file, then connect once the
        shards' leases are ours (PostgreSQL: no other process serves them)."""
        await self.login(token)
        self.send_guard.watch_token = True
        collect_what_loading_left()
        await self._start_serving()
        await self._leases_settled.wait()
        if self._stopping:
            return
        await self.connect(reconnect=reconnect)

    @property
    def standing_by(self) -> bool:
        """Serving, but waiting for another process to let go of the shards' leases."""
        return self.serving and not self._leases_settled.is_set()

    def _shards_taken(self, shard_ids: list[int]) -> None:
        """Another process took shards of ours while the database connection was down: it
        serves them now, and two sessions of a shard would answer every command twice."""
        self.shards_taken = shard_ids
        log.error(
            "another process took over %s while the database was out of reach: stopping; "
            "started again, this process stands by until the other one goes",
            shards.named(shard_ids),
        )
        task = asyncio.create_task(self.close(), name="shards-taken")
        self._closing_tasks.add(task)
        task.add_done_callback(self._closing_tasks.discard)

    async def _start_serving(self) -> None:
        if self._stopping:  # a stop arrived while logging in
            return
        if self.config.dev_guild_id:
            guild = discord.Object(self.config.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d slash commands to dev guild %s", len(synced), guild.id)
        # Catch-up may retry for a while; it must not hold up connecting to the gateway.
        self._reminders_started = asyncio.create_task(self._start_deliveries(), name="reminders")
        self._reminders_started.add_done_callback(_report_failure)
        self.loop_lag.start()
        if self.shifted_clock is not None:
            log.warning(
                "testing only: the clock follows LEGDAY_CLOCK_FILE %s", self.config.clock_file
            )
            self.shifted_clock.follow(self.reminders.timers.wake)
        if self.config.health_file:
            self._report_health.start()

    async def _start_deliveries(self) -> None:
        try:
            owner = await self.coordination.start(self.config.shards, self.services.cache.hear)
            if not owner:  # a stand-by: nothing is served until the holder goes
                await self.coordination.wait_for_leases()
                owner = True
        except Exception as error:  # serve anyway: the claims still keep sends to one
            log.warning("could not reach the other processes: %s", type(error).__name__)
            owner = False
        finally:
            self._leases_settled.set()
        self.reminders.sole_owner = owner
        await self.reminders.start()
        await self.weekly.start()
        await self.milestone_roles.start()

    @property
    def serving(self) -> bool:
        """Whether start() has started the reminders and the health file."""
        return self._reminders_started is not None or self._report_health.is_running()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # Discord's identify limit, by bucket (bot.identify); the window is
        # LEGDAY_IDENTIFY_DELAY, which tests against the local Discord turn down.
        waited = await self.identify_pacer.wait_turn(shard_id)
        # The same bucket's turn among all the bot's processes (PostgreSQL only).
        waited += await self.coordination.identify_turn(
            self.identify_pacer.bucket(shard_id), self.identify_pacer.turn
        )
        if waited:
            log.info("shard %s waited %.1f s for its turn to identify", shard_id, waited)

    async def _cooldown_check(self, ctx: commands.Context[Any]) -> bool:
        # One bucket per member across every command, for `!` and `/` alike.
        key = (ctx.guild.id if ctx.guild is not None else None, ctx.author.id)
        bucket, retry_after = self._cooldowns.spend(key)
        if retry_after:
            raise commands.CommandOnCooldown(bucket, retry_after, commands.BucketType.member)
        return True

    @tasks.loop(seconds=30)
    async def _report_health(self) -> None:
        await self._write_health()

    async def _write_health(self, *, just_connected: bool = False) -> None:
        # Docker's HEALTHCHECK reads the file's age: fresh only while the gateway is up
        # (the latency stays infinite until the first heartbeat is acknowledged; a READY
        # that just arrived is proof enough).
        live = just_connected or math.isfinite(self.latency)
        connected = self.is_ready() and not self.is_closed() and live
        if self.config.health_file and connected:
            path = Path(self.config.health_file)
            await asyncio.to_thread(path.write_text, self.now().isoformat())

    async def _taking_interactions(self, interaction: discord.Interaction[Any]) -> bool:
        return not self._stopping

    async def on_message(self, message: discord.Message) -> None:
        if self._stopping:
            return
        if (
            not self.config.prefix_commands
            and not message.author.bot
            and message.content.lower().startswith(f"{self.config.prefix}legday")
        ):
            # Seen only in DMs or mentions, where Discord still shows content.
            try:
                await message.reply(
                    "Prefix commands are off on this bot; use `/legday` instead.",
                    mention_author=False,
                )
            except discord.HTTPException as error:  # a refusal is logged by bot.sending
                log.info("could not point %s at /legday: %s", message.author.id, error.status)
            return
        await self.process_commands(message)

    def _token_rejected(self) -> None:
        """Discord stopped accepting the token (the guard logged it): stop, rather than
        collect a 401 for every command; `runner.serve` turns this into exit code 2."""
        if self._stopping_for_token is None:
            self._stopping_for_token = asyncio.get_running_loop().create_task(
                self._stop_for_token(), name="legday-token-rejected"
            )

    async def _stop_for_token(self) -> None:
        # Closing while discord.py is still announcing `ready` leaves its ready task
        # dispatching on a closed client; nothing is sent meanwhile (the guard refuses).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wait_until_ready(), timeout=5)
        await self.close()

    @property
    def token_rejected(self) -> bool:
        return self.send_guard.token_rejected

    # Anything that may give the bot back a channel it could not post to: try it again.
    async def on_guild_channel_update(
        self, before: discord.abc.GuildChannel, after: discord.abc.GuildChannel
    ) -> None:
        self.send_guard.channels.reopen([after.id])

    async def on_guild_role_create(self, role: discord.Role) -> None:
        self._reopen_guild(role.guild)

    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        self._reopen_guild(after.guild)
        # The role order or permissions changed: a milestone role may be givable now.
        self.milestone_roles.recheck(after.guild.id)

    async def on_guild_role_delete(self, role: discord.Role) -> None:
        self._reopen_guild(role.guild)

    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        self._reopen_guild(after)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self._reopen_guild(guild)

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if self.user is not None and after.id == self.user.id:  # the bot's own roles
            self._reopen_guild(after.guild)
            self.milestone_roles.recheck(after.guild.id)

    def _reopen_guild(self, guild: discord.Guild) -> None:
        if len(self.send_guard.channels):
            self.send_guard.channels.reopen(channel.id for channel in guild.channels)

    async def process_commands(self, message: discord.Message, /) -> None:
        """discord.py's, except that blanks after the last word are not one more word: they
        would make a command that refuses extra words turn down `!legday export ` (with a
        space a phone keyboard added) as if it had been given an empty argument."""
        if message.author.bot:
            return
        ctx = await self.get_context(message)
        ctx.view.end = len(ctx.view.buffer.rstrip())
        await self.invoke(ctx)

    async def on_ready(self) -> None:
        assert self.user is not None
        log.info("connected as %s (%s) in %d servers", self.user, self.user.id, len(self.guilds))
        settle_garbage_collector()
        await self._write_health(just_connected=True)  # healthy from READY, not 30 s later

    async def stop_serving(self) -> None:
        """The first step of a shutdown: take no new commands, stop the reminders and the
        health file. Commands under way keep Discord and the store until they finish."""
        if self._stopping:
            return
        self._stopping = True
        self._leases_settled.set()  # a stand-by's start() ends without connecting
        if self._reminders_started is not None:
            self._reminders_started.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reminders_started
        self._report_health.cancel()
        await self.weekly.stop()  # (its posts leave through the reminders' send line)
        await self.milestone_roles.stop()  # (so do its role changes)
        await self.reminders.stop()
        await self.coordination.close()
        await self.loop_lag.stop()
        if self.shifted_clock is not None:
            await self.shifted_clock.stop()

    async def close(self) -> None:
        """Stop serving, then close the connection to Discord. The store is the caller's
        to close, after the handlers still running are done with it (runner.serve)."""
        await self.stop_serving()
        await super().close()
        await self.pictures.close()  # after the commands under way (runner.serve)


class ShardedLegDayBot(LegDayBot, commands.AutoShardedBot):
    """The bot holding `LEGDAY_SHARD_IDS` of `LEGDAY_SHARD_COUNT` shards, one gateway
    connection each. Unsharded bots keep discord.py's one-connection client: its start-up
    failures and reconnects are what the reliability suite pins down."""

    def __init__(self, settings: Config, store: Store, **options: Any) -> None:
        scope = settings.shards
        super().__init__(
            settings,
            store,
            shard_count=scope.count,
            shard_ids=sorted(scope.ids),
            **options,
        )

    async def launch_shards(self) -> None:
        """Learn how many sessions Discord lets start at once before launching them."""
        try:
            _count, _url, limit = await self.http.get_bot_gateway()
        except discord.GatewayNotFound:
            log.warning("could not read the identify concurrency; identifying one at a time")
        else:
            self.identify_pacer.max_concurrency = max(1, int(limit["max_concurrency"]))
        log.info(
            "holding %s; %d may identify at once",
            self.config.shards.describe(),
            self.identify_pacer.max_concurrency,
        )
        await super().launch_shards()


def make_bot(settings: Config, store: Store, **options: Any) -> LegDayBot:
    """The bot these settings ask for: sharded when LEGDAY_SHARD_COUNT is set."""
    if settings.shard_count is not None:
        return ShardedLegDayBot(settings, store, **options)
    return LegDayBot(settings, store, **options)
