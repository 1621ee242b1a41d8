"""The fan-out benchmark's bookkeeping, and its `--quick` run.

The quick run uses tiny sizes and asserts only what must hold whatever the timing: every
server reminded exactly once and no 429 from the local Discord."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from benchmarks.fanout import Arrivals, FanOut, next_due_minute
from fakediscord.state import Message, User
from tests.benchmarks.quick import quick

pytestmark = pytest.mark.bench

BOT = User(id=1, name="legday")


def _fanout(arrivals: dict[int, list[float]], servers: int = 3, **limited: int) -> FanOut:
    counts = {"global_rate_limit_exceeded": 0, "rate_limit_exceeded": 0, **limited}
    return FanOut("legday", servers, 1000.0, arrivals, counts)


def test_the_due_minute_is_whole_and_at_least_the_margin_away():
    now = datetime(2026, 12, 2, 10, 15, 50, tzinfo=UTC).timestamp()
    assert next_due_minute(now, 5) == datetime(2026, 12, 2, 10, 16, tzinfo=UTC)
    assert next_due_minute(now, 15) == datetime(2026, 12, 2, 10, 17, tzinfo=UTC)
    assert next_due_minute(now, 10) == datetime(2026, 12, 2, 10, 16, tzinfo=UTC)


def test_first_last_duplicates_and_lost_are_counted_per_channel():
    result = _fanout({10: [1000.5], 11: [1002.0, 1003.0]}, servers=3)
    assert result.first() == 0.5
    assert result.last() == 2.0  # a channel's first copy: the second is a duplicate
    assert result.duplicates() == 1
    assert result.lost() == 1
    assert result.floor() == 3 / 50
    assert result.check_problems() == [
        "1 of 3 servers were never reminded",
        "1 reminders were posted twice",
    ]


def test_429s_fail_the_checks_and_a_late_last_misses_the_target():
    result = _fanout({10: [1000.2], 11: [1000.3]}, servers=2)
    result.rate_limited["global_rate_limit_exceeded"] = 2
    assert result.check_problems() == ["Discord answered 2 requests with 429"]
    (miss,) = result.target_misses()  # the first came 0.2 s after: within its target
    assert miss.startswith("last after 0.3 s")


def test_nothing_arrived_reads_as_not_a_number():
    result = _fanout({}, servers=2)
    assert math.isnan(result.first())
    assert math.isnan(result.last())
    assert result.lost() == 2


def test_only_the_bots_reminders_in_watched_channels_count():
    fd = SimpleNamespace(bot_user=BOT)
    arrivals = Arrivals(fd, {10, 11}, "leg day")  # type: ignore[arg-type]
    member = User(id=2, name="m")

    def message(author: User, channel: int, content: str) -> Message:
        return Message(id=1, channel_id=channel, guild_id=5, author=author, content=content)

    arrivals(message(BOT, 10, "it is leg day"))
    arrivals(message(member, 11, "it is leg day"))
    arrivals(message(BOT, 12, "it is leg day"))
    arrivals(message(BOT, 11, "something else"))
    assert set(arrivals.times) == {10}
    assert arrivals.unexpected == 1
    assert not arrivals.reached_all()


def test_fanout_quick_run_passes_its_checks():
    done = quick("benchmarks.fanout")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed: every server reminded exactly once, no 429" in done.stdout
    assert "FAILED" not in done.stdout
    assert any(line.startswith("bare discord.py") for line in done.stdout.splitlines())
