import random
from collections import Counter

import pytest

from bot.core.quotes import BUILTIN_QUOTES, Quote, Reason, guild_quote, pick_quote


def test_builtin_counts():
    assert len(BUILTIN_QUOTES) >= 36
    per_reason = Counter(q.reason for q in BUILTIN_QUOTES)
    for reason in Reason:
        assert per_reason[reason] >= 4, reason
    assert None not in per_reason


def test_builtin_keys_texts_and_lengths():
    keys = [q.key for q in BUILTIN_QUOTES]
    assert len(set(keys)) == len(keys)
    assert all(k == f"builtin:{i}" for i, k in enumerate(keys))
    texts = [" ".join(q.text.casefold().split()) for q in BUILTIN_QUOTES]
    assert len(set(texts)) == len(texts)
    for q in BUILTIN_QUOTES:
        assert q.text == q.text.strip() and q.text
        assert len(q.text) <= 160, q.text
        assert "@" not in q.text
        assert "`" not in q.text


def test_reason_values():
    assert {r.value for r in Reason} == {
        "calories",
        "balance",
        "injury",
        "hormones",
        "athleticism",
        "life",
        "grit",
    }


def test_guild_quote():
    q = guild_quote(42, "Squat first, ask later.")
    assert q == Quote(key="guild:42", text="Squat first, ask later.", reason=None)


def test_pick_quote_never_repeats_avoided_and_covers_all():
    rng = random.Random(1234)
    pool = [*BUILTIN_QUOTES, guild_quote(7, "custom")]
    seen = set()
    previous = None
    for _ in range(3000):
        q = pick_quote(pool, previous, rng)
        assert q.key != previous
        seen.add(q.key)
        previous = q.key
    assert seen == {q.key for q in pool}


def test_pick_quote_two_items_alternate():
    pool = [guild_quote(1, "a"), guild_quote(2, "b")]
    rng = random.Random(0)
    picks = [pick_quote(pool, "guild:1", rng).key for _ in range(50)]
    assert set(picks) == {"guild:2"}


def test_pick_quote_single_item_may_repeat():
    only = guild_quote(1, "a")
    assert pick_quote([only], "guild:1", random.Random(0)) == only
    assert pick_quote([only], None, random.Random(0)) == only


def test_pick_quote_unknown_avoid_key_and_determinism():
    pool = list(BUILTIN_QUOTES)
    a = [pick_quote(pool, "guild:999", random.Random(5)).key for _ in range(3)]
    assert len(set(a)) == 1  # same seed, same pick


def test_pick_quote_empty_pool():
    with pytest.raises(ValueError):
        pick_quote([], None, random.Random(0))


def test_an_empty_pool_is_a_bug_named_in_the_error():
    with pytest.raises(ValueError) as info:
        pick_quote([], None, random.Random(1))
    assert info.value.args == ("cannot pick from an empty quote pool",)
