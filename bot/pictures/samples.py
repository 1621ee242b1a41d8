"""Example inputs for each picture: a worker's warm-up, the benchmark, the tests."""

from __future__ import annotations

from datetime import date, timedelta

from bot.core.days import week_index
from bot.core.recap import RecapSummary
from bot.pictures.board import BoardCard, BoardCardRow, render_board_card
from bot.pictures.heatmap import Heatmap, render_heatmap
from bot.pictures.recap import RecapCard, render_recap_card

NAMES = ("Alex", "Sam", "Jordan", "Priya", "Chen", "Olu", "Maria", "Dev", "Kim", "Lee")
TODAY = date(2026, 12, 3)


def board(page: int = 1, names: tuple[str, ...] = NAMES) -> BoardCard:
    rows = tuple(
        BoardCardRow(rank=(page - 1) * 10 + i + 1, name=name, count=30 - i, streak=12 - i)
        for i, name in enumerate(names[:10])
    )
    viewer = BoardCardRow(rank=42, name="Robin", count=3, streak=1)
    return BoardCard("Iron Paradise Gym", "This week", "Leg days", rows, page, 5, viewer, "Robin")


def heatmap(title: str = "Alex", seed: int = 1) -> Heatmap:
    # A fixed pattern (no random module: the same input in every process).
    days = frozenset(
        TODAY - timedelta(days=n) for n in range(371) if (n * 7919 + seed * 104729) % 5 < 2
    )
    monday = TODAY - timedelta(days=TODAY.weekday())
    shields = frozenset({monday - timedelta(weeks=6), monday - timedelta(weeks=30)})
    paused = frozenset({monday - timedelta(weeks=12), monday - timedelta(weeks=13)})
    return Heatmap(title, TODAY, days, shields, paused, target=2)


def recap(names: tuple[str, ...] = NAMES) -> RecapCard:
    week = week_index(TODAY - timedelta(days=7))
    summary = RecapSummary(
        week=week,
        total=37,
        goal=40,
        goal_met=False,
        leaders=[(5, [1, 2]), (4, [3])],
        new_bests=[(1, 6)],
        kept=[(2, 4), (3, 3)],
        shields_used=[(4, 3)],
        newcomers=[5, 6],
        paused=[(7, 2)],
    )
    return RecapCard("Iron Paradise Gym", summary, dict(enumerate(names[:8], start=1)))


def render_all() -> None:
    render_board_card(board())
    render_heatmap(heatmap())
    render_recap_card(recap())
