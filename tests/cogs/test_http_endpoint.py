"""The HTTP endpoint (LEGDAY_HTTP_PORT): /healthz, /metrics, and how the bot counts."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from discord.ext import commands
from prometheus_client.parser import text_string_to_metric_families

from bot import __main__ as cli
from bot.app import EXTENSIONS, LegDayBot
from bot.config import Config, ConfigError
from bot.http_endpoint import HttpEndpoint
from bot.metrics import BotMetrics, command_outcome
from bot.store import Store
from tests.cogs.conftest import OWNER_ID
from tests.helpers import Clock


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a /metrics page: (name, labels) -> value."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
async def bot(
    make_config: Callable[..., Config], store: Store, clock: Clock
) -> AsyncIterator[LegDayBot]:
    settings = make_config(owner_ids=frozenset({OWNER_ID}), http_port=free_port())
    instance = LegDayBot(settings, store, clock=clock)
    for extension in EXTENSIONS:
        await instance.load_extension(extension)
    try:
        yield instance
    finally:
        for extension in EXTENSIONS:
            await instance.unload_extension(extension)
        await instance.reminders.stop()


@pytest.fixture
def metrics(bot: LegDayBot) -> BotMetrics:
    assert bot.metrics is not None
    return bot.metrics


@pytest.fixture
async def endpoint(bot: LegDayBot, metrics: BotMetrics) -> AsyncIterator[HttpEndpoint]:
    served = HttpEndpoint(bot, metrics, host="127.0.0.1", port=bot.config.http_port or 0)
    await served.start()
    try:
        yield served
    finally:
        await served.stop()


async def get(endpoint: HttpEndpoint, path: str) -> tuple[int, str, Any]:
    url = f"http://127.0.0.1:{endpoint.bound_port}{path}"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        text = await response.text()
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, text, body


@contextlib.contextmanager
def healthy_gateway(bot: LegDayBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The bot as if its gateway session were READY and open (it never connects here)."""
    monkeypatch.setattr(bot, "is_ready", lambda: True)
    monkeypatch.setattr(bot, "ws", SimpleNamespace(open=True, latency=0.042))
    yield


# --- settings ------------------------------------------------------------------------------


def test_the_endpoint_is_off_unless_a_port_is_given(make_config, store):
    settings = make_config()
    assert settings.http_port is None
    assert settings.http_host == "127.0.0.1"
    assert LegDayBot(settings, store).metrics is None


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("0", "LEGDAY_HTTP_PORT: 0 is not a port number; expected 1 to 65535"),
        ("70000", "LEGDAY_HTTP_PORT: 70000 is not a port number; expected 1 to 65535"),
        ("web", "LEGDAY_HTTP_PORT: expected a port number from 1 to 65535"),
    ],
)
def test_a_bad_port_is_one_clear_line(given: str, problem: str):
    with pytest.raises(ConfigError) as raised:
        Config(_env_file=None, _environ={"LEGDAY_HTTP_PORT": given})
    assert str(raised.value) == f"invalid settings: {problem}"


def test_port_and_host_from_the_environment():
    settings = Config(
        _env_file=None, _environ={"LEGDAY_HTTP_PORT": " 9100 ", "LEGDAY_HTTP_HOST": "0.0.0.0"}
    )
    assert (settings.http_port, settings.http_host) == (9100, "0.0.0.0")
    blank = Config(_env_file=None, _environ={"LEGDAY_HTTP_PORT": ""})
    assert blank.http_port is None


# --- /healthz --------------------------------------------------------------------------------


async def test_healthz_is_503_until_the_gateway_and_the_reminders_run(bot, endpoint, monkeypatch):
    status, _, body = await get(endpoint, "/healthz")
    assert status == 503
    assert body["ready"] is False
    assert body["gateway_connected"] == {"0": False}
    assert body["scheduler_running"] is False
    assert body["database"]["reachable"] is True
    assert body["gateway_latency_ms"] == {"0": None}  # no heartbeat acknowledged yet

    with healthy_gateway(bot, monkeypatch):
        await bot.reminders.start()
        status, _, body = await get(endpoint, "/healthz")
    assert status == 200, body
    assert body["healthy"] is True
    assert body["gateway_connected"] == {"0": True}
    assert body["gateway_latency_ms"] == {"0": 42.0}
    assert body["database"]["latency_ms"] >= 0


async def test_healthz_is_503_while_the_gateway_reconnects(bot, endpoint, monkeypatch):
    # discord.py keeps is_ready() true while it reconnects; the open socket tells.
    with healthy_gateway(bot, monkeypatch):
        await bot.reminders.start()
        monkeypatch.setattr(bot, "ws", SimpleNamespace(open=False, latency=0.042))
        status, _, body = await get(endpoint, "/healthz")
        _, metrics_text, _ = await get(endpoint, "/metrics")
    assert status == 503
    assert (body["ready"], body["gateway_connected"]) == (False, {"0": False})
    assert value(metrics_text, "legday_gateway_connected", shard="0") == 0


async def test_healthz_is_503_when_the_database_is_gone(bot, endpoint, monkeypatch):
    with healthy_gateway(bot, monkeypatch):
        await bot.reminders.start()
        await bot.store.runner.close()  # the store fixture's close is then a no-op
        status, _, body = await get(endpoint, "/healthz")
    assert status == 503
    assert body["ready"] is True
    assert body["database"] == {"reachable": False, "problem": "the query failed (RuntimeError)"}


async def test_healthz_gives_up_on_a_database_that_does_not_answer(bot, endpoint, monkeypatch):
    async def hang() -> None:
        await asyncio.Event().wait()

    endpoint.database_timeout = 0.05
    monkeypatch.setattr(bot.store, "ping", hang)
    with healthy_gateway(bot, monkeypatch):
        await bot.reminders.start()
        status, _, body = await get(endpoint, "/healthz")
    assert status == 503
    assert body["database"] == {"reachable": False, "problem": "no answer within 0.05 s"}


# --- /metrics --------------------------------------------------------------------------------


async def test_metrics_move_when_a_member_checks_in(bot, endpoint, ctx, run):
    status, before, _ = await get(endpoint, "/metrics")
    assert status == 200
    assert value(before, "legday_checkins_total", source="command", result="new") == 0
    reads_before = value(before, "legday_database_seconds_count", mode="read")

    c = ctx()
    await run.call(c, "legday")
    bot.dispatch("command_completion", c)  # as discord.py does once the command returned
    await run.call(ctx(slash=True, author=c.author, guild=c.guild), "legday")

    _, after, _ = await get(endpoint, "/metrics")
    assert value(after, "legday_checkins_total", source="command", result="new") == 1
    assert value(after, "legday_checkins_total", source="slash", result="repeat") == 1
    assert value(after, "legday_commands_total", command="legday", style="prefix", outcome="ok")
    assert value(after, "legday_database_seconds_count", mode="write") >= 2
    assert value(after, "legday_database_seconds_count", mode="read") >= reads_before
    for name in (
        "legday_ready",
        "legday_guilds",
        "legday_scheduler_running",
        "legday_rate_limit_wait_seconds_total",
        "legday_rate_limit_waits_total",
        "legday_discord_429_total",
        "legday_reminders_total",
        "legday_gateway_events_total",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in after, name


async def test_command_errors_are_counted_by_outcome(bot, metrics, ctx):
    # What LegDayBot.dispatch hands over (a bot never started can't run the listeners).
    c = ctx(slash=True)
    c.command = bot.get_command("legday stats")
    cooldown = commands.CommandOnCooldown(commands.Cooldown(1, 10), 3.0, commands.BucketType.member)
    metrics.saw_event("command_error", (c, cooldown))
    metrics.saw_event("command_error", (c, commands.CommandInvokeError(ValueError("bug"))))
    metrics.saw_event("command_error", (c, commands.BadArgument("no")))
    c.command = None
    metrics.saw_event("command_error", (c, commands.CommandNotFound("nope")))  # nothing ran

    text = metrics.render().decode()
    labels = {"command": "legday stats", "style": "slash"}
    assert value(text, "legday_commands_total", **labels, outcome="cooldown") == 1
    assert value(text, "legday_commands_total", **labels, outcome="failed") == 1
    assert value(text, "legday_commands_total", **labels, outcome="user_error") == 1
    assert sum(v for (n, _), v in samples(text).items() if n == "legday_commands_total") == 3


def test_outcomes_look_through_the_wrappers():
    assert command_outcome(commands.CommandInvokeError(commands.NotOwner())) == "denied"
    assert command_outcome(commands.CommandInvokeError(KeyError("x"))) == "failed"


async def test_reconnects_and_rate_limits_are_counted(bot, metrics):
    metrics.saw_event("connect", ())
    metrics.saw_event("disconnect", ())
    metrics.saw_event("resumed", ())
    metrics.saw_event("resumed", ())
    bot.rate_limiter.observe(429, {"X-RateLimit-Global": "true"}, 0.001)
    bot.rate_limiter.pause_route("POST /api/v10/channels/1/messages", 0.001)

    text = metrics.render().decode()
    assert value(text, "legday_gateway_events_total", event="resumed", shard="0") == 2
    assert value(text, "legday_gateway_events_total", event="disconnect", shard="0") == 1
    assert value(text, "legday_discord_429_total", scope="global") == 1
    assert value(text, "legday_discord_429_total", scope="route") == 1


async def test_each_bot_has_registries_of_its_own(bot, metrics, make_config, store):
    other = LegDayBot(make_config(http_port=free_port()), store)
    assert other.metrics is not None and other.metrics.registry is not metrics.registry
    metrics.checked_in("button", True)
    text = other.metrics.render().decode()
    assert value(text, "legday_checkins_total", source="button", result="new") == 0


# --- port taken; `legday health` -------------------------------------------------------------


async def test_a_port_in_use_is_a_configuration_error(bot, metrics):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        endpoint = HttpEndpoint(bot, metrics, host="127.0.0.1", port=port)
        with pytest.raises(ConfigError) as raised:
            await endpoint.start()
    assert str(raised.value) == (
        f"cannot serve HTTP on 127.0.0.1:{port} (LEGDAY_HTTP_PORT, LEGDAY_HTTP_HOST): "
        "address already in use"
    )


async def test_legday_health_asks_healthz(bot, endpoint, monkeypatch, capsys):
    settings = bot.config.replace(http_host="0.0.0.0")  # asked on loopback
    assert await asyncio.to_thread(cli._health, settings) == 1
    assert capsys.readouterr().err == (
        "unhealthy: not connected to Discord; reminders not running\n"
    )
    with healthy_gateway(bot, monkeypatch):
        await bot.reminders.start()
        assert await asyncio.to_thread(cli._health, settings) == 0
    await endpoint.stop()
    assert await asyncio.to_thread(cli._health, settings) == 1
    assert capsys.readouterr().err == (
        f"unhealthy: http://127.0.0.1:{bot.config.http_port}/healthz does not answer "
        "(connection refused)\n"
    )


# --- a sharded bot (the lead's AutoShardedBot) -----------------------------------------------


class ShardedBot(LegDayBot, commands.AutoShardedBot):
    """LegDayBot on discord.py's sharded client, as `legday run --shard-ids` makes it."""


async def test_a_sharded_bot_counts_by_shard_and_reports_every_shard(make_config, store):
    settings = make_config(http_port=free_port())
    bot = ShardedBot(settings, store, shard_count=4, shard_ids=[2, 3])
    metrics = bot.metrics
    assert metrics is not None
    # discord.py dispatches both forms on a sharded client: only the shard's is counted.
    metrics.saw_event("shard_resumed", (3,))
    metrics.saw_event("resumed", ())
    metrics.saw_event("shard_connect", (2,))
    metrics.saw_event("connect", ())

    text = metrics.render().decode()
    assert value(text, "legday_gateway_events_total", event="resumed", shard="3") == 1
    assert value(text, "legday_gateway_events_total", event="connect", shard="2") == 1
    events = [v for (n, _), v in samples(text).items() if n == "legday_gateway_events_total"]
    assert sum(events) == 2

    endpoint = HttpEndpoint(bot, metrics, host="127.0.0.1", port=0)
    healthy, report = await endpoint.health()
    assert not healthy
    assert report["gateway_latency_ms"] == {}  # no shard connected yet
