"""The lift commands' cog: `prs` through the `show_prs` method that `top` delegates to."""

from __future__ import annotations

import pytest

from bot.core.errors import InputError


@pytest.mark.parametrize("slash", [False, True])
async def test_show_prs_is_the_board_other_commands_can_delegate_to(bot, ctx, run, slash):
    c = ctx(slash=slash)
    await run.call(c, "legday", note="squat 5x5 100kg")
    cog = bot.get_cog("LegDay")

    await cog.show_prs(c, "back squats")

    embed = c.last.embed
    assert embed.title == "Squat: best e1RM"
    assert embed.description == f"🥇 <@{c.author.id}> · 116.5 kg (100 kg × 5)"
    assert not c.last.ephemeral


async def test_show_prs_of_an_unknown_exercise_is_an_input_error(bot, ctx):
    c = ctx()
    with pytest.raises(InputError, match="nobody here has logged `squat`"):
        await bot.get_cog("LegDay").show_prs(c, "squat")
