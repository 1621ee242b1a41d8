"""The picture renderers: any name renders, every picture is a small deterministic PNG,
the colours pass WCAG AA, and the fonts ship with the package."""

from __future__ import annotations

import fnmatch
import io
import tomllib
import unicodedata
from dataclasses import replace
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFont

from bot.core.recap import RecapSummary
from bot.pictures import (
    BoardCard,
    BoardCardRow,
    Heatmap,
    RecapCard,
    board,
    canvas,
    fonts,
    heatmap,
    recap,
    render_board_card,
    render_heatmap,
    render_recap_card,
    samples,
    text,
)

ROOT = Path(__file__).resolve().parents[2]
DISCORD_LIMIT = 10 * 1024 * 1024

HOSTILE_NAMES = [
    "Alex",
    "Маша Иванова",  # Cyrillic
    "Γιώργος Παπαδόπουλος",  # Greek
    "田中太郎",  # CJK
    "김민준",  # Hangul
    "محمد علي",  # Arabic (RTL, joined letters)
    "שרה כהן",  # Hebrew (RTL)
    "Sam محمد 123",  # mixed directions
    "💪 Legs McGee 🦵",  # emoji, one the fonts lack
    "👨‍👩‍👧‍👦 family",  # ZWJ sequence
    "🏳️‍🌈🇺🇦",  # flags and variation selectors
    "👍🏽 thumbs",  # skin-tone modifier
    "Z̷̢̛̛̪̻̗̝̯̫̥̙̦̈́̋͐̋̿̀͘͠a̸̧̛̖̯͎̞̹̱̺̿̈̓͋̀̀́̐̒l̵̨̨̼̫̙̭̘̰̲̏̋̓̓͒̕g̶͇̗̋̑̓̈́̓́͘͝o̷",  # zalgo
    "a\u200b\u200c\u200d\ufeffb",  # zero-width characters
    "\u202eevil override\u202c",  # bidi override
    "tab\there\nnew\rline\x00nul\x07bell\x1b[31mansi",  # control characters
    "\ue000\uf8ff private",  # private use
    "\u0378\u0379 unassigned",  # unassigned code points
    "x" * 200,  # 200 characters
    "W" * 200,
    "田" * 200,
    "محمد" * 50,
    "",  # empty
    "   ",  # blank
    "\u200b\u200b",  # only invisible
    "̈́̈́̈́",  # only combining marks
    "𝕱𝖗𝖆𝖐𝖙𝖚𝖗 𝓢𝓬𝓻𝓲𝓹𝓽",  # mathematical alphanumerics
    "ｆｕｌｌｗｉｄｔｈ",  # full width
    "<@123> @everyone **bold** `code`",  # Discord markup is just text here
    "﷽",  # one very wide ligature
    "ஸ்ரீ हिन्दी ไทย",  # scripts without a bundled font: placeholders
]


def png_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG"
    return image


def board_with(names: list[str]) -> BoardCard:
    rows = tuple(
        BoardCardRow(rank=i + 1, name=name, count=100 - i, streak=i % 7)
        for i, name in enumerate(names[:10])
    )
    viewer = BoardCardRow(rank=77, name=names[-1], count=1, streak=0)
    return BoardCard(names[0], names[1 % len(names)], "Leg days", rows, 1, 3, viewer, names[-1])


def recap_with(names: list[str]) -> RecapCard:
    summary = RecapSummary(
        week=3000,
        total=12,
        goal=20,
        goal_met=False,
        leaders=[(4, [1, 2, 3]), (3, [4])],
        new_bests=[(1, 3)],
        kept=[],
        shields_used=[(4, 2)],
        newcomers=[5],
        paused=[],
    )
    return RecapCard(names[0], summary, dict(enumerate(names[:4], start=1)))


def heatmap_with(title: str) -> Heatmap:
    return replace(samples.heatmap(), title=title)


def check_png(data: bytes, width: int, height: int) -> None:
    assert len(data) < DISCORD_LIMIT
    image = png_image(data)
    assert image.size == (width, height)
    assert image.mode in ("P", "RGBA")
    # Opaque inside, transparent outside the rounded corner.
    rgba = image.convert("RGBA")
    assert rgba.getpixel((width // 2, height // 2))[3] == 255
    assert rgba.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_every_picture_renders_a_hostile_name(name):
    card = board_with([name] * 10)
    check_png(render_board_card(card), board.WIDTH, board.height(card))
    check_png(render_heatmap(heatmap_with(name)), heatmap.WIDTH, heatmap.HEIGHT)
    rc = recap_with([name] * 4)
    check_png(render_recap_card(rc), recap.WIDTH, recap.height(rc))


def test_the_whole_corpus_on_one_board_page_by_page():
    for start in range(0, len(HOSTILE_NAMES), 10):
        card = board_with(HOSTILE_NAMES[start : start + 10])
        check_png(render_board_card(card), board.WIDTH, board.height(card))


def test_the_same_input_gives_the_same_bytes():
    for render, data in (
        (render_board_card, board_with(HOSTILE_NAMES[:10])),
        (render_heatmap, samples.heatmap()),
        (render_recap_card, recap_with(HOSTILE_NAMES[5:9])),
    ):
        assert render(data) == render(data)  # type: ignore[operator]


def test_a_different_name_gives_a_different_picture():
    assert render_board_card(samples.board()) != render_board_card(
        samples.board(names=("Alex", "Sam", "Jordan", "Priya", "Chen", "Olu", "Maria", "Dev"))
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=250), min_size=1, max_size=10))
def test_any_text_renders_on_a_board(names):
    card = board_with(names)
    check_png(render_board_card(card), board.WIDTH, board.height(card))


numbers = st.integers(min_value=-(10**15), max_value=10**15)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(numbers, numbers, numbers), min_size=1, max_size=10), numbers)
def test_any_numbers_render_on_a_board(triples, page):
    rows = tuple(BoardCardRow(rank, "Alex", count, streak) for rank, count, streak in triples)
    card = BoardCard("Gym", "This week", "Leg days", rows, page, page, rows[0], None)
    check_png(render_board_card(card), board.WIDTH, board.height(card))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=250), st.text(max_size=250))
def test_any_text_renders_on_a_recap_and_a_heatmap(server, member):
    rc = recap_with([server, member, member, server])
    check_png(render_recap_card(rc), recap.WIDTH, recap.height(rc))
    check_png(render_heatmap(heatmap_with(member)), heatmap.WIDTH, heatmap.HEIGHT)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.integers(min_value=1, max_value=600))
def test_a_fitted_line_never_exceeds_its_width(name, width):
    line = text.Line(name, 23, max_width=width, empty="(no name)")
    assert line.width <= max(width, line.face(0).getlength(text.ELLIPSIS)) + 0.5
    drawn = "".join(run.text for run in line.runs)
    assert drawn  # never nothing at all
    if line.truncated:
        assert drawn.endswith(text.ELLIPSIS)


def test_a_long_name_is_cut_with_an_ellipsis_and_a_short_one_is_not():
    long = text.Line("x" * 200, 23, max_width=300)
    assert long.truncated and long.width <= 300
    assert "".join(r.text for r in long.runs).endswith("…")
    short = text.Line("Alex", 23, max_width=300)
    assert not short.truncated and "".join(r.text for r in short.runs) == "Alex"


def test_cleaning_drops_invisible_and_control_characters():
    assert text.clean("a\u200bb\u202ec\x00d\te\n\nf") == "abcd e f"
    assert text.clean("  \u200b ") == ""
    assert text.clean("👍🏽\ufe0f\ufe0e") == "👍🏽\ufe0f"  # the emoji font draws them as one


def test_joiners_stay_inside_words_only():
    assert text.clean("می\u200cخواهم") == "می\u200cخواهم"  # Persian: ZWNJ shapes the word
    assert text.clean("\u200dab\u200c") == "ab"
    assert text.clean("a \u200db") == "a b"
    [run] = text.runs("می\u200cخواهم", fonts.Weight.REGULAR)
    assert run.face == 0 and "\u200c" in run.text


def test_every_bundled_script_font_draws_its_script():
    samples_by_font = {
        "NotoSansDevanagari-Regular.ttf": "हिन्दी",
        "NotoSansBengali-Regular.ttf": "বাংলা",
        "NotoSansTamil-Regular.ttf": "தமிழ்",
        "NotoSansThai-Regular.ttf": "ไทย",
        "DejaVuSans.ttf": "ქართული Հայերեն",
        "NotoSansEthiopic-Regular.ttf": "አማርኛ",
        "NanumSquareR.ttf": "한국어",
        "DroidSansFallbackFull.ttf": "日本語",
    }
    files = fonts.chain_files(fonts.Weight.REGULAR)
    for file, word in samples_by_font.items():
        [run] = text.runs(word, fonts.Weight.REGULAR)
        assert files[run.face] == file and text.PLACEHOLDER not in run.text, word


def test_emoji_are_drawn_in_colour_as_one_picture_per_sequence():
    emoji = fonts.chain_files(fonts.Weight.REGULAR).index(fonts.EMOJI)
    for sequence in (
        "👨\u200d👩\u200d👧\u200d👦",
        "👍🏽",
        "🇺🇦",
        "🏳\ufe0f\u200d🌈",
        "1\ufe0f\u20e3",
        "🦵",
    ):
        [run] = text.runs(text.clean(sequence), fonts.Weight.REGULAR)
        assert run.face == emoji, sequence
        line = text.Line(sequence, 40)
        assert 30 < line.width < 60, sequence  # one emoji wide, not one per code point
    assert [len(c) for c in text.clusters("🇺🇦🇵🇱")] == [2, 2]  # flags are not split
    image = Image.new("RGBA", (80, 60), (*canvas.PANEL, 255))
    text.Line("🦵", 40).draw(image, 10, 45, canvas.TEXT)
    colours = {image.getpixel((x, y))[:3] for x in range(80) for y in range(60)}
    assert any(max(c) - min(c) > 80 for c in colours)  # saturated: drawn in colour
    # "❤" alone is text (DejaVu draws it); with U+FE0F it asks for the emoji picture.
    assert text.runs("❤", fonts.Weight.REGULAR)[0].face == 0
    assert text.runs("❤\ufe0f", fonts.Weight.REGULAR)[0].face == emoji
    assert text.runs("☕", fonts.Weight.REGULAR)[0].face == emoji  # emoji by default


def test_combining_marks_are_capped_per_character():
    cleaned = text.clean("a" + "\u0301" * 50 + "b")
    assert cleaned == "a\u0301\u0301b"
    assert text.clean("\u0301\u0301x") == "x"  # marks on nothing are dropped


def test_a_character_no_font_has_becomes_a_visible_placeholder():
    for name in ("\ue000", "\u0378", "\U00013000", "\u0f40"):
        drawn = "".join(run.text for run in text.Line(name, 20).runs)
        assert drawn == text.PLACEHOLDER, name


def test_each_script_is_drawn_by_a_font_that_has_it():
    assert [r.face for r in text.runs("Alex", fonts.Weight.REGULAR)] == [0]
    assert [r.face for r in text.runs("田中", fonts.Weight.REGULAR)] == [1]
    assert [r.face for r in text.runs("김민준", fonts.Weight.REGULAR)] == [2]
    emoji = fonts.chain_files(fonts.Weight.REGULAR).index(fonts.EMOJI)
    assert [r.face for r in text.runs("💪", fonts.Weight.REGULAR)] == [emoji]
    mixed = text.runs("Ana 田中 💪", fonts.Weight.BOLD)
    assert [r.face for r in mixed] == [0, 1, 0, emoji]
    symbola = fonts.chain_files(fonts.Weight.REGULAR).index("Symbola.ttf")
    assert [r.face for r in text.runs("\u2bd1", fonts.Weight.REGULAR)] == [symbola]
    for run in mixed:
        file = fonts.chain_files(fonts.Weight.BOLD)[run.face]
        assert all(ord(ch) in fonts.coverage(file) for ch in run.text)


def test_right_to_left_is_the_first_strong_direction():
    assert text.right_to_left("محمد Sam")
    assert text.right_to_left("123 שרה")
    assert not text.right_to_left("Sam محمد")
    assert not text.right_to_left("123")


def test_the_cmap_reader_agrees_with_what_freetype_draws():
    face = fonts.font(fonts.REGULAR, 20)
    covered = fonts.coverage(fonts.REGULAR)
    missing = face.getmask("\U0001f9b5").getbbox()  # the .notdef box
    assert 0x41 in covered and 0x416 in covered and 0x1F9B5 not in covered
    assert face.getmask("\u0416").getbbox() != missing


def test_the_fonts_ship_as_package_data():
    # `pip install .` (the Docker image) ships what [tool.setuptools.package-data] names.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["bot.pictures"]
    shipped = resources.files("bot.pictures") / "fonts"
    names = sorted(entry.name for entry in shipped.iterdir() if entry.is_file())
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt"} <= set(names)
    for name in names:
        assert any(fnmatch.fnmatch(f"fonts/{name}", p) for p in patterns), name
    for file in (fonts.REGULAR, fonts.BOLD, *fonts.FALLBACKS):
        with resources.as_file(shipped / file) as path:
            size = fonts.EMOJI_STRIKE if file == fonts.EMOJI else 20
            face = ImageFont.truetype(str(path), size)
            assert face.getlength("Leg day") > 0
        assert fonts.LICENCES[file] in names, file


def test_text_colours_pass_wcag_aa_on_every_background():
    for background in (canvas.PANEL, canvas.STRIPE):
        for foreground in (canvas.TEXT, canvas.MUTED):
            assert canvas.contrast(foreground, background) >= 4.5
    for medal in canvas.MEDALS:
        assert canvas.contrast(canvas.DARK_TEXT, medal) >= 4.5
    # Non-text marks: 3:1 against what they sit on.
    assert canvas.contrast(canvas.ACCENT, heatmap.EMPTY) >= 3
    assert canvas.contrast(canvas.WARN, canvas.PANEL) >= 3
    assert canvas.contrast(canvas.FRAME, (255, 255, 255)) >= 3  # light theme
    assert canvas.contrast(canvas.PANEL, (255, 255, 255)) >= 3


def test_an_empty_board_and_a_board_without_viewer_render():
    empty = BoardCard("Gym", "This week", "Leg days", (), 1, 1)
    check_png(render_board_card(empty), board.WIDTH, board.height(empty))
    absent = replace(samples.board(), viewer=None, viewer_name="Robin")
    check_png(render_board_card(absent), board.WIDTH, board.height(absent))
    assert board.height(absent) == board.height(samples.board())


def test_a_heatmap_marks_leg_days_shields_and_pauses_where_they_are():
    today = date(2026, 12, 3)  # a Thursday
    monday = today - timedelta(days=3)
    h = Heatmap(
        "x",
        today,
        frozenset({monday}),
        frozenset({monday - timedelta(weeks=1)}),
        frozenset({monday - timedelta(weeks=2)}),
        target=1,
    )
    image = png_image(render_heatmap(h)).convert("RGBA").convert("RGB")
    last = heatmap.GRID_X + (heatmap.WEEKS - 1) * heatmap.STEP
    centre = heatmap.CELL // 2

    def near(color, expected):
        return all(abs(a - b) <= 6 for a, b in zip(color, expected, strict=True))

    assert near(image.getpixel((last + centre, heatmap.GRID_Y + centre)), canvas.ACCENT)
    tuesday = (last + centre, heatmap.GRID_Y + heatmap.STEP + centre)
    assert near(image.getpixel(tuesday), heatmap.EMPTY)
    # Friday to Sunday of this week are still to come: not drawn.
    friday = (last + centre, heatmap.GRID_Y + 4 * heatmap.STEP + centre)
    assert near(image.getpixel(friday), canvas.PANEL)
    shield_x = last - heatmap.STEP - 1
    assert near(image.getpixel((shield_x, heatmap.GRID_Y + 40)), canvas.WARN)
    paused_column = [
        image.getpixel((last - 2 * heatmap.STEP + dx, heatmap.GRID_Y + dy))
        for dx in range(heatmap.CELL)
        for dy in range(heatmap.CELL)
    ]
    assert len(set(paused_column)) >= 2  # stripes, not a flat cell
    assert heatmap.first_monday(today) == monday - timedelta(weeks=heatmap.WEEKS - 1)
    # A week named by any of its days is the same week.
    other_days = replace(
        h,
        shield_weeks=frozenset({monday - timedelta(days=4)}),
        paused_weeks=frozenset({monday - timedelta(days=9)}),
    )
    assert render_heatmap(other_days) == render_heatmap(h)


def test_the_recap_shows_the_week_it_sums_up():
    assert recap.monday_of(samples.recap().summary.week).weekday() == 0
    assert recap._week_span(date(2026, 12, 28)) == "Week of 28 Dec 2026 – 3 Jan 2027"
    assert recap._week_span(date(2026, 11, 23)) == "Week of 23 Nov – 29 Nov 2026"


def test_category_of_every_dropped_character_is_invisible():
    for code in range(0x20, 0x3000):
        ch = chr(code)
        if not text.clean(f"a{ch}b").startswith("a") or len(text.clean(f"a{ch}b")) == 3:
            continue
        cat = unicodedata.category(ch)
        assert cat[0] in "CZM" or code in text._DROPPED, (hex(code), cat)


@pytest.mark.parametrize(
    "module", ["board", "canvas", "fonts", "heatmap", "recap", "samples", "text"]
)
def test_the_renderers_are_pure(module):
    # No discord, no database, no event loop: data in, PNG bytes out.
    import ast

    path = ROOT / "bot" / "pictures" / f"{module}.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    forbidden = ("discord", "asyncio", "sqlalchemy", "aiosqlite", "bot.store", "bot.usecases")
    assert not [name for name in found if name.startswith(forbidden)]


def test_libraqm_is_there_for_shaping():
    # Pillow's wheels load libfribidi from the system for libraqm (the Dockerfile installs
    # libfribidi0); without it Arabic and Indic names are drawn unshaped.
    from PIL import features

    assert features.check("raqm"), "install libfribidi0 (Debian) for Pillow's libraqm"
    assert fonts.layout_engine() == ImageFont.Layout.RAQM


def test_without_libraqm_every_name_still_renders(monkeypatch):
    monkeypatch.setattr(fonts, "layout_engine", lambda: ImageFont.Layout.BASIC)
    fonts.font.cache_clear()
    text._length.cache_clear()
    try:
        for start in range(0, len(HOSTILE_NAMES), 10):
            card = board_with(HOSTILE_NAMES[start : start + 10])
            check_png(render_board_card(card), board.WIDTH, board.height(card))
        assert fonts.font(fonts.REGULAR, 20).layout_engine == ImageFont.Layout.BASIC
    finally:
        fonts.font.cache_clear()
        text._length.cache_clear()
