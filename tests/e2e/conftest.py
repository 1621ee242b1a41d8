"""The real bot process against the local Discord, one stage per test module.

Starting `python -m bot` costs about a second, so a module shares one bot; each test
gets fresh members, which keeps tests independent without restarting anything.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.sandbox.demo import build_demo
from bot.sandbox.stage import Stage
from fakediscord import FakeDiscord, Member, Role, User

_names = itertools.count(1)


class E2E:
    """A stage plus helpers for making members on the fly."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.fd = stage.fd
        self.demo = stage.demo
        self.guild = stage.demo.guild
        self.gym = stage.demo.gym

    def member(self, name: str = "member", *, roles: list[Role] | None = None) -> User:
        user = self.fd.create_user(f"{name}{next(_names)}")
        self.fd.add_member(self.guild, user, roles=roles or [])
        return user

    def admin(self, name: str = "admin") -> User:
        return self.member(name, roles=[self.demo.coaches])

    def as_member(self, user: User) -> Member:
        return self.fd.member(self.guild, user)


async def open_stage(folder: Path, env: dict[str, str] | None = None) -> AsyncIterator[E2E]:
    async with FakeDiscord(heartbeat_interval_ms=1000) as fd:
        demo = build_demo(fd)
        url = f"sqlite+aiosqlite:///{folder / 'e2e.db'}"
        stage = Stage(fd, demo, url, folder, {"LEGDAY_COOLDOWN_RATE": "1000", **(env or {})})
        await stage.start_bot()
        try:
            yield E2E(stage)
        finally:
            code = await stage.stop_bot()
            log = stage.bot.log_text()
            # A traceback in the bot's log is a failure even when every reply looked fine.
            assert "Traceback" not in log, log[-4000:]
            assert code in (0, None), f"bot exited with {code}:\n{log[-4000:]}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def e2e(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[E2E]:
    async for stage in open_stage(tmp_path_factory.mktemp("e2e")):
        yield stage
