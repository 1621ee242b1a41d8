"""What goes into a picture: the card's rows from a board page, and the alt text."""

from __future__ import annotations

import asyncio

import pytest

from bot import picture_replies
from bot.core.days import Period
from bot.core.ranking import Page, Ranked
from bot.picture_replies import ALT_TEXT_LIMIT, board_alt_text, board_card
from bot.store import BoardRow
from bot.usecases.leaderboards import Board

NAMES = {1: "Ada", 2: "Bo", 3: "Cy", 9: "Me"}


def _board(period: Period, caller: Ranked[BoardRow] | None, on_page: bool) -> Board:
    rows = [Ranked(1, BoardRow(1, 5)), Ranked(2, BoardRow(2, 3)), Ranked(2, BoardRow(3, 3))]
    return Board(period, Page(0, 3, rows), caller, on_page, streaks={1: 4, 2: 0, 3: 1, 9: 2})


def test_a_period_board_shows_counts_and_live_streaks_and_the_viewer_below():
    card = board_card(_board(Period.MONTH, Ranked(14, BoardRow(9, 1)), False), "Gym", NAMES)
    assert [(r.rank, r.name, r.count, r.streak, r.is_viewer) for r in card.rows] == [
        (1, "Ada", 5, 4, False),
        (2, "Bo", 3, 0, False),
        (2, "Cy", 3, 1, False),
    ]
    assert card.viewer is not None
    assert (card.viewer.rank, card.viewer.name, card.viewer.count, card.viewer.streak) == (
        14,
        "Me",
        1,
        2,
    )
    assert (card.page, card.pages, card.period_label, card.score_label) == (
        1,
        3,
        "This month",
        "Leg days",
    )
    assert card.show_streak


def test_on_the_page_the_viewer_is_outlined_not_repeated():
    caller = Ranked(2, BoardRow(2, 3))
    card = board_card(_board(Period.WEEK, caller, True), "Gym", NAMES)
    assert [r.is_viewer for r in card.rows] == [False, True, False]
    assert card.viewer is None


def test_a_streak_board_counts_weeks_without_a_second_streak_column():
    card = board_card(_board(Period.STREAK, None, False), "Gym", NAMES)
    assert card.score_label == "Weeks" and not card.show_streak
    assert [r.streak for r in card.rows] == [r.count for r in card.rows]


def test_alt_text_reads_the_board_and_fits_discords_limit():
    card = board_card(_board(Period.WEEK, Ranked(14, BoardRow(9, 1)), False), "Gym", NAMES)
    assert board_alt_text(card) == (
        "Gym leaderboard, this week: 1. Ada, 5 leg days; 2. Bo, 3 leg days; "
        "2. Cy, 3 leg days. You: place 14, 1 leg day."
    )
    long_names = {1: "x" * 900, 2: "y" * 900, 3: "z" * 900}
    long_card = board_card(_board(Period.WEEK, None, False), "Gym", long_names)
    assert len(board_alt_text(long_card)) == ALT_TEXT_LIMIT


class _Response:
    def __init__(self) -> None:
        self.done = False

    def is_done(self) -> bool:
        return self.done


class _SlashContext:
    """Just what `before_the_deadline` reads of a `/` command's context."""

    def __init__(self, *, slash: bool = True) -> None:
        self.interaction = type("I", (), {"response": _Response()})() if slash else None
        self.deferred = 0

    async def defer(self) -> None:
        self.deferred += 1
        self.interaction.response.done = True  # type: ignore[union-attr]


async def _drawn_after(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "png"


@pytest.mark.parametrize(
    ("slash", "takes", "deferred"),
    [(True, 0.2, 1), (True, 0.0, 0), (False, 0.2, 0)],
    ids=["slow slash: deferred", "quick slash: answered directly", "prefix: never deferred"],
)
async def test_a_slow_picture_defers_the_interaction_before_discords_deadline(
    monkeypatch: pytest.MonkeyPatch, slash: bool, takes: float, deferred: int
) -> None:
    monkeypatch.setattr(picture_replies, "DEFER_AFTER", 0.05)
    ctx = _SlashContext(slash=slash)
    drawn = await picture_replies.before_the_deadline(ctx, _drawn_after(takes))  # type: ignore[arg-type]
    assert drawn == "png"
    assert ctx.deferred == deferred
