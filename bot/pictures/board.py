"""The leaderboard card: one page of a board, with the viewer's own place under it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PIL import Image, ImageDraw

from bot.pictures import canvas
from bot.pictures.canvas import MEDALS, MUTED, STRIPE, TEXT
from bot.pictures.fonts import Weight
from bot.pictures.text import Line

WIDTH = 880
PAD = 34
ROW = 50
TOP = 160  # where the first row starts
FOOTER = 84
RANK_CENTER = PAD + 34
NAME_X = PAD + 84
STREAK_RIGHT = WIDTH - PAD - 14
COUNT_RIGHT = STREAK_RIGHT - 130
NAME_GAP = 24  # between a name and the count column's widest number
BADGE = 38


@dataclass(frozen=True, slots=True)
class BoardCardRow:
    rank: int
    name: str
    count: int
    streak: int
    is_viewer: bool = False  # the member who asked: the row is outlined


@dataclass(frozen=True, slots=True)
class BoardCard:
    server_name: str
    period_label: str  # "This week", "Current streak", ...
    score_label: str  # the count column's heading: "Leg days", "Weeks", ...
    rows: tuple[BoardCardRow, ...]
    page: int  # 1-based
    pages: int
    viewer: BoardCardRow | None = None  # the viewer's own line under the page
    viewer_name: str | None = None  # with viewer None: "<name>: not on this board yet"
    show_streak: bool = True  # False for a board whose count already is the streak


def height(card: BoardCard) -> int:
    footer = FOOTER if card.viewer is not None or card.viewer_name is not None else 0
    return TOP + ROW * max(len(card.rows), 1) + footer + PAD


def render_board_card(card: BoardCard) -> bytes:
    """The card as PNG bytes."""
    image = canvas.card(WIDTH, height(card))
    draw = ImageDraw.Draw(image)
    _header(image, draw, card)
    y = TOP
    if not card.rows:
        Line("No leg days on this board yet.", 22).draw(image, NAME_X, y + 32, MUTED)
    for index, row in enumerate(card.rows):
        if index % 2 == 1:
            draw.rectangle((PAD - 6, y, WIDTH - PAD + 6, y + ROW - 1), fill=STRIPE)
        _row(image, draw, row, y, card.show_streak)
        y += ROW
    if card.viewer is not None or card.viewer_name is not None:
        _footer(image, draw, card, y + 14)
    return canvas.png(image)


def _header(image: Image.Image, draw: ImageDraw.ImageDraw, card: BoardCard) -> None:
    page = Line(f"Page {max(card.page, 1)}/{max(card.pages, 1)}", 20)
    page.draw(image, WIDTH - PAD, PAD + 28, MUTED, align="right")
    room = WIDTH - 2 * PAD - page.width - 24
    Line(card.server_name, 30, Weight.BOLD, room, empty="Leaderboard").draw(
        image, PAD, PAD + 30, TEXT
    )
    subtitle = f"Leg day leaderboard · {card.period_label}"
    Line(subtitle, 21, max_width=WIDTH - 2 * PAD).draw(image, PAD, PAD + 66, MUTED)
    heading_y = TOP - 14
    Line("#", 17, Weight.BOLD).draw(image, RANK_CENTER, heading_y, MUTED, align="center")
    Line("Member", 17, Weight.BOLD).draw(image, NAME_X, heading_y, MUTED)
    Line(card.score_label, 17, Weight.BOLD, 150).draw(
        image, COUNT_RIGHT, heading_y, MUTED, align="right"
    )
    if card.show_streak:
        Line("Streak", 17, Weight.BOLD).draw(image, STREAK_RIGHT, heading_y, MUTED, align="right")
    draw.line((PAD - 6, TOP - 4, WIDTH - PAD + 6, TOP - 4), fill=canvas.FRAME, width=2)


def _row(
    image: Image.Image, draw: ImageDraw.ImageDraw, row: BoardCardRow, y: int, streak: bool
) -> None:
    baseline = y + ROW // 2 + 8
    rank = Line(f"{row.rank}", 21 if row.rank < 1000 else 16, Weight.BOLD, 70)
    if 1 <= row.rank <= len(MEDALS):
        # Colour is extra: the number is printed on the disc too.
        top = y + (ROW - BADGE) // 2
        canvas.paste(image, canvas.disc(BADGE, MEDALS[row.rank - 1]), RANK_CENTER - BADGE // 2, top)
        rank.draw(image, RANK_CENTER, baseline, canvas.DARK_TEXT, align="center")
    else:
        rank.draw(image, RANK_CENTER, baseline, TEXT, align="center")
    count = Line(f"{row.count}", 23, Weight.BOLD)
    count.draw(image, COUNT_RIGHT, baseline, TEXT, align="right")
    if streak:
        Line(_weeks(row.streak), 21).draw(image, STREAK_RIGHT, baseline, MUTED, align="right")
    room = COUNT_RIGHT - count.width - NAME_GAP - NAME_X
    Line(row.name, 23, max_width=room, empty="(no name)").draw(image, NAME_X, baseline, TEXT)
    if row.is_viewer:
        draw.rounded_rectangle(
            (PAD - 6, y + 2, WIDTH - PAD + 6, y + ROW - 3), 8, outline=canvas.ACCENT, width=2
        )


def _footer(image: Image.Image, draw: ImageDraw.ImageDraw, card: BoardCard, y: int) -> None:
    draw.line((PAD - 6, y - 6, WIDTH - PAD + 6, y - 6), fill=canvas.FRAME, width=2)
    Line("Your place", 17, Weight.BOLD).draw(image, PAD, y + 16, MUTED)
    if card.viewer is None:
        who = Line(card.viewer_name or "", 21, max_width=WIDTH - 2 * PAD - 300, empty="You")
        left = PAD + who.draw(image, PAD, y + 52, TEXT)
        Line(": not on this board yet", 21).draw(image, left, y + 52, MUTED)
        return
    viewer = replace(card.viewer, is_viewer=True)
    _row(image, draw, viewer, y + 24, card.show_streak)


def _weeks(streak: int) -> str:
    return f"{streak} wk" if streak == 1 else f"{streak} wks"
