"""A real LegDayBot on a real store (SQLite and PostgreSQL), never connected, with the
extensions loaded."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from discord import app_commands
from discord.ext import commands

from bot.app import EXTENSIONS, LegDayBot
from bot.config import Config
from bot.store import Store
from tests.helpers import Clock, MockContext

OWNER_ID = 4242
# A Wednesday noon, UTC.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(backend_store: Store) -> Store:
    return backend_store


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def bot(
    make_config: Callable[..., Config], store: Store, clock: Clock
) -> AsyncIterator[LegDayBot]:
    instance = LegDayBot(make_config(owner_ids=frozenset({OWNER_ID})), store, clock=clock)
    for extension in EXTENSIONS:
        await instance.load_extension(extension)
    try:
        yield instance
    finally:
        for extension in EXTENSIONS:
            await instance.unload_extension(extension)


@pytest.fixture
def ctx(bot: LegDayBot) -> Callable[..., MockContext]:
    """Make a context for this bot: `ctx(slash=True, manage_guild=True, guild=...)`."""

    def make(**kwargs: Any) -> MockContext:
        return MockContext(bot=bot, **kwargs)

    return make


class Runner:
    """Drives commands the way discord.py would, minus the parsing of the message."""

    def __init__(self, bot: LegDayBot) -> None:
        self.bot = bot

    def command(self, name: str, ctx: MockContext | None = None) -> commands.Command[Any, ..., Any]:
        """The command `name` as `ctx` runs it: through `/`, an admin command's prefix twin
        (`legday settings`) is the `legday-admin` command it mirrors."""
        command = self.bot.get_command(name)
        assert command is not None, f"no command {name!r}"
        if ctx is not None and ctx.interaction is not None and _is_prefix_twin(command):
            command = self.bot.get_command("legday-admin " + name.removeprefix("legday "))
            assert command is not None, f"no slash form of {name!r}"
        return command

    async def call(self, ctx: MockContext, name: str, *args: Any, **kwargs: Any) -> None:
        """Run the checks, then the callback; errors propagate unwrapped."""
        command = self.command(name, ctx)
        ctx.command = command
        assert await command.can_run(ctx)
        await command.callback(
            command.cog, ctx, *args, **await self.fill(ctx, command, args, kwargs)
        )

    async def invoke(self, ctx: MockContext, name: str, *args: Any, **kwargs: Any) -> None:
        """Like `call`, but errors reach the error handler wrapped as discord.py wraps them."""
        command = self.command(name, ctx)
        ctx.command = command
        try:
            if not await command.can_run(ctx):
                raise commands.CheckFailure
            kwargs = await self.fill(ctx, command, args, kwargs)
            await command.callback(command.cog, ctx, *args, **kwargs)
        except commands.CommandError as error:
            await self.handle(ctx, error)
        except Exception as error:
            await self.handle(ctx, self.wrap(ctx, command, error))

    @staticmethod
    async def fill(
        ctx: MockContext,
        command: commands.Command[Any, ..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> dict[str, Any]:
        """Add the defaults discord.py would resolve for the parameters not given,
        including callable ones such as `commands.parameter(default=lambda ctx: ...)`."""
        filled = dict(kwargs)
        for name, param in list(command.clean_params.items())[len(args) :]:
            if name not in filled and not param.required:
                filled[name] = await param.get_default(ctx)
        return filled

    @staticmethod
    def wrap(
        ctx: MockContext, command: commands.Command[Any, ..., Any], error: Exception
    ) -> commands.CommandError:
        if ctx.interaction is None:
            return commands.CommandInvokeError(error)
        app_command = getattr(command, "app_command", None)
        assert app_command is not None, f"{command.qualified_name} has no slash command"
        return commands.HybridCommandError(app_commands.CommandInvokeError(app_command, error))

    async def handle(self, ctx: MockContext, error: Exception) -> None:
        handler = self.bot.get_cog("ErrorHandler")
        assert handler is not None
        await handler.on_command_error(ctx, error)  # type: ignore[attr-defined]


def _is_prefix_twin(command: commands.Command[Any, ..., Any]) -> bool:
    return getattr(command, "app_command", None) is None and command.cog_name == "LegDayAdmin"


@pytest.fixture
def run(bot: LegDayBot) -> Runner:
    return Runner(bot)
