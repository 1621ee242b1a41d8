"""The bundled fonts: loaded once per process, and which characters each one draws.

The chain, tried in order for each character: DejaVu Sans (Latin, Greek, Cyrillic,
Georgian, Armenian, Arabic, Hebrew, many symbols), Droid Sans Fallback (Chinese,
Japanese), NanumSquare (Korean), Noto Sans for 13 more scripts (Indic, South-East Asian,
Ethiopic), Noto Color Emoji (emoji in colour, with skin tones, flags and ZWJ sequences),
Symbola (other symbols, in one colour). A face is opened only when some text needs it.
Each file's licence sits beside it in fonts/.
"""

from __future__ import annotations

import struct
from enum import Enum
from functools import cache
from pathlib import Path

from PIL import ImageFont, features

FONT_DIR = Path(__file__).resolve().parent / "fonts"

REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"
#: Noto Sans for scripts of South and South-East Asia and Ethiopia (DejaVu has Georgian,
#: Armenian and Lao)
NOTO_SCRIPTS = tuple(
    f"NotoSans{script}-Regular.ttf"
    for script in (
        "Devanagari",
        "Bengali",
        "Tamil",
        "Telugu",
        "Gujarati",
        "Gurmukhi",
        "Kannada",
        "Malayalam",
        "Sinhala",
        "Thai",
        "Khmer",
        "Myanmar",
        "Ethiopic",
    )
)
EMOJI = "NotoColorEmoji.ttf"  # colour bitmaps, only at their one size
EMOJI_STRIKE = 109
FALLBACKS = (
    "DroidSansFallbackFull.ttf",
    "NanumSquareR.ttf",
    *NOTO_SCRIPTS,
    EMOJI,
    "Symbola.ttf",
)
#: each font file's licence, beside it (Bitstream Vera licence, Apache 2.0, Symbola's own)
LICENCES = {
    REGULAR: "LICENSE-DejaVu.txt",
    BOLD: "LICENSE-DejaVu.txt",
    "DroidSansFallbackFull.ttf": "LICENSE-DroidSansFallback.txt",
    "NanumSquareR.ttf": "LICENSE-Nanum.txt",
    "Symbola.ttf": "LICENSE-Symbola.txt",
    EMOJI: "LICENSE-NotoColorEmoji.txt",
    **{file: "LICENSE-Noto.txt" for file in NOTO_SCRIPTS},
}


class Weight(Enum):
    REGULAR = REGULAR
    BOLD = BOLD


def layout_engine() -> ImageFont.Layout:
    """libraqm (bidirectional text, Arabic joining, combining marks) where Pillow has it."""
    return ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC


@cache
def font(file: str, size: int) -> ImageFont.FreeTypeFont:
    """One FreeType face per file and size, kept for the life of the process. The emoji
    font exists at one size only (`EMOJI_STRIKE`): the caller scales its drawings."""
    if file == EMOJI:
        size = EMOJI_STRIKE
    return ImageFont.truetype(str(FONT_DIR / file), size, layout_engine=layout_engine())


def chain_files(weight: Weight) -> tuple[str, ...]:
    return (weight.value, *FALLBACKS)


@cache
def coverage(file: str) -> frozenset[int]:
    """The code points `file` maps to a real glyph (its cmap), read once per process."""
    return read_cmap((FONT_DIR / file).read_bytes())


def read_cmap(data: bytes) -> frozenset[int]:
    """Code points with a glyph in a TrueType/OpenType font's Unicode cmap.

    Reads the full-range subtable (format 12) when there is one, else the BMP one
    (format 4). Raises ValueError for a file without either.
    """
    (num_tables,) = struct.unpack_from(">H", data, 4)
    cmap_at = None
    for index in range(num_tables):
        tag, _, offset, _ = struct.unpack_from(">4sIII", data, 12 + 16 * index)
        if tag == b"cmap":
            cmap_at = offset
    if cmap_at is None:
        raise ValueError("the font has no cmap table")
    (subtables,) = struct.unpack_from(">H", data, cmap_at + 2)
    found: dict[int, int] = {}
    for index in range(subtables):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap_at + 4 + 8 * index)
        if (platform, encoding) in ((3, 1), (3, 10), (0, 3), (0, 4), (0, 6)):
            at = cmap_at + offset
            (fmt,) = struct.unpack_from(">H", data, at)
            if fmt in (4, 12):
                found.setdefault(fmt, at)
    if 12 in found:
        return _format12(data, found[12])
    if 4 in found:
        return _format4(data, found[4])
    raise ValueError("the font has no Unicode cmap subtable of format 4 or 12")


def _format12(data: bytes, at: int) -> frozenset[int]:
    (groups,) = struct.unpack_from(">I", data, at + 12)
    points: set[int] = set()
    for index in range(groups):
        start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * index)
        first = start + 1 if glyph == 0 else start  # glyph 0 is .notdef: no glyph
        points.update(range(first, end + 1))
    return frozenset(points)


def _format4(data: bytes, at: int) -> frozenset[int]:
    (seg_x2,) = struct.unpack_from(">H", data, at + 6)
    segs = seg_x2 // 2
    ends = struct.unpack_from(f">{segs}H", data, at + 14)
    starts_at = at + 16 + seg_x2
    starts = struct.unpack_from(f">{segs}H", data, starts_at)
    deltas = struct.unpack_from(f">{segs}h", data, starts_at + seg_x2)
    ranges_at = starts_at + 2 * seg_x2
    range_offsets = struct.unpack_from(f">{segs}H", data, ranges_at)
    points: set[int] = set()
    for seg in range(segs):
        start, end = starts[seg], ends[seg]
        if start == 0xFFFF:
            continue
        for code in range(start, end + 1):
            if range_offsets[seg] == 0:
                glyph = (code + deltas[seg]) & 0xFFFF
            else:
                where = ranges_at + 2 * seg + range_offsets[seg] + 2 * (code - start)
                (glyph,) = struct.unpack_from(">H", data, where)
                if glyph:
                    glyph = (glyph + deltas[seg]) & 0xFFFF
            if glyph:
                points.add(code)
    return frozenset(points)
