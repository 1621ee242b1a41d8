"""Normalising text members store (notes, quotes) so every database keeps it identically."""

from __future__ import annotations

import unicodedata

# Kept: the line break members type on purpose. Everything else in Unicode's control
# category (NUL, escape sequences, tabs, bells, C1 controls) is dropped: PostgreSQL refuses
# NUL outright, and the rest only garbles how a note or quote shows in chat.
_KEPT_CONTROLS = frozenset("\n")


def normalize_text(text: str) -> str:
    """NFC, `\\r\\n`/`\\r` as `\\n`, no control characters but newlines, no outer blanks."""
    unified = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(ch for ch in unified if ch in _KEPT_CONTROLS or unicodedata.category(ch) != "Cc")
    # Lone surrogates cannot be encoded for any database; they only come from broken input.
    kept = "".join(ch for ch in kept if unicodedata.category(ch) != "Cs")
    return unicodedata.normalize("NFC", kept).strip()
