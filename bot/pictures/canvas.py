"""What every picture shares: the palette, the card with its rounded frame, PNG bytes.

The card is an opaque dark panel with a lighter frame and transparent corners, so it
reads the same posted in Discord's dark theme and its light one. Every text colour is
checked against the panel for WCAG AA contrast (tests/unit/test_pictures.py).
Shapes with curves are drawn once per process at 4x and scaled down (smooth edges),
then pasted: the per-picture work is only text and rectangles.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw

Color = tuple[int, int, int]

PANEL: Color = (30, 33, 43)
FRAME: Color = (78, 86, 110)
STRIPE: Color = (39, 43, 56)  # every other row
EMPTY_BAR: Color = (58, 64, 82)  # a progress bar's track
TEXT: Color = (242, 243, 245)
MUTED: Color = (181, 187, 199)
ACCENT: Color = (88, 214, 141)  # progress, leg days
WARN: Color = (250, 176, 5)  # shields
DARK_TEXT: Color = (22, 24, 30)  # on the medal discs
MEDALS: tuple[Color, ...] = ((240, 193, 75), (199, 206, 217), (214, 140, 76))

RADIUS = 22
BORDER = 3
SCALE = 4  # supersampling of the cached curved shapes
PNG_LEVEL = 6
# A card has a few flat colours and their anti-aliased edges: 256 palette entries keep
# it visually the same, and the palette PNG is ~4x smaller and faster to encode than RGBA.
PALETTE = 256


@cache
def _card(width: int, height: int) -> Image.Image:
    big = Image.new("RGBA", (width * SCALE, height * SCALE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    box = (0, 0, width * SCALE - 1, height * SCALE - 1)
    draw.rounded_rectangle(box, RADIUS * SCALE, fill=FRAME)
    inner = BORDER * SCALE
    draw.rounded_rectangle(
        (inner, inner, box[2] - inner, box[3] - inner), (RADIUS - BORDER) * SCALE, fill=PANEL
    )
    return big.resize((width, height), Image.Resampling.LANCZOS)


def card(width: int, height: int) -> Image.Image:
    """A fresh card of `width` x `height` to draw on."""
    return _card(width, height).copy()


@cache
def disc(diameter: int, color: Color) -> Image.Image:
    """A smooth filled circle on a transparent square, to paste with itself as the mask."""
    big = Image.new("RGBA", (diameter * SCALE, diameter * SCALE), (0, 0, 0, 0))
    ImageDraw.Draw(big).ellipse((0, 0, diameter * SCALE - 1, diameter * SCALE - 1), fill=color)
    return big.resize((diameter, diameter), Image.Resampling.LANCZOS)


@cache
def pill(width: int, height: int, color: Color) -> Image.Image:
    """A smooth rounded bar (a progress bar's track or fill)."""
    big = Image.new("RGBA", (width * SCALE, height * SCALE), (0, 0, 0, 0))
    ImageDraw.Draw(big).rounded_rectangle(
        (0, 0, width * SCALE - 1, height * SCALE - 1), height * SCALE // 2, fill=color
    )
    return big.resize((width, height), Image.Resampling.LANCZOS)


def paste(image: Image.Image, piece: Image.Image, x: int, y: int) -> None:
    """Blend `piece` over `image` at (x, y); any part outside the image is left out."""
    left, top = max(x, 0), max(y, 0)
    right, bottom = min(x + piece.width, image.width), min(y + piece.height, image.height)
    if right <= left or bottom <= top:
        return
    if (left, top, right, bottom) != (x, y, x + piece.width, y + piece.height):
        piece = piece.crop((left - x, top - y, right - x, bottom - y))
    image.alpha_composite(piece, (left, top))


def png(image: Image.Image) -> bytes:
    """The picture as PNG bytes; the same image always gives the same bytes."""
    out = io.BytesIO()
    paletted = image.quantize(PALETTE, method=Image.Quantize.FASTOCTREE)
    # The quantizer rounds alpha too: snap near-opaque back to opaque (the panel) and
    # near-clear to clear (outside the frame).
    entries = paletted.getpalette("RGBA") or []
    for at in range(3, len(entries), 4):
        entries[at] = 255 if entries[at] >= 248 else 0 if entries[at] <= 7 else entries[at]
    paletted.putpalette(entries, "RGBA")
    paletted.save(out, "PNG", compress_level=PNG_LEVEL)
    return out.getvalue()


def relative_luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Color, b: Color) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
