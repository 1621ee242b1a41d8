from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.ranking import Page, Ranked, competition_rank, find_rank, paginate


@dataclass(frozen=True)
class Row:
    user_id: int
    count: int
    best: int = 0


def rank(rows):
    return competition_rank(rows, lambda r: (r.count,), lambda r: r.user_id)


def test_competition_ranks_1_2_2_4():
    rows = [Row(5, 3), Row(1, 10), Row(9, 7), Row(2, 7)]
    got = [(r.rank, r.item.user_id) for r in rank(rows)]
    assert got == [(1, 1), (2, 2), (2, 9), (4, 5)]


def test_all_tied_share_rank_one_ordered_by_tiebreak():
    rows = [Row(i, 4) for i in (30, 10, 20)]
    got = rank(rows)
    assert [r.rank for r in got] == [1, 1, 1]
    assert [r.item.user_id for r in got] == [10, 20, 30]


def test_multi_key_score():
    rows = [Row(1, 5, best=2), Row(2, 5, best=3), Row(3, 5, best=3), Row(4, 6, best=0)]
    got = competition_rank(rows, lambda r: (r.count, r.best), lambda r: r.user_id)
    assert [(r.rank, r.item.user_id) for r in got] == [(1, 4), (2, 2), (2, 3), (4, 1)]


def test_empty_and_generator_input():
    assert rank([]) == []
    got = rank(Row(i, i % 2) for i in range(4))
    assert [(r.rank, r.item.user_id) for r in got] == [(1, 1), (1, 3), (3, 0), (3, 2)]


def test_ranked_is_frozen():
    r = Ranked(1, "x")
    with pytest.raises(AttributeError):
        r.rank = 2  # type: ignore[misc]


rows_strategy = st.lists(
    st.builds(Row, st.integers(0, 10_000), st.integers(0, 5)),
    unique_by=lambda r: r.user_id,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(rows_strategy)
def test_rank_properties(rows):
    got = rank(rows)
    assert sorted(r.item.user_id for r in got) == sorted(r.user_id for r in rows)
    keys = [(-r.item.count, r.item.user_id) for r in got]
    assert keys == sorted(keys)
    for position, entry in enumerate(got, start=1):
        # Rank is 1 + the number of rows with a strictly better score.
        assert entry.rank == 1 + sum(1 for r in rows if r.count > entry.item.count)
        assert entry.rank <= position


def ranked_ints(n):
    return [Ranked(i + 1, i) for i in range(n)]


@pytest.mark.parametrize(
    ("n", "page", "per_page", "number", "total", "items"),
    [
        (0, 0, 10, 0, 1, []),
        (0, 5, 10, 0, 1, []),
        (0, -1, 10, 0, 1, []),
        (10, 0, 10, 0, 1, list(range(10))),
        (11, 1, 10, 1, 2, [10]),
        (25, 1, 10, 1, 3, list(range(10, 20))),
        (25, 99, 10, 2, 3, list(range(20, 25))),
        (25, -3, 10, 0, 3, list(range(10))),
        (5, 2, 2, 2, 3, [4]),
        (3, 0, 1, 0, 3, [0]),
    ],
)
def test_paginate(n, page, per_page, number, total, items):
    got = paginate(ranked_ints(n), page, per_page)
    assert isinstance(got, Page)
    assert (got.number, got.total_pages) == (number, total)
    assert [r.item for r in got.entries] == items


def test_paginate_default_per_page_is_ten():
    assert len(paginate(ranked_ints(30), 0).entries) == 10


def test_paginate_rejects_zero_per_page():
    with pytest.raises(ValueError):
        paginate(ranked_ints(3), 0, 0)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 60), st.integers(-5, 10), st.integers(1, 12))
def test_paginate_pages_cover_everything(n, page, per_page):
    ranked = ranked_ints(n)
    got = paginate(ranked, page, per_page)
    assert 0 <= got.number < got.total_pages
    assert len(got.entries) <= per_page
    collected = [e for p in range(got.total_pages) for e in paginate(ranked, p, per_page).entries]
    assert collected == ranked


def test_find_rank():
    ranked = rank([Row(1, 3), Row(2, 3), Row(3, 1)])
    found = find_rank(ranked, lambda r: r.user_id == 2)
    assert found == Ranked(1, Row(2, 3))
    assert find_rank(ranked, lambda r: r.user_id == 3) == Ranked(3, Row(3, 1))
    assert find_rank(ranked, lambda r: r.user_id == 99) is None
    assert find_rank([], lambda r: True) is None


def test_items_are_never_compared_themselves():
    # Equal score and equal tiebreak: the input order stays, and items that cannot be
    # ordered (dicts here, rows elsewhere) are fine.
    items = [{"name": "b"}, {"name": "a"}]
    ranked = competition_rank(items, lambda _: (1,), lambda _: 7)
    assert ranked == [Ranked(1, {"name": "b"}), Ranked(1, {"name": "a"})]


def test_per_page_below_one_is_a_bug_named_in_the_error():
    with pytest.raises(ValueError) as info:
        paginate([], 0, per_page=0)
    assert info.value.args == ("per_page must be at least 1",)
