"""Member text comes back from the database exactly as it was normalised, on every backend.

PostgreSQL refuses NUL bytes that SQLite would keep; normalising first makes the stored
text the same everywhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.parsing import clean_note, clean_quote
from bot.core.text import normalize_text
from bot.store import Store
from bot.store.sql import privacy as privacy_sql
from bot.store.sql import quotes as quotes_sql
from tests.support import record_day

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

HOSTILE = [
    "squats\x00 5x5",
    "\x1b[2J\x07 bell and escape",
    "tab\there\r\nwindows line",
    "Cafe\u0301 e\u0301 NFD",
    "\u200f\u202eRTL override ‮ עברית",
    "Z̸̢͉̈́a̷̺̓l̶̰̾g̴̣̈́o̸̯͝",
    "🦵🏋️‍♀️ emoji with ZWJ",
    "'); DROP TABLE checkins; --",
    "%s %d {0} {note!r}",
]


@pytest.mark.parametrize("text", HOSTILE)
async def test_hostile_notes_and_quotes_round_trip(store: Store, text: str):
    note = clean_note(text)
    assert note is not None
    await record_day(store, 1, 2, date(2026, 11, 25), now=NOW, note=note)
    exported = await store.export_member(1, 2)
    assert [c["note"] for c in exported["checkins"]] == [note]

    quote = clean_quote(text)
    quote_id = await store.run(lambda tx: quotes_sql.add(tx, 1, quote, 2, NOW))
    assert [(q.id, q.text) for q in await store.list_quotes(1)] == [(quote_id, quote)]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(min_size=1, max_size=200))
async def test_any_normalised_note_round_trips(store: Store, text: str):
    note = clean_note(normalize_text(text)[:200])  # NFC may lengthen a few scripts
    user = abs(hash(text)) % 1_000_000 + 10
    await record_day(store, 1, user, date(2026, 11, 25), now=NOW, note=note)
    exported = await store.export_member(1, user)
    assert exported["checkins"][0]["note"] == note
    await store.run(lambda tx: privacy_sql.forget_member(tx, 1, user))
