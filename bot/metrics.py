"""The bot's Prometheus metrics, served at `/metrics` by `bot.http_endpoint`.

Each bot has a registry of its own (not prometheus-client's global one), so tests can run
several bots in one process. Counting is kept off the hot path's awaits: every hook is a
plain function call that increments a counter, and what the bot already knows (the
gateway's latency, the rate limiter's totals) is read only when Prometheus scrapes.

The bot, the reminder engine, the store and the use cases import nothing from here: each
offers a small callback (`Store.timed`, `ReminderEngine.observe`, `Services.checked_in`,
`LegDayBot.dispatch`) that `BotMetrics.watch` fills in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.core.errors import InputError
from bot.rate_limits import GlobalLimiter
from bot.reminders.engine import ReminderEngine
from bot.store import Store
from bot.usecases.services import Services

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Store units of work are one round trip each: from well under a millisecond (SQLite, a
# read) to a second or more (a server's summaries rebuilt, a database in trouble).
DATABASE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class MeteredBot(Protocol):
    """What the metrics and the health check read of the bot (`bot.app.LegDayBot`, sharded
    or not)."""

    store: Store
    reminders: ReminderEngine
    services: Services
    rate_limiter: GlobalLimiter
    shard_id: int | None

    @property
    def latency(self) -> float: ...

    @property
    def guilds(self) -> Sequence[discord.Guild]: ...

    @property
    def standing_by(self) -> bool: ...

    def is_ready(self) -> bool: ...

    def is_closed(self) -> bool: ...


def _unwrap(error: BaseException) -> BaseException:
    # Invoke, hybrid and conversion errors carry the real one, sometimes twice.
    while isinstance(inner := getattr(error, "original", None), BaseException):
        error = inner
    return error


def command_outcome(error: BaseException) -> str:
    """How a command that raised ended, as the `outcome` label says it."""
    error = _unwrap(error)
    if isinstance(error, commands.CommandOnCooldown | app_commands.CommandOnCooldown):
        return "cooldown"
    if isinstance(error, commands.CheckFailure | app_commands.CheckFailure):
        return "denied"  # permissions, owner only, not in DMs, shutting down
    if isinstance(
        error,
        InputError | commands.UserInputError | app_commands.TransformerError,
    ):
        return "user_error"
    return "failed"


def _style(interaction: discord.Interaction[Any] | None) -> str:
    return "prefix" if interaction is None else "slash"


class BotMetrics:
    """The counters of one bot, and the hooks that move them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.commands = Counter(
            "legday_commands",
            "Commands run, by command, style (prefix or slash) and outcome "
            "(ok, user_error, denied, cooldown, failed)",
            ["command", "style", "outcome"],
            registry=registry,
        )
        self.checkins = Counter(
            "legday_checkins",
            "Check-ins, by source (command, slash, button, backfill) and result "
            "(new: a day was added; repeat: it was logged already)",
            ["source", "result"],
            registry=registry,
        )
        self.reminders = Counter(
            "legday_reminders",
            "Reminder occurrences by kind (main, nudge) and how they ended: sent, late "
            "(sent over a minute after their time), failed, missed",
            ["kind", "outcome"],
            registry=registry,
        )
        self.gateway_events = Counter(
            "legday_gateway_events",
            "Gateway connections made (connect: a new session), lost (disconnect) and "
            "resumed, by shard",
            ["event", "shard"],
            registry=registry,
        )
        self.database = Histogram(
            "legday_database_seconds",
            "Duration of the store's units of work (one transaction each), read or write",
            ["mode"],
            buckets=DATABASE_BUCKETS,
            registry=registry,
        )
        # Children made once: the store's hook then costs one observe() per unit.
        self._database = {mode: self.database.labels(mode) for mode in ("read", "write")}
        self._events: dict[str, Callable[..., None]] = {}

    def render(self) -> bytes:
        """Every metric in Prometheus' text format."""
        return generate_latest(self.registry)

    # --- hooks -------------------------------------------------------------------------

    def watch(self, bot: MeteredBot) -> None:
        """Hook into `bot`: its store, reminders, check-ins and events (`saw_event`)."""
        bot.store.timed = self.unit_of_work
        bot.reminders.observe = self.reminder_ended
        bot.services.checked_in = self.checked_in
        sharded = isinstance(bot, discord.AutoShardedClient)
        self._events = {
            "command_completion": self._command_completed,
            "command_error": self._command_failed,
            "app_command_completion": self._app_command_completed,
            "legday_app_command_error": self._app_command_failed,
        }
        # A sharded client dispatches both `connect` and `shard_connect`: one is counted.
        if sharded:
            for event in ("connect", "disconnect", "resumed"):
                self._events[f"shard_{event}"] = self._shard_event(event)
        else:
            shard = str(bot.shard_id or 0)
            for event in ("connect", "disconnect", "resumed"):
                self._events[event] = self._plain_event(event, shard)
        self.registry.register(_BotState(bot))

    def saw_event(self, name: str, args: tuple[Any, ...]) -> None:
        """Called by the bot for every event it dispatches: one dict look-up for most."""
        handler = self._events.get(name)
        if handler is not None:
            handler(*args)

    def unit_of_work(self, mode: str, seconds: float) -> None:
        self._database[mode].observe(seconds)

    def reminder_ended(self, kind: str, outcome: str, count: int) -> None:
        self.reminders.labels(kind, outcome).inc(count)

    def checked_in(self, source: str, created: bool) -> None:
        self.checkins.labels(source, "new" if created else "repeat").inc()

    def _command_completed(self, ctx: commands.Context[Any]) -> None:
        if ctx.command is not None:
            self.commands.labels(ctx.command.qualified_name, _style(ctx.interaction), "ok").inc()

    def _command_failed(self, ctx: commands.Context[Any], error: BaseException) -> None:
        if ctx.command is None:  # not a command (CommandNotFound): nothing ran
            return
        outcome = command_outcome(error)
        self.commands.labels(ctx.command.qualified_name, _style(ctx.interaction), outcome).inc()

    def _app_command_completed(
        self,
        interaction: discord.Interaction[Any],
        command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu,
    ) -> None:
        # A hybrid command run as `/` reports `command_completion` too: counted there.
        if getattr(command, "wrapped", None) is None:
            self.commands.labels(command.qualified_name, "slash", "ok").inc()

    def _app_command_failed(
        self, interaction: discord.Interaction[Any], error: BaseException
    ) -> None:
        command = interaction.command
        name = command.qualified_name if command is not None else "unknown"
        self.commands.labels(name, "slash", command_outcome(error)).inc()

    def _plain_event(self, event: str, shard: str) -> Callable[..., None]:
        child = self.gateway_events.labels(event, shard)

        def seen(*_: Any) -> None:
            child.inc()

        return seen

    def _shard_event(self, event: str) -> Callable[..., None]:
        def seen(shard_id: int, *_: Any) -> None:
            self.gateway_events.labels(event, str(shard_id)).inc()

        return seen


def latencies(bot: MeteredBot) -> list[tuple[int, float]]:
    """(shard, seconds) for every shard: `latencies` of a sharded bot, else `latency`
    (not finite until the first heartbeat is acknowledged)."""
    if isinstance(bot, discord.AutoShardedClient):
        return list(bot.latencies)
    return [(bot.shard_id or 0, bot.latency)]


def gateway_open(bot: MeteredBot) -> dict[int, bool]:
    """Whether each shard's gateway connection is open now. discord.py keeps `is_ready()`
    true while it reconnects, so this is what tells a bot cut off from Discord."""
    if isinstance(bot, discord.AutoShardedClient):
        return {shard_id: not info.is_closed() for shard_id, info in bot.shards.items()}
    ws = getattr(bot, "ws", None)
    return {bot.shard_id or 0: ws is not None and bool(ws.open)}


class _BotState(Collector):
    """What the bot already keeps, read at scrape time."""

    def __init__(self, bot: MeteredBot) -> None:
        self.bot = bot

    def collect(self) -> Iterable[Metric]:
        return list(self._collect())

    def _collect(self) -> Iterator[Metric]:
        bot = self.bot
        ready = GaugeMetricFamily(
            "legday_ready", "1 while the gateway session is ready and the bot not closed"
        )
        ready.add_metric([], float(bot.is_ready() and not bot.is_closed()))
        yield ready
        latency = GaugeMetricFamily(
            "legday_gateway_latency_seconds",
            "Time between a heartbeat and its acknowledgement, by shard",
            labels=["shard"],
        )
        for shard, seconds in latencies(bot):
            if math.isfinite(seconds):
                latency.add_metric([str(shard)], seconds)
        yield latency
        connected = GaugeMetricFamily(
            "legday_gateway_connected",
            "1 while the shard's gateway connection is open",
            labels=["shard"],
        )
        for shard, is_open in gateway_open(bot).items():
            connected.add_metric([str(shard)], float(is_open))
        yield connected
        guilds = GaugeMetricFamily("legday_guilds", "Servers this process serves")
        guilds.add_metric([], float(len(bot.guilds)))
        yield guilds
        running = GaugeMetricFamily(
            "legday_scheduler_running", "1 while the reminder timers are firing"
        )
        running.add_metric([], float(bot.reminders.running))
        yield running
        limiter = bot.rate_limiter
        waited = CounterMetricFamily(
            "legday_rate_limit_wait_seconds",
            "Seconds requests spent waiting under Discord's global rate limit",
        )
        waited.add_metric([], limiter.waited)
        yield waited
        waits = CounterMetricFamily(
            "legday_rate_limit_waits", "Requests held back by the global rate limit"
        )
        waits.add_metric([], float(limiter.waits))
        yield waits
        refused = CounterMetricFamily(
            "legday_discord_429",
            "429 answers from Discord, by scope (global, or one route)",
            labels=["scope"],
        )
        refused.add_metric(["global"], float(limiter.global_429s))
        refused.add_metric(["route"], float(limiter.route_429s))
        yield refused
