"""The obvious way to draw the same three pictures, for `benchmarks.pictures` to beat.

Each call opens its fonts afresh, draws everything at twice the size and scales the
result down (the usual way to get smooth corners and circles in Pillow), and saves an
RGBA PNG with Pillow's defaults. Same sizes and same content as bot/pictures; no font
fallback (that only makes ours slower, so leaving it out flatters the naive side).
"""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image, ImageDraw, ImageFont

from bot.pictures import board, heatmap, recap
from bot.pictures.board import BoardCard
from bot.pictures.canvas import ACCENT, FRAME, MEDALS, MUTED, PANEL, STRIPE, TEXT, WARN
from bot.pictures.fonts import BOLD, FONT_DIR, REGULAR
from bot.pictures.heatmap import Heatmap
from bot.pictures.recap import RecapCard

S = 2  # drawn at twice the size, then scaled down


def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / (BOLD if bold else REGULAR)), size * S)


def _canvas(width: int, height: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGBA", (width * S, height * S), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, width * S - 1, height * S - 1), 22 * S, fill=FRAME)
    draw.rounded_rectangle(
        (3 * S, 3 * S, (width - 3) * S - 1, (height - 3) * S - 1), 19 * S, fill=PANEL
    )
    return image, draw


def _text(
    draw: ImageDraw.ImageDraw, x: float, y: float, text: str, size: int, fill: tuple[int, ...]
) -> None:
    draw.text((x * S, y * S), text, font=_font(False, size), fill=fill, anchor="ls")


def _bold(
    draw: ImageDraw.ImageDraw, x: float, y: float, text: str, size: int, fill: tuple[int, ...]
) -> None:
    draw.text((x * S, y * S), text, font=_font(True, size), fill=fill, anchor="ls")


def _fit(text: str, bold: bool, size: int, width: float) -> str:
    font = _font(bold, size)
    while text and font.getlength(text) > width * S:
        text = text[:-1]
    return text


def _png(image: Image.Image, width: int, height: int) -> bytes:
    out = io.BytesIO()
    image.resize((width, height), Image.Resampling.LANCZOS).save(out, "PNG")
    return out.getvalue()


def naive_board_card(card: BoardCard) -> bytes:
    width, height = board.WIDTH, board.height(card)
    image, draw = _canvas(width, height)
    _bold(draw, board.PAD, board.PAD + 30, _fit(card.server_name, True, 30, 600), 30, TEXT)
    _text(draw, board.PAD, board.PAD + 66, f"Leg day leaderboard · {card.period_label}", 21, MUTED)
    _text(draw, width - board.PAD - 90, board.PAD + 28, f"Page {card.page}/{card.pages}", 20, MUTED)
    y = board.TOP
    rows = list(card.rows) + ([card.viewer] if card.viewer is not None else [])
    for index, row in enumerate(rows):
        if index % 2 == 1:
            draw.rectangle((28 * S, y * S, (width - 28) * S, (y + board.ROW) * S), fill=STRIPE)
        base = y + 33
        if row.rank <= 3:
            cx, cy = board.RANK_CENTER * S, (y + 25) * S
            draw.ellipse((cx - 19 * S, cy - 19 * S, cx + 19 * S, cy + 19 * S), fill=MEDALS[0])
        _bold(draw, board.RANK_CENTER - 6, base, str(row.rank), 21, TEXT)
        _text(draw, board.NAME_X, base, _fit(row.name, False, 23, 500), 23, TEXT)
        _bold(draw, board.COUNT_RIGHT - 30, base, str(row.count), 23, TEXT)
        _text(draw, board.STREAK_RIGHT - 70, base, f"{row.streak} wks", 21, MUTED)
        y += board.ROW
    return _png(image, width, height)


def naive_heatmap(h: Heatmap) -> bytes:
    width, height = heatmap.WIDTH, heatmap.HEIGHT
    image, draw = _canvas(width, height)
    _bold(draw, heatmap.PAD, heatmap.PAD + 26, _fit(h.title, True, 26, 900), 26, TEXT)
    start = heatmap.first_monday(h.today)
    _text(draw, heatmap.PAD, heatmap.PAD + 58, f"{len(h.days)} leg days", 19, MUTED)
    for week in range(heatmap.WEEKS):
        monday = start + timedelta(weeks=week)
        x = heatmap.GRID_X + week * heatmap.STEP
        for weekday in range(7):
            day = monday + timedelta(weekday)
            if day > h.today:
                break
            y = heatmap.GRID_Y + weekday * heatmap.STEP
            color = ACCENT if day in h.days else STRIPE
            draw.rectangle((x * S, y * S, (x + 14) * S, (y + 14) * S), fill=color)
        if monday in h.shield_weeks:
            draw.rectangle(
                (x * S, heatmap.GRID_Y * S, (x + 15) * S, (heatmap.GRID_Y + 123) * S),
                outline=WARN,
                width=2 * S,
            )
    for index, label in enumerate(("Leg day", "No leg day", "Paused", "Shield spent")):
        _text(draw, heatmap.GRID_X + 150 * index, heatmap.HEIGHT - 40, label, 16, MUTED)
    return _png(image, width, height)


def naive_recap_card(card: RecapCard) -> bytes:
    width, height = recap.WIDTH, recap.height(card)
    image, draw = _canvas(width, height)
    s = card.summary
    _bold(draw, recap.PAD, recap.PAD + 18, "Weekly leg day recap", 18, MUTED)
    _bold(draw, recap.PAD, recap.PAD + 56, _fit(card.server_name, True, 30, 800), 30, TEXT)
    _bold(draw, recap.PAD, 190, str(s.total), 54, TEXT)
    if s.goal:
        draw.rounded_rectangle((34 * S, 210 * S, 846 * S, 228 * S), 9 * S, fill=STRIPE)
        filled = 34 + 812 * min(s.total, s.goal) // s.goal
        draw.rounded_rectangle((34 * S, 210 * S, filled * S, 228 * S), 9 * S, fill=ACCENT)
    y = 300
    for count, ids in s.leaders:
        names = ", ".join(card.names.get(i, "?") for i in ids)
        _text(draw, 94, y, _fit(names, False, 22, 500), 22, TEXT)
        _bold(draw, 700, y, f"{count} leg days", 21, TEXT)
        y += 48
    tiles = (len(s.kept), len(s.new_bests), len(s.shields_used), len(s.paused), len(s.newcomers))
    for index, number in enumerate(tiles):
        left = 34 + index * 165
        draw.rounded_rectangle(
            (left * S, (height - 130) * S, (left + 152) * S, (height - 34) * S),
            12 * S,
            fill=STRIPE,
        )
        _bold(draw, left + 66, height - 82, str(number), 34, TEXT)
    return _png(image, width, height)
