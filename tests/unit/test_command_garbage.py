"""A `!` command leaves no reference cycle behind (`LegDayBot.invoke`): its context, and
with it the message and the author, are freed by reference counting alone, without waiting
for the cycle collector (found by the soak, `tests/reliability/test_soak.py`)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from discord.ext import commands

from bot.app import LegDayBot
from bot.config import Config
from bot.store import Store


class Context:
    """Stands for a `commands.Context`: discord.py's argument parsing puts the context in
    its own `args` list (`[cog, ctx]`)."""

    def __init__(self) -> None:
        self.args: list[Any] = []


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    """Only reference counting frees anything while the test runs."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def parsing_then(outcome: Exception | None) -> Callable[..., Any]:
    async def invoke(self: commands.Bot, ctx: Context, /) -> None:
        ctx.args = [object(), ctx]  # as Command._parse_arguments does
        if outcome is not None:
            raise outcome

    return invoke


async def test_a_commands_context_is_freed_when_it_is_done(
    make_config: Callable[..., Config], store: Store, no_cycle_collector: None
) -> None:
    bot = LegDayBot(make_config(), store)
    ctx = Context()
    alive = weakref.ref(ctx)
    with mock.patch.object(commands.Bot, "invoke", parsing_then(None)):
        await bot.invoke(ctx)  # type: ignore[arg-type]
    assert ctx.args == []
    del ctx
    assert alive() is None, "the context outlived its command (held by a reference cycle)"


async def test_a_failed_command_lets_go_of_its_arguments_too(
    make_config: Callable[..., Config], store: Store
) -> None:
    bot = LegDayBot(make_config(), store)
    ctx = Context()
    broken = parsing_then(RuntimeError("broke"))
    with mock.patch.object(commands.Bot, "invoke", broken), pytest.raises(RuntimeError):
        await bot.invoke(ctx)  # type: ignore[arg-type]
    assert ctx.args == []


async def test_without_letting_go_the_context_would_wait_for_the_collector(
    no_cycle_collector: None,
) -> None:
    """The same cycle with the plain discord.py invoke: the test above could fail."""
    ctx = Context()
    alive = weakref.ref(ctx)
    await parsing_then(None)(None, ctx)
    del ctx
    assert alive() is not None
    gc.collect()
    assert alive() is None
