"""The stage that runs the real bot for the e2e tests: a bot that does not come up in time
is stopped, never left running behind a failed test."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakediscord import FakeDiscord
from sandbox.demo import build_demo
from sandbox.stage import Stage


async def test_a_bot_that_is_not_up_in_time_is_killed(tmp_path: Path) -> None:
    async with FakeDiscord() as fd:
        stage = Stage(fd, build_demo(fd), f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", tmp_path)
        # Start-up (migrations, login) takes far longer than this.
        with pytest.raises(RuntimeError, match="did not come up"):
            await stage.start_bot(within=0.05)
        assert not stage.bot.running
