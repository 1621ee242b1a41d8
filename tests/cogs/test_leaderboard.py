"""legday top: ranking, pages, the caller's own rank, and the page buttons."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.core.days import Period
from bot.core.errors import InputError
from bot.usecases import preferences
from bot.views import LeaderboardPageButton
from tests.cogs.conftest import NOW
from tests.helpers import MockGuild, MockInteraction, MockMember
from tests.support import record_day

TODAY = NOW.date()
MONTH_START = date(2026, 11, 1)
# Days this month per member (user ids 1..12): ranks 1, 2, 2, 4, 5, 5, 5, 8, 8, 8, 8, 8.
SCORES = [5, 4, 4, 3, 2, 2, 2, 1, 1, 1, 1, 1]


async def log_days(bot, guild_id: int, user_id: int, days: list[date]) -> None:
    for day in days:
        await record_day(bot.store, guild_id, user_id, day, now=NOW)


async def seed_month(bot, guild_id: int) -> None:
    for user_id, score in enumerate(SCORES, start=1):
        await log_days(
            bot, guild_id, user_id, [MONTH_START + timedelta(days=i) for i in range(score)]
        )


def lines(embed) -> list[str]:
    return embed.description.splitlines()


async def test_ties_share_a_rank_and_ten_fit_on_a_page(bot, ctx, run):
    guild = MockGuild()
    await seed_month(bot, guild.id)
    c = ctx(guild=guild, author=MockMember(id=1, guild=guild))

    await run.call(c, "legday top", "month")

    embed = c.last.embed
    assert embed.title == "Leg day leaderboard: this month"
    assert lines(embed) == [
        "🥇 <@1> · 5 days",
        "🥈 <@2> · 4 days",
        "🥈 <@3> · 4 days",
        "**4.** <@4> · 3 days",
        "**5.** <@5> · 2 days",
        "**5.** <@6> · 2 days",
        "**5.** <@7> · 2 days",
        "**8.** <@8> · 1 day",
        "**8.** <@9> · 1 day",
        "**8.** <@10> · 1 day",
    ]
    assert embed.footer.text == "Page 1/2"
    assert embed.fields == []  # the caller is on the page, so no "You" line


async def test_caller_off_the_page_sees_their_own_rank(bot, ctx, run):
    guild = MockGuild()
    await seed_month(bot, guild.id)
    c = ctx(guild=guild, author=MockMember(id=12, guild=guild))

    await run.call(c, "legday top", "month")

    (you,) = c.last.embed.fields
    assert (you.name, you.value) == ("You", "#8 · 1 day")


async def test_caller_not_ranked_sees_no_rank(bot, ctx, run):
    guild = MockGuild()
    await seed_month(bot, guild.id)
    c = ctx(guild=guild)

    await run.call(c, "legday top", "month")

    assert c.last.embed.fields == []


async def test_previous_and_next_buttons_carry_the_page_in_their_custom_id(bot, ctx, run):
    guild = MockGuild()
    await seed_month(bot, guild.id)
    c = ctx(guild=guild, slash=True)

    await run.call(c, "legday top", "month")

    view = c.last.view
    assert view is not None and view.timeout is None
    previous, following = view.children
    assert (previous.custom_id, previous.item.label, previous.item.disabled) == (
        "legday:top:month:0:prev",
        "Previous",
        True,
    )
    assert (following.custom_id, following.item.label, following.item.disabled) == (
        "legday:top:month:1:next",
        "Next",
        False,
    )


async def test_next_button_shows_page_two(bot, ctx):
    guild = MockGuild()
    await seed_month(bot, guild.id)
    interaction = MockInteraction(user=MockMember(id=1, guild=guild), guild=guild, client=bot)

    await LeaderboardPageButton(Period.MONTH, 1, "next").callback(interaction)

    kwargs = interaction.response.edit_message.await_args.kwargs
    embed = kwargs["embed"]
    assert lines(embed) == ["**8.** <@11> · 1 day", "**8.** <@12> · 1 day"]
    assert embed.footer.text == "Page 2/2"
    assert [f.value for f in embed.fields] == ["#1 · 5 days"]
    previous, following = kwargs["view"].children
    assert (previous.custom_id, previous.item.disabled) == ("legday:top:month:0:prev", False)
    assert (following.custom_id, following.item.disabled) == ("legday:top:month:1:next", True)


async def test_a_single_page_has_no_buttons_and_hidden_members_are_left_out(bot, ctx, run):
    guild = MockGuild()
    week = [TODAY - timedelta(days=i) for i in range(3)]  # Mon..Wed of this week
    await log_days(bot, guild.id, 1, week[:1])
    await log_days(bot, guild.id, 2, week)
    await log_days(bot, guild.id, 3, week)
    await log_days(bot, guild.id, 4, [TODAY - timedelta(days=7)])  # last week only
    await preferences.set_hidden(bot.services, guild.id, 3, True)
    c = ctx(guild=guild)

    await run.call(c, "legday top")  # default: this week

    assert c.last.embed.title == "Leg day leaderboard: this week"
    assert lines(c.last.embed) == ["🥇 <@2> · 3 days", "🥈 <@1> · 1 day"]
    assert "view" not in c.last.kwargs


async def test_empty_board(bot, ctx, run):
    c = ctx()
    await run.call(c, "legday top", "all")
    assert c.last.embed.description == "No check-ins yet. Be the first: `/legday checkin`."
    assert c.last.embed.footer.text == "Page 1/1"


async def test_streak_board(bot, ctx, run):
    guild = MockGuild()
    mondays = [TODAY - timedelta(days=2, weeks=w) for w in range(3)]
    await log_days(bot, guild.id, 1, mondays)  # three weeks running
    await log_days(bot, guild.id, 2, mondays[:1])  # this week only
    await log_days(bot, guild.id, 3, [mondays[2] - timedelta(weeks=5)])  # long lapsed, best 1
    c = ctx(guild=guild)

    await run.call(c, "legday top", "streak")

    assert c.last.embed.title == "Leg day leaderboard: current streaks"
    assert lines(c.last.embed) == [
        "🥇 <@1> · 3 weeks (best 3)",
        "🥈 <@2> · 1 week (best 1)",
        "🥉 <@3> · 0 weeks (best 1)",
    ]


@pytest.mark.parametrize("slash", [False, True])
async def test_bad_period(bot, ctx, run, slash):
    c = ctx(slash=slash)
    with pytest.raises(InputError):
        await run.call(c, "legday top", "decade")

    await run.invoke(c, "legday top", "decade")

    assert c.last.content == (
        "**period**: `decade` is not a period. Expected `week`, `month`, `year`, `all` or "
        "`streak`, e.g. `month`."
    )
    assert c.last.ephemeral is slash
