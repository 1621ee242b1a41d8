"""The test-facing API: :class:`FakeDiscord`, assembled from one part per concern."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from types import TracebackType
from typing import ClassVar

from fakediscord.commands import CommandError
from fakediscord.connect import ENV_API_BASE, ENV_GATEWAY_URL, ENV_TOKEN, point_discord_py
from fakediscord.scenario.base import BOT, ScenarioError
from fakediscord.scenario.faults import FaultInjection


class FakeDiscord(FaultInjection):
    """A loopback Discord: REST + gateway on 127.0.0.1 plus helpers to drive and inspect it.

    Use as ``async with FakeDiscord() as fd: ...`` (or ``await fd.start()`` / ``await fd.stop()``).

    Rate limits are Discord's (:mod:`fakediscord.rate_limits`) unless overridden:
    ``global_rate_limit`` requests per second (``None``: off), ``route_rate_limit=(limit, per)``
    for one uniform bucket per route instead of Discord's table, ``route_limits`` to replace
    single routes (``"METHOD /template"`` → ``(limit, per)``, a ``RouteLimit`` or ``None``).
    """

    # -- lifecycle ---------------------------------------------------------------------------

    # Every emulator started in this process and not yet garbage: lets a test harness
    # look at all the traffic of a test (e.g. check it against Discord's spec).
    started: ClassVar[weakref.WeakSet[FakeDiscord]] = weakref.WeakSet()
    # While a harness holds this list, every emulator started is also kept in it, so one
    # a test made and dropped can still be looked at once the test is over.
    held: ClassVar[list[FakeDiscord] | None] = None

    async def start(self) -> FakeDiscord:
        await self.server.start()
        FakeDiscord.started.add(self)
        if FakeDiscord.held is not None:
            FakeDiscord.held.append(self)
        return self

    async def stop(self) -> None:
        if self._restore is not None:
            self._restore()
            self._restore = None
        await self.server.stop()

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def point_discord_py(self) -> Callable[[], None]:
        """Point discord.py *in this process* at the emulator (undone by :meth:`stop`)."""
        restore = point_discord_py(self.api_base, self.gateway_url)
        previous = self._restore

        def undo() -> None:
            restore()
            if previous is not None:
                previous()

        self._restore = undo
        return undo

    def env(self) -> dict[str, str]:
        """Environment variables for a bot subprocess (see :mod:`fakediscord.connect`)."""
        return {
            ENV_API_BASE: self.api_base,
            ENV_GATEWAY_URL: self.gateway_url,
            ENV_TOKEN: self.bot_token,
        }


__all__ = ["BOT", "CommandError", "FakeDiscord", "ScenarioError"]
