"""Discord unreachable after login: the bot retries with backoff, logs one line per attempt
(no traceback), comes back by itself when Discord does, and still stops cleanly."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from fakediscord import FakeDiscord
from sandbox.demo import build_demo
from sandbox.stage import Stage
from tests.e2e.conftest import E2E_ROUTE_LIMITS
from tests.postgres import backend_url

pytestmark = pytest.mark.e2e

RETRY = re.compile(
    r" WARNING discord\.client: connection to Discord failed \(connection refused\); "
    r"trying again in \d+\.\d s$"
)


async def retry_lines(stage: Stage, at_least: int, within: float) -> list[str]:
    for _ in range(int(within / 0.1)):
        found = [line for line in stage.bot.log_text().splitlines() if "trying again" in line]
        if len(found) >= at_least:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError("no retries logged:\n" + stage.bot.log_text()[-3000:])


async def test_an_outage_after_login_is_retried_one_line_per_attempt(tmp_path: Path, backend: str):
    async with (
        backend_url(backend, tmp_path / "retry.db") as url,
        FakeDiscord(heartbeat_interval_ms=1000, route_limits=E2E_ROUTE_LIMITS) as fd,
    ):
        demo = build_demo(fd)
        stage = Stage(fd, demo, url, tmp_path, {"LEGDAY_LOG_LEVEL": "INFO"})
        await stage.start_bot()
        try:
            await fd.server.stop()  # Discord goes away: connections closed, port refused
            # (Generous: under load the emulator's close handshake alone can take seconds.)
            attempts = await retry_lines(stage, at_least=2, within=60)
            assert all(RETRY.search(line) for line in attempts), attempts

            await fd.server.start()  # back on the same address
            await fd.wait_connected(timeout=30)
            said = await fd.say(demo.users["alice"], demo.gym, "!legday box squats")
            reply = await fd.next_message(demo.gym, timeout=10)
            assert reply.message_reference["message_id"] == str(said.id)
            assert reply.embeds[0]["title"].startswith("Leg day logged")
        finally:
            code = await stage.stop_bot()
    log = stage.bot.log_text()
    assert code == 0, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert " ERROR " not in log, log[-3000:]
