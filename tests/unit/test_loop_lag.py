"""The loop-lag monitor: a blocked event loop is reported with how long it was blocked."""

from __future__ import annotations

import asyncio
import gc
import logging
import time

import pytest

from bot.loop_lag import GcTimer, LoopLagMonitor, RunQueueClock, percentile


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


# -- the periodic report ----------------------------------------------------------------------


class Ticks:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_report_sums_up_the_samples_and_takes_the_cpu_wait_out(caplog):
    wall, cpu = Ticks(), Ticks()
    monitor = LoopLagMonitor(10.0, report_every=60, clock=wall, cpu_clock=cpu)
    monitor._restart_period()
    # 98 quick wake-ups, one 40 ms late of which 30 ms waiting for a CPU, one 90 ms late
    # with no wait at all (the bot's own work).
    queued = 5.0
    for _ in range(98):
        monitor.note(0.001, queued, queued)
    monitor.note(0.040, queued, queued + 0.030)
    queued += 0.030
    monitor.note(0.090, queued, queued)
    wall.now += 60
    cpu.now += 15
    with caplog.at_level(logging.INFO, logger="bot.loop_lag"):
        report = monitor.report()
    assert report.samples == 100
    assert report.p50 == pytest.approx(0.001)
    assert report.p99 == pytest.approx(0.040)
    assert report.longest == pytest.approx(0.090)
    assert report.own_p99 == pytest.approx(0.010)
    assert report.own_longest == pytest.approx(0.090)
    assert report.cpu_wait == pytest.approx(0.030)
    assert report.cpu_share == pytest.approx(0.25)
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert lines == [
        "event loop lag over 60 s (100 samples): p50 1.0 ms, p99 40.0 ms, max 90.0 ms; "
        "without waiting for a CPU: p99 10.0 ms, max 90.0 ms (waited 0.03 s); CPU 25%; "
        "full GC 0, longest GC 0.0 ms (0.0 ms CPU)"
    ]
    # The next report covers only what came after this one.
    monitor.note(0.002, queued, queued)
    wall.now += 60
    assert monitor.report().samples == 1
    assert len(monitor.reports) == 2


def test_without_a_run_queue_clock_the_report_says_only_what_it_knows(caplog):
    monitor = LoopLagMonitor(10.0, report_every=60, clock=Ticks(), cpu_clock=Ticks())
    for lag in (0.001, 0.002, 0.003):
        monitor.note(lag, None, None)
    with caplog.at_level(logging.INFO, logger="bot.loop_lag"):
        report = monitor.report()
    assert (report.own_p99, report.own_longest, report.cpu_wait) == (None, None, None)
    assert report.longest == pytest.approx(0.003)
    assert "CPU" in caplog.records[-1].getMessage()
    assert "without waiting" not in caplog.records[-1].getMessage()


def test_no_report_no_samples_kept():
    monitor = LoopLagMonitor(10.0)  # report_every 0: warnings only
    for _ in range(1000):
        monitor.note(0.001, 1.0, 1.0)
    assert monitor._lags == [] and monitor._own == []


def test_percentile_is_nearest_rank():
    ordered = [float(n) for n in range(1, 101)]
    assert percentile(ordered, 0.5) == 50
    assert percentile(ordered, 0.99) == 99
    assert percentile(ordered, 1.0) == 100
    assert percentile([7.0], 0.99) == 7
    assert percentile([], 0.99) == 0


def test_run_queue_clock_reads_the_second_schedstat_field(tmp_path):
    stat = tmp_path / "schedstat"
    stat.write_text("123456789 4500000000 77\n")
    clock = RunQueueClock(str(stat))
    assert clock.read() == pytest.approx(4.5)
    stat.write_text("123456789 6000000000 80\n")
    assert clock.read() == pytest.approx(6.0)
    clock.close()
    assert clock.read() is None
    assert RunQueueClock(str(tmp_path / "missing")).read() is None
    (tmp_path / "odd").write_text("nothing here")
    assert RunQueueClock(str(tmp_path / "odd")).read() is None


def test_gc_timer_counts_full_collections_and_the_longest():
    wall, cpu = Ticks(), Ticks()
    timer = GcTimer(wall, cpu)
    timer("start", {"generation": 0})
    wall.now += 0.002
    cpu.now += 0.002
    timer("stop", {"generation": 0})
    timer("start", {"generation": 2})
    wall.now += 0.050  # 50 ms of which 20 on the CPU: put off it halfway
    cpu.now += 0.020
    timer("stop", {"generation": 2})
    assert timer.take() == (1, pytest.approx(0.050), pytest.approx(0.020))
    assert timer.take() == (0, 0.0, 0.0)


async def test_a_running_monitor_reports_on_its_own_and_lets_go_of_the_gc(caplog):
    monitor = LoopLagMonitor(10.0, report_every=0.05, period=0.01)
    with caplog.at_level(logging.INFO, logger="bot.loop_lag"):
        monitor.start()
        try:
            assert monitor._gc in gc.callbacks
            gc.collect()
            for _ in range(100):
                if monitor.reports:
                    break
                await asyncio.sleep(0.01)
        finally:
            await monitor.stop()
    assert monitor._gc not in gc.callbacks
    assert monitor.reports, "no report within a second"
    assert any(r.getMessage().startswith("event loop lag over") for r in caplog.records)
    assert sum(r.gc_pauses for r in monitor.reports) >= 1
