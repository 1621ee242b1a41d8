"""The timer heap: one entry per key, earliest first, driven by one task."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

from bot.reminders.timers import Timer, TimerHeap

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def heap(clock: Clock, fired: list[list[Timer]] | None = None) -> TimerHeap:
    return TimerHeap(clock, (fired if fired is not None else []).append)


def keys(timers: list[Timer]) -> list[object]:
    return [timer.key for timer in timers]


def test_due_timers_come_out_earliest_first_and_once():
    clock = Clock()
    timers = heap(clock)
    timers.set("late", T0 + timedelta(minutes=3), "L")
    timers.set("soon", T0 + timedelta(minutes=1), "S")
    timers.set("later", T0 + timedelta(hours=1))
    clock.now = T0 + timedelta(minutes=5)
    due = timers.pop_due()
    assert keys(due) == ["soon", "late"]
    assert [t.payload for t in due] == ["S", "L"]
    assert timers.pop_due() == []
    assert len(timers) == 1 and timers.when("later") == T0 + timedelta(hours=1)


def test_setting_a_key_again_replaces_it_and_cancel_removes_it():
    clock = Clock()
    timers = heap(clock)
    timers.set("a", T0 + timedelta(minutes=1))
    timers.set("a", T0 + timedelta(minutes=10))
    timers.set("b", T0 + timedelta(minutes=2))
    timers.cancel("b")
    timers.cancel("never-set")
    clock.now = T0 + timedelta(minutes=5)
    assert timers.pop_due() == []  # a's first instant is gone, b is gone
    clock.now = T0 + timedelta(minutes=10)
    assert keys(timers.pop_due()) == ["a"]
    assert len(timers) == 0


def test_cancel_where_and_set_many():
    clock = Clock()
    timers = heap(clock)
    timers.set_many(
        [(("nudge", 1, d), T0 + timedelta(hours=d), None) for d in range(3)]
        + [(("nudge", 2, 0), T0, None), (("reminder", 1), T0, None)]
    )
    timers.cancel_where(lambda key: key[0] == "nudge" and key[1] == 1)
    assert len(timers) == 2
    clock.now = T0 + timedelta(days=1)
    assert sorted(keys(timers.pop_due())) == [("nudge", 2, 0), ("reminder", 1)]


def test_churn_does_not_grow_the_heap_without_bound():
    clock = Clock()
    timers = heap(clock)
    for n in range(10_000):
        timers.set("same", T0 + timedelta(seconds=n))
    assert len(timers) == 1
    assert timers.stored <= 130  # dead entries are swept out as they pile up


async def test_the_task_fires_on_the_real_clock_and_an_earlier_timer_wakes_it():
    fired: list[list[Timer]] = []
    timers = TimerHeap(lambda: datetime.now(UTC), fired.append, max_sleep=30)
    timers.start()
    try:
        timers.set("far", datetime.now(UTC) + timedelta(hours=1))
        await asyncio.sleep(0.01)  # the task now sleeps towards the hour
        timers.set("near", datetime.now(UTC) + timedelta(milliseconds=50))
        for _ in range(200):
            if fired:
                break
            await asyncio.sleep(0.01)
        assert [keys(batch) for batch in fired] == [["near"]]
    finally:
        await timers.stop()


async def test_a_failing_handler_does_not_stop_later_timers(caplog):
    calls: list[list[object]] = []

    def handler(due: list[Timer]) -> None:
        calls.append(keys(due))
        if len(calls) == 1:
            raise RuntimeError("boom")

    timers = TimerHeap(lambda: datetime.now(UTC), handler)
    timers.start()
    try:
        timers.set("one", datetime.now(UTC))
        timers.set("two", datetime.now(UTC) + timedelta(milliseconds=60))
        for _ in range(200):
            if len(calls) == 2:
                break
            await asyncio.sleep(0.01)
    finally:
        await timers.stop()
    assert calls == [["one"], ["two"]]
    assert "handling 1 due reminder timers failed" in caplog.text


def test_pop_due_hands_over_at_most_the_limit_earliest_first():
    clock = Clock()
    timers = heap(clock)
    for n in range(5):
        timers.set(n, T0 + timedelta(seconds=n))
    clock.now = T0 + timedelta(minutes=1)
    assert keys(timers.pop_due(limit=2)) == [0, 1]
    assert keys(timers.pop_due(limit=2)) == [2, 3]
    assert keys(timers.pop_due(limit=2)) == [4]


async def test_thousands_due_at_once_are_handed_over_in_slices_with_turns_between(
    monkeypatch,
):
    monkeypatch.setattr("bot.reminders.timers.DUE_PER_TURN", 100)
    fired: list[list[Timer]] = []
    turns_between: list[int] = []
    ticks = 0

    async def ticker() -> None:  # counts the loop's turns given to other tasks
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    def on_due(batch: list[Timer]) -> None:
        fired.append(batch)
        turns_between.append(ticks)

    past = datetime.now(UTC) - timedelta(seconds=1)
    timers = TimerHeap(lambda: datetime.now(UTC), on_due)
    timers.set_many((n, past, None) for n in range(1_000))
    other = asyncio.create_task(ticker())
    timers.start()
    for _ in range(200):
        if sum(map(len, fired)) == 1_000:
            break
        await asyncio.sleep(0.01)
    await timers.stop()
    other.cancel()
    assert [len(batch) for batch in fired] == [100] * 10
    assert all(b > a for a, b in itertools.pairwise(turns_between))
