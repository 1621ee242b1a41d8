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

from PIL import Image, ImageDraw, ImageFont

from bot.pictures import canvas, fonts
from bot.pictures.fonts import Weight

PLACEHOLDER = "\ufffd"  # DejaVu draws it: a visible "this character was not drawable"
ELLIPSIS = "…"
MAX_MARKS = 2  # combining marks kept per character: zalgo stays inside its row
MAX_CLUSTERS = 120  # longer text is cut before it is measured, whatever the width
_DROPPED = frozenset({0xFE0E})  # "draw as text": the chain decides
EMOJI_PRESENTATION = "\ufe0f"
SKIN_TONES = frozenset(chr(code) for code in range(0x1F3FB, 0x1F400))
REGIONAL = range(0x1F1E6, 0x1F200)  # two of them make a flag
# Characters below U+1F000 that are emoji by default (Unicode's Emoji_Presentation, from
# emoji-data.txt): drawn from the emoji font even without U+FE0F, as Discord shows them.
_EMOJI_RANGES = (
    (0x231A, 0x231B), (0x23E9, 0x23EC), (0x23F0, 0x23F0), (0x23F3, 0x23F3),
    (0x25FD, 0x25FE), (0x2614, 0x2615), (0x2648, 0x2653), (0x267F, 0x267F),
    (0x2693, 0x2693), (0x26A1, 0x26A1), (0x26AA, 0x26AB), (0x26BD, 0x26BE),
    (0x26C4, 0x26C5), (0x26CE, 0x26CE), (0x26D4, 0x26D4), (0x26EA, 0x26EA),
    (0x26F2, 0x26F3), (0x26F5, 0x26F5), (0x26FA, 0x26FA), (0x26FD, 0x26FD),
    (0x2705, 0x2705), (0x270A, 0x270B), (0x2728, 0x2728), (0x274C, 0x274C),
    (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757), (0x2795, 0x2797),
    (0x27B0, 0x27B0), (0x27BF, 0x27BF), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50),
    (0x2B55, 0x2B55),
)  # fmt: skip
_EMOJI_BY_DEFAULT = frozenset(
    code for first, last in _EMOJI_RANGES for code in range(first, last + 1)
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
    """`text` (cleaned) as characters each with what belongs to it: combining marks,
    joiners, skin tones, the second letter of a flag."""
    found: list[str] = []
    for ch in text:
        if found and (
            ch in JOINERS
            or ch in SKIN_TONES
            or unicodedata.category(ch)[0] == "M"
            or (ord(ch) in REGIONAL and len(found[-1]) == 1 and ord(found[-1]) in REGIONAL)
        ):
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
    dropped; the colour emoji face first for an emoji by default or one asked for with
    U+FE0F; (0, PLACEHOLDER) when no face has the base."""
    files = fonts.chain_files(weight)
    emoji = files.index(fonts.EMOJI)
    base = ord(cluster[0])
    wants_emoji = EMOJI_PRESENTATION in cluster or base in _EMOJI_BY_DEFAULT
    if wants_emoji and base in fonts.coverage(fonts.EMOJI):
        return emoji, cluster
    for index, file in enumerate(files):
        covered = fonts.coverage(file)
        if ord(cluster[0]) in covered:
            if index == emoji:
                return index, cluster  # its own shaping makes one picture of the cluster
            return index, "".join(ch for ch in cluster if _drawable(ch, covered))
    return 0, PLACEHOLDER


def _drawable(ch: str, covered: frozenset[int]) -> bool:
    if ch in JOINERS:
        return _KEEP_JOINERS
    return ord(ch) in covered and ch not in SKIN_TONES and ch != EMOJI_PRESENTATION


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

    def run_width(self, run: Run) -> float:
        length = _length(self.face(run.face), run.text)
        if self.files[run.face] == fonts.EMOJI:
            return length * self.size / fonts.EMOJI_STRIKE
        return length

    @property
    def width(self) -> float:
        return sum(self.run_width(run) for run in self.runs)

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
        return sum(self.run_width(run) for run in runs(text, self.weight))

    def draw(
        self,
        image: Image.Image,
        x: float,
        baseline: float,
        fill: tuple[int, ...],
        align: str = "left",
    ) -> float:
        """Draw on `image` at `baseline`, starting at `x` (align left), ending at `x`
        (right) or centred on it; returns the width drawn."""
        width = self.width
        left = x - width if align == "right" else x - width / 2 if align == "center" else x
        pen = ImageDraw.Draw(image)
        ordered = list(reversed(self.runs)) if self.rtl else self.runs
        for run in ordered:
            if self.files[run.face] == fonts.EMOJI:
                drawn = _emoji(run.text, self.size)
                if drawn is not None:
                    sprite, dx, dy = drawn
                    canvas.paste(image, sprite, round(left + dx), round(baseline + dy))
            else:
                pen.text(
                    (left, baseline), run.text, font=self.face(run.face), fill=fill, anchor="ls"
                )
            left += self.run_width(run)
        return width


@lru_cache(maxsize=512)
def _emoji(text: str, size: int) -> tuple[Image.Image, float, float] | None:
    """Colour emoji drawn at the font's one size and scaled to `size`, with the offset of
    its top left corner from the pen position on the baseline."""
    face = fonts.font(fonts.EMOJI, fonts.EMOJI_STRIKE)
    x0, y0, x1, y1 = (round(edge) for edge in face.getbbox(text, anchor="ls"))
    if x1 <= x0 or y1 <= y0:
        return None
    big = Image.new("RGBA", (x1 - x0, y1 - y0), (0, 0, 0, 0))
    ImageDraw.Draw(big).text((-x0, -y0), text, font=face, anchor="ls", embedded_color=True)
    scale = size / fonts.EMOJI_STRIKE
    small = (max(1, round(big.width * scale)), max(1, round(big.height * scale)))
    return big.resize(small, Image.Resampling.LANCZOS), x0 * scale, y0 * scale


@lru_cache(maxsize=4096)
def _length(face: ImageFont.FreeTypeFont, text: str) -> float:
    return face.getlength(text)
