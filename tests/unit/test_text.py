"""Normalising member text before it is stored."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import InputError
from bot.core.parsing import clean_note, clean_quote
from bot.core.text import normalize_text


def test_control_characters_go_and_newlines_stay():
    typed = "squats\x00\x07 5x5\r\nfelt\tgreat\x1b[31m"
    assert normalize_text(typed) == "squats 5x5\nfeltgreat[31m"
    assert normalize_text("a\rb") == "a\nb"
    assert normalize_text("\x85next line\u0080") == "next line"


def test_text_is_nfc():
    decomposed = "Cafe\u0301 squats"
    assert normalize_text(decomposed) == "Café squats"
    assert unicodedata.is_normalized("NFC", normalize_text(decomposed))


def test_right_to_left_and_emoji_are_kept():
    text = "\u200fרגליים 🦵 \u202eabc"
    assert normalize_text(text) == text


def test_lone_surrogates_are_dropped():
    assert normalize_text("ok\ud800") == "ok"


@given(st.text())
def test_normalised_text_is_stable_storable_and_clean(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert all(ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in once)
    once.encode("utf-8")  # every database can store it


def test_length_is_counted_after_normalising():
    assert clean_note("a" * 200 + "\x00" * 50) == "a" * 200
    with pytest.raises(InputError, match="201 characters"):
        clean_note("a" * 201 + "\x00")
    assert clean_note("\x00\x01  ") is None
    with pytest.raises(InputError, match="empty"):
        clean_quote("\x00\t")
    # NFC can shorten text: 300 letters with combining accents fit once composed.
    assert clean_quote("e\u0301" * 300) == "é" * 300
