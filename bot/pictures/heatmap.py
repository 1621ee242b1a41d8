"""A member's year of leg days: one square a day, a column a week, Monday on top."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from PIL import Image, ImageDraw

from bot.pictures import canvas
from bot.pictures.canvas import ACCENT, MUTED, TEXT, WARN
from bot.pictures.fonts import Weight
from bot.pictures.text import Line

WEEKS = 52
CELL = 15
STEP = 18
PAD = 30
LABELS = 46  # the weekday labels' column
GRID_X = PAD + LABELS
GRID_Y = 118
WIDTH = GRID_X + WEEKS * STEP + PAD - (STEP - CELL)
HEIGHT = GRID_Y + 7 * STEP + 88
EMPTY: canvas.Color = (54, 60, 76)
PAUSED: canvas.Color = (44, 48, 61)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class Heatmap:
    title: str  # e.g. the member's name
    today: date  # in the member's zone: the last column is its week
    days: frozenset[date]  # leg days (any outside the 52 weeks are ignored)
    shield_weeks: frozenset[date]  # weeks a shield was spent on (any day of each; Mondays)
    paused_weeks: frozenset[date]  # paused weeks (likewise)
    target: int  # leg days a week that meet the weekly target


def first_monday(today: date) -> date:
    return today - timedelta(days=today.weekday() + 7 * (WEEKS - 1))


def render_heatmap(h: Heatmap) -> bytes:
    """The heatmap as PNG bytes."""
    image = canvas.card(WIDTH, HEIGHT)
    draw = ImageDraw.Draw(image)
    start = first_monday(h.today)
    shown = sorted(day for day in h.days if start <= day <= h.today)
    Line(h.title, 26, Weight.BOLD, WIDTH - 2 * PAD, empty="Leg days").draw(
        image, PAD, PAD + 26, TEXT
    )
    target = max(h.target, 1)
    summary = f"{_plural(len(shown), 'leg day')} in the last {WEEKS} weeks · weekly target {target}"
    Line(summary, 19, max_width=WIDTH - 2 * PAD).draw(image, PAD, PAD + 58, MUTED)
    for row, label in ((0, "Mon"), (2, "Wed"), (4, "Fri"), (6, "Sun")):
        Line(label, 14).draw(image, PAD, GRID_Y + row * STEP + 12, MUTED)
    leg_days = set(shown)
    shields, pauses = _mondays(h.shield_weeks), _mondays(h.paused_weeks)
    per_week = [0] * WEEKS
    for day in shown:
        per_week[(day - start).days // 7] += 1
    last_label = -99
    for week in range(WEEKS):
        monday = start + timedelta(weeks=week)
        x = GRID_X + week * STEP
        sunday = monday + timedelta(days=6)
        if sunday.day <= 7 and week - last_label >= 3:  # the week holds a 1st of the month
            Line(_MONTHS[sunday.month - 1], 14).draw(image, x, GRID_Y - 10, MUTED)
            last_label = week
        paused = monday in pauses
        for weekday in range(7):
            day = monday + timedelta(weekday)
            if day > h.today:
                break
            y = GRID_Y + weekday * STEP
            color = ACCENT if day in leg_days else PAUSED if paused else EMPTY
            draw.rectangle((x, y, x + CELL - 1, y + CELL - 1), fill=color)
            if day == h.today:
                draw.rectangle((x - 2, y - 2, x + CELL + 1, y + CELL + 1), outline=TEXT, width=2)
        if paused:
            canvas.paste(image, _hatch(), x, GRID_Y)
        if monday in shields:
            draw.rectangle(
                (x - 2, GRID_Y - 2, x + CELL + 1, GRID_Y + 7 * STEP - STEP + CELL + 1),
                outline=WARN,
                width=2,
            )
        if per_week[week] >= target:
            bar_y = GRID_Y + 7 * STEP + 2
            draw.rectangle((x, bar_y, x + CELL - 1, bar_y + 3), fill=ACCENT)
    _legend(image, draw, target)
    return canvas.png(image)


@cache
def _hatch() -> Image.Image:
    """Diagonal stripes over a week's column: a paused week, told apart by its pattern."""
    tall = 7 * STEP - (STEP - CELL)
    tile = Image.new("RGBA", (CELL, tall), (0, 0, 0, 0))
    draw = ImageDraw.Draw(tile)
    for offset in range(-tall, CELL + tall, 6):
        draw.line((offset, tall, offset + tall, 0), fill=(*MUTED, 200), width=2)
    return tile


def _legend(image: Image.Image, draw: ImageDraw.ImageDraw, target: int) -> None:
    y = GRID_Y + 7 * STEP + 30
    x = GRID_X
    baseline = y + 13

    def label(text: str) -> None:
        nonlocal x
        x += 8 + round(Line(text, 16).draw(image, x + 8, baseline, MUTED)) + 26

    draw.rectangle((x, y, x + CELL - 1, y + CELL - 1), fill=ACCENT)
    x += CELL
    label("Leg day")
    draw.rectangle((x, y, x + CELL - 1, y + CELL - 1), fill=EMPTY)
    x += CELL
    label("No leg day")
    draw.rectangle((x, y + 6, x + CELL - 1, y + 9), fill=ACCENT)
    x += CELL
    label(f"Target met ({target}+ a week)")
    draw.rectangle((x, y, x + CELL - 1, y + CELL - 1), fill=PAUSED)
    canvas.paste(image, _hatch().crop((0, 0, CELL, CELL)), x, y)
    x += CELL
    label("Paused")
    draw.rectangle((x - 2, y - 2, x + CELL + 1, y + CELL + 1), outline=WARN, width=2)
    x += CELL
    label("Shield spent")
    draw.rectangle((x - 2, y - 2, x + CELL + 1, y + CELL + 1), outline=TEXT, width=2)
    x += CELL
    label("Today")


def _mondays(days: frozenset[date]) -> set[date]:
    return {day - timedelta(days=day.weekday()) for day in days}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
