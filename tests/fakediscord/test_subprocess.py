"""A bot in a separate process, pointed at the emulator only through the environment."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]


async def test_subprocess_bot_via_launch(fd: FakeDiscord, world) -> None:
    env = {**os.environ, **fd.env(), "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fakediscord.launch",
        "tests.fakediscord.subprocess_bot",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await fd.wait_ready(timeout=20)
        await fd.emulator.notifier.wait_for(
            lambda: bool(fd.state.commands), 10, "the subprocess to sync commands"
        )
        await fd.say(world.alice, world.gym, "!legday ping")
        assert (await fd.next_message(world.gym, timeout=10)).content == "pong"
        inter = await fd.slash(world.alice, world.gym, "legday top", {"period": "week"})
        msg = await inter.wait_response(timeout=10)
        assert msg is not None and msg.ephemeral
    finally:
        proc.terminate()
        output, _ = await asyncio.wait_for(proc.communicate(), 10)
    assert b"SUBPROCESS-READY" in output, output.decode(errors="replace")[-2000:]
