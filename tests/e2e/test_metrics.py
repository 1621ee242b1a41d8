"""The real bot process with LEGDAY_HTTP_PORT: /healthz and /metrics while it serves."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import E2E, open_stage

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PORT = free_port()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def e2e_stage(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[E2E]:
    env = {"LEGDAY_HTTP_PORT": str(PORT)}
    async for stage in open_stage(tmp_path_factory.mktemp("metrics"), env):
        yield stage


async def scrape(path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{PORT}{path}") as response,
    ):
        return response.status, await response.text()


def counter(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


async def scrape_until(path: str, done: Callable[[int, str], bool]) -> tuple[int, str]:
    """Scrape until `done` (the bot counts a command just after its answer went out)."""
    deadline = time.monotonic() + 10
    while True:
        status, text = await scrape(path)
        if done(status, text) or time.monotonic() > deadline:
            return status, text
        await asyncio.sleep(0.05)


async def test_healthz_says_healthy_once_connected(e2e: E2E):
    # READY comes once the servers have streamed in (LEGDAY_GUILD_READY_TIMEOUT).
    status, body = await scrape_until("/healthz", lambda status, _: status == 200)
    assert status == 200, body
    assert '"ready": true' in body and '"scheduler_running": true' in body


async def test_a_checkin_moves_the_checkin_and_command_counters(e2e: E2E):
    _, before = await scrape("/metrics")
    alice = e2e.member("alice")
    reply = await e2e.ask(alice, "!legday box squats")
    assert reply.embeds[0]["title"].startswith("Leg day logged")
    _, message = await e2e.slash(alice, "legday checkin")
    assert message.embeds[0]["title"].startswith("Already logged")

    # `/legday checkin` is the `legday` group's own callback, as `!legday` is.
    slash = {"command": "legday", "style": "slash", "outcome": "ok"}
    # (Commands are answered while the servers still stream in; READY, and so
    # legday_ready, may come a moment later when this test runs first.)
    _, after = await scrape_until(
        "/metrics",
        lambda _, text: (
            counter(text, "legday_commands_total", **slash)
            > counter(before, "legday_commands_total", **slash)
            and counter(text, "legday_ready") == 1
        ),
    )
    new = {"source": "command", "result": "new"}
    repeat = {"source": "slash", "result": "repeat"}
    assert counter(after, "legday_checkins_total", **new) == (
        counter(before, "legday_checkins_total", **new) + 1
    )
    assert counter(after, "legday_checkins_total", **repeat) == (
        counter(before, "legday_checkins_total", **repeat) + 1
    )
    prefix = {"command": "legday", "style": "prefix", "outcome": "ok"}
    assert counter(after, "legday_commands_total", **prefix) == (
        counter(before, "legday_commands_total", **prefix) + 1
    )
    assert counter(after, "legday_commands_total", **slash) == (
        counter(before, "legday_commands_total", **slash) + 1
    )
    assert counter(after, "legday_ready") == 1
    assert counter(after, "legday_gateway_events_total", event="connect", shard="0") >= 1
    assert counter(after, "legday_database_seconds_count", mode="write") > 0
