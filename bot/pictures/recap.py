"""The weekly recap card: a server's week from `bot.core.recap.RecapSummary`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from PIL import Image, ImageDraw

from bot.core.recap import RecapSummary
from bot.pictures import canvas
from bot.pictures.canvas import ACCENT, MEDALS, MUTED, STRIPE, TEXT
from bot.pictures.fonts import Weight
from bot.pictures.text import Line

WIDTH = 880
PAD = 34
BAR_HEIGHT = 18
ROW = 48
BADGE = 38
TILE_GAP = 12
TILE_HEIGHT = 96
UNKNOWN = "(a member)"  # an id the caller had no name for
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class RecapCard:
    server_name: str
    summary: RecapSummary
    names: Mapping[int, str]  # user id -> display name, for the ids in `summary.leaders`


def monday_of(week: int) -> date:
    """The Monday of `days.week_index` week `week`."""
    return date.fromordinal(week * 7 + 1)


def _top_height(summary: RecapSummary) -> int:
    return 44 + ROW * max(len(summary.leaders), 1)


def height(card: RecapCard) -> int:
    return 138 + 118 + _top_height(card.summary) + 24 + TILE_HEIGHT + PAD


def render_recap_card(card: RecapCard) -> bytes:
    """The card as PNG bytes."""
    summary = card.summary
    image = canvas.card(WIDTH, height(card))
    draw = ImageDraw.Draw(image)
    monday = monday_of(summary.week)
    Line("Weekly leg day recap", 18, Weight.BOLD).draw(image, PAD, PAD + 18, MUTED)
    Line(card.server_name, 30, Weight.BOLD, WIDTH - 2 * PAD, empty="This server").draw(
        image, PAD, PAD + 56, TEXT
    )
    Line(_week_span(monday), 21).draw(image, PAD, PAD + 88, MUTED)
    y = 138
    _total(image, draw, summary, y)
    y += 118
    _leaders(image, draw, card, y)
    y += _top_height(summary) + 24
    _tiles(image, draw, summary, y)
    return canvas.png(image)


def _week_span(monday: date) -> str:
    sunday = monday + timedelta(days=6)
    start = f"{monday.day} {_MONTHS[monday.month - 1]}"
    if monday.year != sunday.year:
        start += f" {monday.year}"
    return f"Week of {start} – {sunday.day} {_MONTHS[sunday.month - 1]} {sunday.year}"


def _total(image: Image.Image, draw: ImageDraw.ImageDraw, summary: RecapSummary, y: int) -> None:
    number = Line(f"{summary.total}", 54, Weight.BOLD)
    number.draw(image, PAD, y + 52, TEXT)
    words = "leg day together" if summary.total == 1 else "leg days together"
    Line(words, 22).draw(image, PAD + number.width + 14, y + 52, MUTED)
    if summary.goal is None:
        return
    goal = summary.goal
    if summary.total >= goal:
        status = f"Goal of {goal} met ✓"
    else:
        status = f"{goal - summary.total} short of the goal of {goal}"
    Line(status, 20, Weight.BOLD).draw(image, WIDTH - PAD, y + 50, TEXT, align="right")
    width = WIDTH - 2 * PAD
    canvas.paste(image, canvas.pill(width, BAR_HEIGHT, canvas.EMPTY_BAR), PAD, y + 72)
    filled = round(width * min(summary.total, goal) / goal)
    if filled >= BAR_HEIGHT:
        canvas.paste(image, canvas.pill(filled, BAR_HEIGHT, ACCENT), PAD, y + 72)


def _leaders(image: Image.Image, draw: ImageDraw.ImageDraw, card: RecapCard, y: int) -> None:
    Line("Top of the week", 20, Weight.BOLD).draw(image, PAD, y + 22, TEXT)
    y += 44
    leaders = card.summary.leaders
    if not leaders:
        Line("No leg days this week. Fresh week, fresh start!", 21).draw(image, PAD, y + 30, MUTED)
        return
    rank = 1
    for index, (count, ids) in enumerate(leaders):
        if index % 2 == 1:
            draw.rectangle((PAD - 6, y, WIDTH - PAD + 6, y + ROW - 1), fill=STRIPE)
        baseline = y + ROW // 2 + 8
        center = PAD + 22
        if rank <= len(MEDALS):
            canvas.paste(image, canvas.disc(BADGE, MEDALS[rank - 1]), center - BADGE // 2, y + 5)
        color = canvas.DARK_TEXT if rank <= len(MEDALS) else TEXT
        Line(f"{rank}", 21, Weight.BOLD).draw(image, center, baseline, color, align="center")
        days = Line(f"{count} leg day" if count == 1 else f"{count} leg days", 21, Weight.BOLD)
        days.draw(image, WIDTH - PAD - 8, baseline, TEXT, align="right")
        room = WIDTH - PAD - 8 - days.width - 24 - (PAD + 60)
        names = ", ".join(card.names.get(user_id) or UNKNOWN for user_id in ids)
        Line(names, 22, max_width=room, empty=UNKNOWN).draw(image, PAD + 60, baseline, TEXT)
        rank += len(ids)
        y += ROW


def _tiles(image: Image.Image, draw: ImageDraw.ImageDraw, summary: RecapSummary, y: int) -> None:
    tiles = (
        (len(summary.kept), "streaks kept"),
        (len(summary.new_bests), "new bests"),
        (len(summary.shields_used), "shields spent"),
        (len(summary.paused), "on a break"),
        (len(summary.newcomers), "first leg days"),
    )
    width = (WIDTH - 2 * PAD - TILE_GAP * (len(tiles) - 1)) / len(tiles)
    for index, (number, label) in enumerate(tiles):
        left = PAD + index * (width + TILE_GAP)
        draw.rounded_rectangle(
            (left, y, left + width, y + TILE_HEIGHT), 12, fill=STRIPE, outline=canvas.FRAME
        )
        center = left + width / 2
        Line(f"{number}", 34, Weight.BOLD).draw(image, center, y + 48, TEXT, align="center")
        Line(label, 16, max_width=width - 12).draw(image, center, y + 76, MUTED, align="center")
