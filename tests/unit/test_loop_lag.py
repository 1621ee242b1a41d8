"""The loop-lag monitor: a blocked event loop is reported with how long it was blocked."""

from __future__ import annotations

import asyncio
import logging
import time

from bot.loop_lag import LoopLagMonitor


def hold_the_loop(seconds: float) -> None:
    """Blocking on purpose: this is what the monitor is there to notice."""
    time.sleep(seconds)


async def test_a_blocked_loop_is_one_warning_with_its_length(caplog):
    monitor = LoopLagMonitor(0.1, period=0.01)
    monitor.start()
    try:
        await asyncio.sleep(0.05)  # a few quiet rounds first
        with caplog.at_level(logging.WARNING, logger="bot.loop_lag"):
            hold_the_loop(0.3)
            await asyncio.sleep(0.05)
    finally:
        await monitor.stop()
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.loop_lag"]
    assert len(warnings) == 1
    blocked_ms = int(warnings[0].split()[-2])
    assert 250 <= blocked_ms <= 2000
    assert monitor.stalls == 1
    assert 0.25 <= monitor.longest <= 2.0


async def test_a_loop_that_keeps_turning_says_nothing(caplog):
    monitor = LoopLagMonitor(0.5, period=0.01)
    with caplog.at_level(logging.WARNING, logger="bot.loop_lag"):
        monitor.start()
        for _ in range(10):
            hold_the_loop(0.01)  # short pieces of work, well under the threshold
            await asyncio.sleep(0.01)
        await monitor.stop()
    assert monitor.stalls == 0
    assert [r for r in caplog.records if r.name == "bot.loop_lag"] == []


async def test_stop_is_safe_twice_and_before_start():
    monitor = LoopLagMonitor(0.1)
    await monitor.stop()
    monitor.start()
    await monitor.stop()
    await monitor.stop()
