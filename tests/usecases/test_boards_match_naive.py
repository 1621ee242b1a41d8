"""Every page of every board, and every member's own rank, equal a naive ranking computed
in Python from the raw check-ins: across page breaks, ties, hidden members, members in
other time zones and streaks that have just run out."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import days, streaks
from bot.core.days import Period, zone
from bot.core.ranking import competition_rank
from bot.store import Store
from bot.usecases import preferences
from bot.usecases.leaderboards import PER_PAGE, leaderboard_page
from tests.support import make_services, seed

NOW = datetime(2026, 3, 2, 3, 30, tzinfo=UTC)  # a Monday morning: zones disagree on the week
TODAY = NOW.date()
ZONES = (None, "Pacific/Auckland", "America/Los_Angeles", "Asia/Kathmandu")

_guilds = itertools.count(70_000)

_member = st.tuples(
    st.sets(st.integers(min_value=0, max_value=60), max_size=25),  # days before today
    st.booleans(),  # hidden
    st.sampled_from(ZONES),
)


def naive(history: dict[int, tuple[set[date], bool, str | None]], period: Period):
    """The board as the definition reads: counts (or streaks) of the visible members."""
    rows = []
    for user, (checked, hidden, own_zone) in history.items():
        if hidden:
            continue
        today = days.local_day(NOW, days.effective_zone(own_zone, None, "UTC"))
        if period is Period.STREAK:
            # (the server's shields: one per 4 met weeks in a row, until admins change it)
            state = streaks.rebuild(checked, 1, streaks.ShieldRule(every=4))
            current = streaks.current_streak(state, today)
            if current or state.best:
                rows.append((user, (current, state.best, state.total)))
            continue
        guild_today = TODAY  # the board's period follows the server's zone (UTC here)
        start = days.period_start(period, guild_today)
        count = sum(1 for d in checked if start is None or days.period_start(period, d) == start)
        if count:
            rows.append((user, (count,)))
    ranked = competition_rank(rows, score=lambda r: r[1], tiebreak=lambda r: r[0])
    return [(entry.rank, entry.item[0], entry.item[1][0]) for entry in ranked]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(members=st.lists(_member, min_size=12, max_size=40))
async def test_every_page_and_every_own_rank_match_a_naive_ranking(store: Store, members):
    guild = next(_guilds)
    services = make_services(store, lambda: NOW)
    history: dict[int, tuple[set[date], bool, str | None]] = {}
    for user, (offsets, hidden, own_zone) in enumerate(members, start=1):
        if own_zone is not None:
            await preferences.set_timezone(services, guild, user, zone(own_zone))
        checked = {TODAY - timedelta(days=n) for n in offsets}
        await seed(store, guild, user, sorted(checked))
        if hidden:
            await preferences.set_hidden(services, guild, user, True)
        history[user] = (checked, hidden, own_zone)

    for period in Period:
        expected = naive(history, period)
        pages = max(1, -(-len(expected) // PER_PAGE))
        shown = []
        for number in range(pages + 1):  # one past the end: clamped to the last page
            board = await leaderboard_page(services, guild, period, number, caller_id=0)
            assert board.page.total_pages == pages
            assert board.page.number == min(number, pages - 1)
            if number < pages:
                shown += [(e.rank, e.item.user_id, e.item.score) for e in board.page.entries]
        assert shown == expected, period
        for rank, user, score in expected:
            board = await leaderboard_page(services, guild, period, 0, caller_id=user)
            assert board.caller is not None
            assert (board.caller.rank, board.caller.item.score) == (rank, score), (period, user)
            assert board.caller_on_page == (user in {e.item.user_id for e in board.page.entries})
        hidden_user = next((u for u, (_, h, _) in history.items() if h), None)
        if hidden_user is not None:
            board = await leaderboard_page(services, guild, period, 0, caller_id=hidden_user)
            assert board.caller is None
