"""The start-up benchmark's seeding plan, log reading and checks, and its `--quick` run.

The quick run uses tiny sizes and asserts only the checks: every missed occurrence sent
exactly once and marked late, nothing else sent or recorded; never how fast."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchmarks import ours
from benchmarks.botlog import find_lines
from benchmarks.startup import (
    CLEAR_AHEAD,
    CLEAR_BEHIND,
    HISTORY_WEEKS,
    ChannelWatch,
    Plan,
    _delivery_problems,
    clear_times,
    past_fires,
    plan,
)
from fakediscord.state import Message, User
from tests.benchmarks.quick import quick

pytestmark = pytest.mark.bench

NOW = datetime(2026, 12, 2, 23, 50, 30, tzinfo=UTC)  # ten minutes before midnight
BOT = User(id=1, name="legday")


def _servers(count: int) -> SimpleNamespace:
    built = [
        SimpleNamespace(
            guild=SimpleNamespace(id=100 + n), text_channel_ids=[n * 10 + c for c in range(6)]
        )
        for n in range(count)
    ]
    return SimpleNamespace(built=built)


def _seconds_after_now(at: str) -> float:
    """How far ahead of NOW the time of day `at` next comes."""
    hour, minute = (int(p) for p in at.split(":"))
    fire = NOW.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if fire <= NOW:
        fire += timedelta(days=1)
    return (fire - NOW).total_seconds()


def test_clear_times_stay_out_of_the_start_and_the_catch_up_window():
    times = list(clear_times(500, NOW))
    assert len(times) == 500
    for at in times:
        ahead = _seconds_after_now(at)
        assert ahead >= CLEAR_AHEAD.total_seconds()
        assert ahead <= (timedelta(days=1) - CLEAR_BEHIND).total_seconds()


def test_past_fires_are_daily_and_inside_the_range():
    since = NOW - timedelta(days=3)
    fires = list(past_fires("23:55", since, NOW))
    assert [fire for _, fire in fires] == [
        datetime(2026, 11, 29, 23, 55, tzinfo=UTC),
        datetime(2026, 11, 30, 23, 55, tzinfo=UTC),
        datetime(2026, 12, 1, 23, 55, tzinfo=UTC),
    ]
    assert all(day == fire.date() for day, fire in fires)


def test_history_has_a_row_for_every_past_occurrence_but_the_missed_ones():
    seeded = plan("history", 30, 2, _servers(5), NOW)  # type: ignore[arg-type]
    assert len(seeded.schedules) == 30
    assert [s.at for s in seeded.missed] == ["23:47", "23:47"]
    rows: dict[int, list[datetime]] = {}
    for row in seeded.history:
        rows.setdefault(row.schedule_id, []).append(row.fire_at)
    for schedule in seeded.schedules:
        fires = rows[schedule.id]
        assert len(fires) == len(set(fires))
        assert min(fires) >= NOW - timedelta(weeks=HISTORY_WEEKS, minutes=1)
        assert max(fires) < NOW
        assert len(fires) in (HISTORY_WEEKS * 7, HISTORY_WEEKS * 7 - 1)
    for schedule in seeded.missed:
        assert max(rows[schedule.id]) == datetime(2026, 12, 1, 23, 47, tzinfo=UTC)
    missed_channels = {s.channel_id for s in seeded.missed}
    others = {s.channel_id for s in seeded.schedules if s not in seeded.missed}
    assert not missed_channels & others


def test_fresh_and_none_owe_nothing():
    fresh = plan("fresh", 30, 2, _servers(5), NOW)  # type: ignore[arg-type]
    assert len(fresh.schedules) == 30 and not fresh.history and not fresh.missed
    assert plan("none", 30, 2, _servers(5), NOW) == Plan([], [], [])  # type: ignore[arg-type]


def test_log_lines_are_found_with_their_time_and_numbers():
    text = (
        "2026-12-02 10:00:01,250 INFO    bot.app: connected as legday (1) in 20 servers\n"
        "2026-12-02 10:00:01,500 WARNING bot.loop_lag: the event loop was blocked for 31 ms\n"
        "  a traceback line without a stamp: the event loop was blocked for 99 ms\n"
        "2026-12-02 10:00:02,000 INFO    bot.reminders.engine: reminders armed for 200 schedules\n"
    )
    (connected,) = find_lines(text, ours.CONNECTED_LINE)
    (armed,) = find_lines(text, ours.ARMED_LINE)
    assert armed.numbers == (200,)
    assert armed.at - connected.at == pytest.approx(0.75)
    assert [line.numbers for line in find_lines(text, ours.LOOP_LAG_LINE)] == [(31,)]


async def _checked(tmp_path: Path, sends: list[tuple[int, str]]) -> list[str]:
    """The checks after a start that posted `sends` (channel, content) and recorded each
    missed occurrence as sent."""
    seeded = plan("history", 6, 2, _servers(3), NOW)  # type: ignore[arg-type]
    db = tmp_path / "bot.db"
    store = await ours.ours_open_store(f"sqlite+aiosqlite:///{db}")
    await ours.ours_seed_reminders(store, seeded.schedules)
    later = [
        ours.DeliverySeed(s.id, NOW.date(), NOW - timedelta(minutes=3), 7) for s in seeded.missed
    ]
    await store.run(
        lambda tx: tx.execute_many(
            "INSERT INTO deliveries (schedule_id, occurrence_day, kind, state, fire_at, "
            "message_id, attempts, updated_at) VALUES (:s, :day, 'main', 'sent', :f, 7, 1, :u)",
            [{"s": d.schedule_id, "day": d.day, "f": d.fire_at, "u": NOW} for d in later],
        )
    )
    await ours.ours_close_store(store)
    watch = ChannelWatch(SimpleNamespace(bot_user=BOT))  # type: ignore[arg-type]
    for channel, content in sends:
        watch(Message(id=1, channel_id=channel, guild_id=1, author=BOT, content=content))
    return _delivery_problems(db, seeded, watch, NOW - timedelta(seconds=1))


async def test_one_late_post_per_missed_occurrence_passes(tmp_path):
    late = f"leg day\n*({ours.LATE_MARK}, sorry)*"
    assert await _checked(tmp_path, [(5, late), (15, late)]) == []


async def test_a_double_post_or_a_post_not_marked_late_fails(tmp_path):
    late = f"leg day\n*({ours.LATE_MARK}, sorry)*"
    problems = await _checked(tmp_path, [(5, late), (5, late), (15, "leg day"), (3, late)])
    assert problems == [
        "missed schedule 5: posted 2 times",
        "missed schedule 6: posted without the late mark",
        "1 bot messages outside the missed schedules' channels",
    ]


def test_startup_quick_run_passes_its_checks():
    done = quick("benchmarks.startup")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed: every missed occurrence sent exactly once, late" in done.stdout
    assert "FAILED" not in done.stdout
    for scenario in ("none", "fresh", "history"):
        assert any(line.startswith(scenario) for line in done.stdout.splitlines()), done.stdout
