"""Unit tests for the bugs the hostile-input matrix found (`test_hostile_input.py`)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from discord.ext import commands

from bot.app import EXTENSIONS, LegDayBot
from bot.config import Config
from bot.core.errors import echo
from bot.store import Store
from cogs.errors import describe
from tests.helpers import MockGuild, MockMember, MockMessage, MockTextChannel, MockUser


async def _contexts(bot: LegDayBot, content: str) -> list[commands.Context[Any]]:
    guild = MockGuild()
    message = MockMessage(
        content=content, author=MockMember(guild=guild), guild=guild, channel=MockTextChannel()
    )
    seen: list[commands.Context[Any]] = []

    async def invoke(ctx: commands.Context[Any]) -> None:
        seen.append(ctx)

    with mock.patch.object(bot, "invoke", invoke), mock.patch.object(LegDayBot, "user", MockUser()):
        await bot.process_commands(message)
    return seen


@pytest.mark.parametrize("blanks", [" ", "  \n", "\u00a0", "\t \u3000"])
async def test_blanks_after_the_last_word_are_not_one_more_word(
    make_config: Callable[..., Config], store: Store, blanks: str
) -> None:
    bot = LegDayBot(make_config(), store)
    for extension in EXTENSIONS:
        await bot.load_extension(extension)
    (ctx,) = await _contexts(bot, "!legday export" + blanks)
    assert ctx.invoked_with == "legday"
    ctx.view.skip_ws()
    assert ctx.view.get_word() == "export"
    # Nothing left, as discord.py checks it right after the last word: a command that
    # refuses extra words has nothing to refuse.
    assert ctx.view.eof
    (inner,) = await _contexts(bot, "!legday  squats  and lunges \n")
    assert inner.view.read_rest().strip() == "squats  and lunges"


@pytest.mark.parametrize("typed", ["eight", "@everyone", "1e309", "\u200b"])
async def test_a_number_range_read_with_a_prefix_says_what_it_takes(
    make_config: Callable[..., Config], store: Store, typed: str
) -> None:
    bot = LegDayBot(make_config(), store)
    for extension in EXTENSIONS:
        await bot.load_extension(extension)
    command = bot.get_command("legday-admin settings target")
    assert command is not None
    parameter = command.clean_params["target"]
    ctx: Any = SimpleNamespace(current_parameter=parameter, current_argument=typed)
    with pytest.raises(commands.BadArgument) as raised:
        await commands.run_converters(ctx, parameter.converter, typed, parameter)
    assert describe(ctx, raised.value) == (
        f"**target**: {echo(typed)} is not a whole number. Expected a number from 1 to 7."
    )
