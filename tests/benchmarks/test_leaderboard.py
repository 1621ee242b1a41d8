"""The leaderboard benchmark's checks: they pass when legday and the naive query agree and
fail when they do not; and its `--quick` run."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from benchmarks import ours
from benchmarks.history import make_server
from benchmarks.leaderboard import PERIODS, check_same_page
from benchmarks.measure import CheckFailed
from benchmarks.naive import NaivePage, naive_board, naive_checkin
from bot import replies
from bot.core.days import Period
from bot.core.ranking import Page, Ranked
from bot.store import BoardRow as Standing
from bot.usecases.leaderboards import Board
from tests.benchmarks.quick import quick

pytestmark = pytest.mark.bench

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday
GUILD = 42


def test_a_leaderboard_embed_reads_back_as_the_member_sees_it():
    page = Page(
        0,
        3,
        [
            Ranked(1, Standing(11, 5)),
            Ranked(2, Standing(12, 4)),
            Ranked(2, Standing(13, 4)),
            Ranked(4, Standing(14, 1)),
        ],
    )
    board = Board(Period.MONTH, page, Ranked(25, Standing(99, 1)), caller_on_page=False)

    seen = ours.read_board_embed(replies.leaderboard_reply(board).to_dict())

    assert seen.rows == [(1, 11, "5 days"), (2, 12, "4 days"), (2, 13, "4 days"), (4, 14, "1 day")]
    assert seen.own == (25, "1 day")
    assert seen.footer == "Page 1/3"


def test_a_streak_embed_reads_back_with_the_best_streak():
    page = Page(0, 1, [Ranked(1, Standing(11, 3, best=5, total=40))])
    board = Board(Period.STREAK, page, Ranked(1, Standing(11, 3, 5, 40)), caller_on_page=True)

    seen = ours.read_board_embed(replies.leaderboard_reply(board).to_dict())

    assert seen.rows == [(1, 11, "3 weeks (best 5)")]
    assert seen.own is None


def _pages() -> tuple[ours.PageSeen, NaivePage]:
    ranked = [(1, 11, (5,)), (2, 12, (4,)), (2, 13, (4,))] + [
        (4 + i, 20 + i, (1,)) for i in range(9)
    ]
    seen = ours.PageSeen(
        rows=[(r, u, f"{s[0]} days") for r, u, s in ranked[:10]],
        own=(4, "1 day"),
        footer="Page 1/2",
    )
    return seen, NaivePage(ranked[:10], (4, (1,)), ranked)


def test_same_pages_pass_the_check():
    seen, naive = _pages()
    check_same_page("month", seen, naive)


@pytest.mark.parametrize(
    "change",
    [
        {"rows": []},
        {"rows": [(1, 11, "5 days"), (2, 13, "4 days")]},
        {"own": None},
        {"own": (5, "1 day")},
        {"footer": "Page 1/3"},
    ],
)
def test_any_difference_fails_the_check(change):
    seen, naive = _pages()
    with pytest.raises(CheckFailed):
        check_same_page("month", dataclasses.replace(seen, **change), naive)


async def _seeded_store(tmp_path: Path):
    rng = random.Random(3)
    today = NOW.date()
    server = make_server(rng, GUILD, 1000, 60, 1500, 200, today, timezone="UTC")
    store = await ours.ours_open_store(f"sqlite+aiosqlite:///{tmp_path / 'bench.db'}")
    await ours.ours_bulk_load(
        store, [server.guild_row()], server.member_rows(), [list(server.checkin_rows())]
    )
    await ours.ours_build_summaries(store, GUILD, 1)
    return store, server


async def test_legday_and_naive_agree_on_every_board(tmp_path):
    store, _server = await _seeded_store(tmp_path)
    try:
        async with aiosqlite.connect(tmp_path / "bench.db") as conn:
            for period in PERIODS:
                everyone = await naive_board(conn, GUILD, period, 0, NOW)
                caller = everyone.ranked[-1][1]
                seen = await ours.ours_leaderboard_page(store, GUILD, period, caller, NOW)
                check_same_page(period, seen, await naive_board(conn, GUILD, period, caller, NOW))
    finally:
        await ours.ours_close_store(store)


async def test_a_summary_out_of_step_with_the_checkins_is_caught(tmp_path):
    store, server = await _seeded_store(tmp_path)
    try:
        async with aiosqlite.connect(tmp_path / "bench.db") as conn:
            # A check-in written behind the bot's back: its all-time summary misses it.
            fresh = next(u for u, days in server.days_by_member.items() if NOW.date() not in days)
            await naive_checkin(conn, GUILD, fresh, NOW)
            caller = (await naive_board(conn, GUILD, "all", 0, NOW)).ranked[-1][1]
            seen = await ours.ours_leaderboard_page(store, GUILD, "all", caller, NOW)
            naive = await naive_board(conn, GUILD, "all", caller, NOW)
            with pytest.raises(CheckFailed):
                check_same_page("all", seen, naive)
    finally:
        await ours.ours_close_store(store)


async def test_checkin_answers_match_and_undo_restores(tmp_path):
    store, server = await _seeded_store(tmp_path)
    try:
        user = next(u for u, days in server.days_by_member.items() if NOW.date() not in days)
        mine = await ours.ours_checkin(store, GUILD, user, NOW)
        assert await ours.ours_undo_checkin(store, GUILD, user, NOW) == NOW.date()
        async with aiosqlite.connect(tmp_path / "bench.db") as conn:
            theirs = await naive_checkin(conn, GUILD, user, NOW)
        assert (mine.this_week, mine.streak_weeks, mine.total) == theirs
        assert mine.total == len(server.days_by_member[user]) + 1
    finally:
        await ours.ours_close_store(store)


def test_a_server_history_has_exactly_the_checkins_asked_for():
    today = date(2026, 11, 26)
    server = make_server(random.Random(1), GUILD, 1000, 500, 20_000, 900, today)

    assert server.checkins == 20_000
    for days in server.days_by_member.values():
        assert len(days) == len(set(days))
        assert all(today - timedelta(days=899) <= d <= today for d in days)
    assert len(server.hidden) == 10
    assert len(server.member_zones) == 75


def test_leaderboard_quick_run_passes_its_checks():
    done = quick("benchmarks.leaderboard")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checks passed" in done.stdout
    rows = {line.split()[0] for line in done.stdout.splitlines() if line.strip()}
    assert {"week", "month", "year", "all", "streak", "check-in"} <= rows, done.stdout
