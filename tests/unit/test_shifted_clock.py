"""LEGDAY_CLOCK_FILE: the bot's clock is the wall clock plus the file's offset, re-read at
most every 0.2 s; a bad file is an offset of 0 with one warning; a change wakes the
reminder timers at once."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import LegDayBot, utc_now
from bot.config import Config
from bot.reminders.timers import TimerHeap
from bot.shifted_clock import ShiftedClock

WALL = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def clock_on(path: Path, ticks: Ticks) -> ShiftedClock:
    return ShiftedClock(path, wall=lambda: WALL, ticks=ticks)


def test_the_offset_is_added_and_read_again_only_when_stale(tmp_path: Path):
    path, ticks = tmp_path / "clock", Ticks()
    path.write_text("3600\n")
    clock = clock_on(path, ticks)
    assert clock() == WALL + timedelta(hours=1)
    path.write_text("-90.5")
    ticks.now += 0.1  # within REREAD: the offset read before stands
    assert clock() == WALL + timedelta(hours=1)
    ticks.now = 100.25
    assert clock() == WALL - timedelta(seconds=90.5)
    assert clock.offset == -90.5


@pytest.mark.parametrize("content", [None, "", "soon", "nan", "1e999", "\xff"])
def test_a_missing_or_garbled_file_is_no_offset_with_one_warning(
    tmp_path: Path, content: str | None, caplog: pytest.LogCaptureFixture
):
    path, ticks = tmp_path / "clock", Ticks()
    if content is not None:
        path.write_bytes(content.encode("latin-1"))
    clock = clock_on(path, ticks)
    with caplog.at_level(logging.WARNING, logger="bot.shifted_clock"):
        for _ in range(3):
            assert clock() == WALL
            ticks.now += 1
    assert len(caplog.records) == 1
    assert "LEGDAY_CLOCK_FILE" in caplog.records[0].getMessage()
    path.write_text("60")  # fixed: followed from the next read on
    assert clock() == WALL + timedelta(minutes=1)


async def test_a_change_wakes_the_timers_at_once(tmp_path: Path):
    path = tmp_path / "clock"
    path.write_text("0")
    clock = ShiftedClock(path, reread=0.01)
    fired: list[object] = []
    timers = TimerHeap(clock, lambda due: fired.extend(t.key for t in due))
    timers.set("recap", datetime.now(UTC) + timedelta(days=3))
    timers.start()
    clock.follow(timers.wake)
    try:
        await asyncio.sleep(0.05)  # the heap now sleeps its 60 s towards the instant
        assert fired == []
        path.write_text(str(3 * 24 * 3600))
        for _ in range(100):
            if fired:
                break
            await asyncio.sleep(0.01)
        assert fired == ["recap"]
    finally:
        await clock.stop()
        await timers.stop()


def test_the_bot_uses_it_only_when_set(tmp_path: Path, make_config) -> None:
    path = tmp_path / "clock"
    path.write_text("86400")
    plain: Config = make_config()
    assert plain.clock_file is None
    shifted: Config = make_config(clock_file=str(path))
    assert Config(_env_file=None, _environ={"LEGDAY_CLOCK_FILE": str(path)}).clock_file == str(path)

    class Store:  # the constructor only keeps it
        pass

    bot = LegDayBot(shifted, Store())  # type: ignore[arg-type]
    assert bot.shifted_clock is not None
    assert bot.reminders.clock is bot.shifted_clock and bot.now is bot.shifted_clock
    assert bot.now() - utc_now() > timedelta(hours=23)
    assert LegDayBot(plain, Store()).shifted_clock is None  # type: ignore[arg-type]
