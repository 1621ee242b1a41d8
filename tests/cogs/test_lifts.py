"""The lift commands' cog: `prs`, and `top prs` which shows the same board."""

from __future__ import annotations

import pytest

from bot.core.errors import InputError


@pytest.mark.parametrize("slash", [False, True])
@pytest.mark.parametrize("command", ["legday prs", "legday top"])
async def test_the_pr_board_by_prs_or_top_prs(bot, ctx, run, slash, command):
    c = ctx(slash=slash)
    await run.call(c, "legday", note="squat 5x5 100kg")

    if command == "legday prs":
        await run.call(c, command, exercise="back squats")
    else:
        await run.call(c, command, "prs", style="back squats")

    embed = c.last.embed
    assert embed.title == "Squat: best e1RM"
    assert embed.description == f"🥇 <@{c.author.id}> · 116.5 kg (100 kg × 5)"
    assert not c.last.ephemeral


async def test_prs_of_an_unknown_exercise_is_an_input_error(bot, ctx, run):
    c = ctx()
    with pytest.raises(InputError, match="nobody here has logged `squat`"):
        await run.call(c, "legday prs", exercise="squat")


async def test_top_prs_needs_an_exercise(bot, ctx, run):
    with pytest.raises(InputError, match="no exercise was given"):
        await run.call(ctx(), "legday top", "prs")
