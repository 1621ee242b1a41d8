"""Drawing text that anyone typed: cleaned, split across the font chain, fitted to a width.

A member's name can hold anything: control and zero-width characters, bidi overrides,
hundreds of stacked combining marks, scripts and emoji no single font covers. `Line`
turns such a string into runs of text, each drawn by the first bundled face that has
every glyph in it; a character no face has becomes a visible U+FFFD, never a crash or a
silent gap. A name too wide for its column ends in an ellipsis.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageDraw, ImageFont

from bot.pictures import fonts
from bot.pictures.fonts import Weight

PLACEHOLDER = "\ufffd"  # DejaVu draws it: a visible "this character was not drawable"
ELLIPSIS = "…"
MAX_MARKS = 2  # combining marks kept per character: zalgo stays inside its row
MAX_CLUSTERS = 120  # longer text is cut before it is measured, whatever the width
_DROPPED = frozenset(
    {
        0xFE0E,
        0xFE0F,  # variation selectors: text/emoji presentation
        *range(0x1F3FB, 0x1F400),  # skin-tone modifiers, meaningless in one colour
    }
)
_STRONG_RTL = frozenset({"R", "AL"})
# Zero-width (non-)joiners shape the letters around them (Persian, Indic, emoji
# sequences): kept inside a word, drawn as nothing by any face.
JOINERS = frozenset({"\u200c", "\u200d"})
# Without libraqm, Pillow would draw a joiner as the font's missing-glyph box.
_KEEP_JOINERS = fonts.layout_engine() == ImageFont.Layout.RAQM


def clean(text: str) -> str:
    """`text` without control, format and private characters, with marks capped and
    whitespace collapsed to single spaces."""
    out: list[str] = []
    marks = 0
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] == "Z" or ch in "\t\n\r\v\f":
            if out and out[-1] != " ":
                out.append(" ")
            marks = 0
            continue
        if ch in JOINERS and out and out[-1] != " ":
            out.append(ch)
            continue
        if category in ("Cc", "Cf", "Cs") or ord(ch) in _DROPPED:
            continue
        if category[0] == "M":
            if not out or out[-1] == " " or marks >= MAX_MARKS:
                continue
            marks += 1
        else:
            marks = 0
        out.append(PLACEHOLDER if category in ("Co", "Cn") else ch)
    return "".join(out).strip(" ").rstrip("\u200c\u200d")


def clusters(text: str) -> list[str]:
    """`text` (cleaned) as characters each with its combining marks and joiners."""
    found: list[str] = []
    for ch in text:
        if found and (ch in JOINERS or unicodedata.category(ch)[0] == "M"):
            found[-1] += ch
        else:
            found.append(ch)
    return found


@dataclass(frozen=True, slots=True)
class Run:
    face: int  # index into the weight's font chain
    text: str


def _face_for(cluster: str, weight: Weight) -> tuple[int, str]:
    """The first face that has the cluster's base character, with the marks it lacks
    dropped; (0, PLACEHOLDER) when none has the base."""
    for index, file in enumerate(fonts.chain_files(weight)):
        covered = fonts.coverage(file)
        if ord(cluster[0]) in covered:
            kept = (ch for ch in cluster if ord(ch) in covered or (_KEEP_JOINERS and ch in JOINERS))
            return index, "".join(kept)
    return 0, PLACEHOLDER


def runs(text: str, weight: Weight) -> list[Run]:
    """Cleaned `text` split into runs of one face each, in logical order."""
    found: list[Run] = []
    for cluster in clusters(text)[:MAX_CLUSTERS]:
        face, drawn = _face_for(cluster, weight)
        if found and found[-1].face == face:
            found[-1] = Run(face, found[-1].text + drawn)
        else:
            found.append(Run(face, drawn))
    return found


def right_to_left(text: str) -> bool:
    """Whether the first strongly directional character is Hebrew or Arabic (the
    paragraph direction of the Unicode bidi algorithm, rules P2-P3)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in _STRONG_RTL:
            return True
        if kind == "L":
            return False
    return False


class Line:
    """One line of text in a style, fitted to `max_width` pixels (None: as wide as it is)."""

    def __init__(
        self,
        text: str,
        size: int,
        weight: Weight = Weight.REGULAR,
        max_width: float | None = None,
        empty: str = "",
    ) -> None:
        self.size = size
        self.weight = weight
        self.files = fonts.chain_files(weight)
        cleaned = clean(text) or empty
        self.rtl = right_to_left(cleaned)
        self.runs = runs(cleaned, weight)
        self.truncated = False
        if max_width is not None and self.width > max_width:
            self.runs = self._fit(cleaned, max_width)
            self.truncated = True

    def face(self, index: int) -> ImageFont.FreeTypeFont:
        return fonts.font(self.files[index], self.size)

    @property
    def width(self) -> float:
        return sum(_length(self.face(run.face), run.text) for run in self.runs)

    def _fit(self, cleaned: str, max_width: float) -> list[Run]:
        parts = clusters(cleaned)[:MAX_CLUSTERS]
        room = max_width - _length(self.face(0), ELLIPSIS)
        low, high = 0, len(parts)  # parts[:low] fits, parts[:high] does not
        while high - low > 1:
            middle = (low + high) // 2
            if self._width_of("".join(parts[:middle])) <= room:
                low = middle
            else:
                high = middle
        kept = runs("".join(parts[:low]).rstrip(" "), self.weight)
        if kept and kept[-1].face == 0:
            kept[-1] = Run(0, kept[-1].text + ELLIPSIS)
        else:
            kept.append(Run(0, ELLIPSIS))
        return kept

    def _width_of(self, text: str) -> float:
        return sum(_length(self.face(run.face), run.text) for run in runs(text, self.weight))

    def draw(
        self,
        draw: ImageDraw.ImageDraw,
        x: float,
        baseline: float,
        fill: tuple[int, ...],
        align: str = "left",
    ) -> float:
        """Draw at `baseline`, starting at `x` (align left) or ending at `x` (right);
        returns the width drawn."""
        width = self.width
        left = x - width if align == "right" else x - width / 2 if align == "center" else x
        ordered = list(reversed(self.runs)) if self.rtl else self.runs
        for run in ordered:
            face = self.face(run.face)
            draw.text((left, baseline), run.text, font=face, fill=fill, anchor="ls")
            left += _length(face, run.text)
        return width


@lru_cache(maxsize=4096)
def _length(face: ImageFont.FreeTypeFont, text: str) -> float:
    return face.getlength(text)
