"""The collector across gateway sessions (`bot.app.settle_garbage_collector`, run on every
READY): what one session froze is freed when the next one replaces it."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.app import GC_THRESHOLDS, settle_garbage_collector


class ServerCache:
    """Stands for discord.py's caches of one session: a guild and its channels point at
    each other, so only the cycle collector can free them."""

    def __init__(self) -> None:
        self.channels = [self]


@pytest.fixture
def collector() -> Iterator[None]:
    """The test process's collector, as it was, afterwards: unfrozen, with the full
    collection that unfreezing calls for paid here rather than in the next test."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.collect()
    gc.set_threshold(*thresholds)


def test_first_ready_freezes_what_lives_and_raises_the_thresholds(collector: None) -> None:
    cache = ServerCache()
    settle_garbage_collector()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == GC_THRESHOLDS
    assert cache.channels[0] is cache


def test_a_new_session_frees_the_caches_of_the_last(collector: None) -> None:
    cache = ServerCache()
    alive = weakref.ref(cache)
    settle_garbage_collector()  # READY: the session's caches are frozen
    del cache  # op 9, then a new READY: discord.py drops the caches it built last time
    gc.collect()
    assert alive() is not None, "frozen garbage outlives a full collection"
    settle_garbage_collector()  # the new session's READY
    assert alive() is None
    assert gc.get_freeze_count() > 0  # the new session's caches are frozen in turn


def test_repeated_sessions_keep_no_dead_caches(collector: None) -> None:
    dead = []
    for _ in range(5):
        cache = ServerCache()
        dead.append(weakref.ref(cache))
        settle_garbage_collector()
        del cache
    settle_garbage_collector()
    assert [ref() for ref in dead] == [None] * 5
