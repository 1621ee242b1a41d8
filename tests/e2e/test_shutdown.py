"""Stopping the real bot: Ctrl-C (SIGINT) or `docker stop` (SIGTERM), idle or mid-conversation,
exits 0 and leaves no ERROR line and no traceback in its log.

The bot logs at INFO here, so an ERROR logged while closing would be in the log to find.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from fakediscord import FakeDiscord, Message
from sandbox.demo import Demo, build_demo
from sandbox.stage import Stage
from tests.e2e.conftest import E2E_ROUTE_LIMITS, embed_text
from tests.postgres import backend_url

pytestmark = pytest.mark.e2e

ROUNDS = 3
SIGNALS = (pytest.param(signal.SIGINT, id="SIGINT"), pytest.param(signal.SIGTERM, id="SIGTERM"))


@asynccontextmanager
async def local_stage(folder: Path, backend: str) -> AsyncIterator[Stage]:
    async with (
        backend_url(backend, folder / "shutdown.db") as url,
        FakeDiscord(heartbeat_interval_ms=1000, route_limits=E2E_ROUTE_LIMITS) as fd,
    ):
        demo = build_demo(fd)
        stage = Stage(fd, demo, url, folder, {"LEGDAY_LOG_LEVEL": "INFO"})
        try:
            yield stage
        finally:
            await stage.stop_bot()


def problems(log: str) -> list[str]:
    return [
        line
        for line in log.splitlines()
        if " ERROR " in line or " CRITICAL " in line or "Traceback" in line
    ]


async def start_serving(stage: Stage, round_: int) -> None:
    """Start the bot and wait for its `connected as` line: stop a bot that is fully up."""
    await stage.start_bot()
    for _ in range(200):
        if stage.bot.log_text().count("connected as") > round_:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot never logged that it connected:\n" + stage.bot.log_text())


def bot_replies(stage: Stage) -> list[Message]:
    bot = stage.fd.bot_user
    return [m for m in stage.fd.messages(stage.demo.gym) if m.author.id == bot.id]


async def check_in_nonstop(fd: FakeDiscord, demo: Demo, round_: int) -> None:
    """New members typing `!legday` about 20 times a second, until cancelled."""
    for number in itertools.count(1):
        user = fd.create_user(f"lifter{round_}-{number}")
        fd.add_member(demo.guild, user)
        await fd.say(user, demo.gym, "!legday squats")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("sig", SIGNALS)
async def test_stopping_an_idle_bot_is_clean(tmp_path: Path, backend: str, sig: signal.Signals):
    async with local_stage(tmp_path, backend) as stage:
        fd, demo = stage.fd, stage.demo
        for round_ in range(ROUNDS):
            await start_serving(stage, round_)
            said = await fd.say(demo.users["alice"], demo.gym, "!legday stats")
            reply = await fd.next_message(demo.gym, timeout=10)
            assert reply.message_reference["message_id"] == str(said.id)
            assert await stage.bot.stop(sig=sig) == 0, f"round {round_}"
        fd.assert_no_violations()
    log = stage.bot.log_text()
    assert log.count("connected as") == ROUNDS  # INFO lines are there, so ERRORs would be
    assert problems(log) == [], log[-4000:]


@pytest.mark.parametrize("sig", SIGNALS)
async def test_stopping_mid_conversation_is_clean(
    tmp_path: Path, backend: str, sig: signal.Signals
):
    async with local_stage(tmp_path, backend) as stage:
        fd, demo = stage.fd, stage.demo
        for round_ in range(ROUNDS):
            await start_serving(stage, round_)
            before = len(bot_replies(stage))
            load = asyncio.create_task(check_in_nonstop(fd, demo, round_))
            try:
                # Stop only once the bot is busy answering.
                await fd.emulator.notifier.wait_for(
                    lambda before=before: len(bot_replies(stage)) >= before + 10,
                    10,
                    "the bot to answer check-ins",
                )
                assert await stage.bot.stop(sig=sig) == 0, f"round {round_}"
            finally:
                load.cancel()
        # Whatever it had started answering, it answered once and well.
        texts = [embed_text(m) for m in bot_replies(stage)]
        assert all("Leg day logged" in t for t in texts), [
            t for t in texts if "Leg day logged" not in t
        ]
        fd.assert_no_violations()
    log = stage.bot.log_text()
    assert log.count("connected as") == ROUNDS
    assert problems(log) == [], log[-4000:]


async def requested(fd: FakeDiscord, route: str, within: float = 10.0) -> None:
    for _ in range(int(within / 0.02)):
        if fd.requests_to(route):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the bot never called {route}")


@pytest.mark.parametrize("sig", SIGNALS)
async def test_a_check_in_under_way_at_stop_is_finished_first(tmp_path: Path, backend: str, sig):
    """The stop arrives while the bot's reply is on its way to Discord (held there for a
    second): the member still gets the reply, and the bot exits cleanly after it."""
    route = "POST /channels/{channel_id}/messages"
    async with local_stage(tmp_path, backend) as stage:
        fd, demo = stage.fd, stage.demo
        await start_serving(stage, 0)
        fd.delay(route, 1.0, count=1)
        said = await fd.say(demo.users["carol"], demo.gym, "!legday split squats")
        await requested(fd, route)
        assert await stage.bot.stop(sig=sig) == 0
        [reply] = bot_replies(stage)
        assert reply.message_reference["message_id"] == str(said.id)
        assert "Leg day logged" in embed_text(reply)
    log = stage.bot.log_text()
    assert problems(log) == [], log[-4000:]


@pytest.mark.parametrize("sig", SIGNALS)
async def test_a_slash_command_under_way_at_stop_is_answered_first(
    tmp_path: Path, backend: str, sig
):
    route = "POST /interactions/{webhook_id}/{webhook_token}/callback"
    async with local_stage(tmp_path, backend) as stage:
        fd, demo = stage.fd, stage.demo
        await start_serving(stage, 0)
        fd.delay(route, 1.0, count=1)
        record = await fd.slash(demo.users["dan"], demo.gym, "legday checkin", {"note": "lunges"})
        await requested(fd, route)
        assert await stage.bot.stop(sig=sig) == 0
        message = await record.wait_response(timeout=5)
        assert message is not None and "Leg day logged" in embed_text(message)
    log = stage.bot.log_text()
    assert problems(log) == [], log[-4000:]


@pytest.mark.parametrize("sig", SIGNALS)
async def test_a_stop_while_logging_in_is_clean(tmp_path: Path, backend: str, sig: signal.Signals):
    """Ctrl-C before the bot is even connected (Discord slow to answer the login)."""
    route = "GET /users/@me"
    async with local_stage(tmp_path, backend) as stage:
        stage.fd.delay(route, 2.0, count=1)
        await stage.bot.start()
        await requested(stage.fd, route)
        assert await stage.bot.stop(sig=sig) == 0
        assert stage.fd.identify_count == 0
    log = stage.bot.log_text()
    assert "reminders armed" not in log  # it never started serving
    assert problems(log) == [], log[-4000:]
