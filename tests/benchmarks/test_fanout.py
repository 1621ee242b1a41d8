"""The fan-out benchmark's bookkeeping, and its `--quick` run.

The quick run uses tiny sizes, all three kinds at once (reminders, weekly recaps,
streak-at-risk calls, each on its own servers in one bot: one wait for the due minute),
and asserts only what must hold whatever the timing: every server served exactly once
with the right message, the bot's ledger agreeing, and no 429 from the local Discord."""

from __future__ import annotations

import math
import subprocess
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from benchmarks.fanout import Arrivals, FanOut, make_plans, next_due_minute, together
from benchmarks.fanout_kinds import AT_RISK_WEEKS, RECAP_WEEKS, leg_days
from benchmarks.servers import Server
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
    arrivals = Arrivals(fd, {10, 11}, "leg day")
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


def test_a_recap_that_missed_its_server_reads_in_its_own_words():
    result = _fanout({10: [1000.5, 1001.0]}, servers=2)
    result.kind = "recap"
    assert result.check_problems() == [
        "1 of 2 servers never got their recap",
        "1 recaps were posted twice",
    ]


def test_kinds_due_together_are_timed_as_one_fan_out():
    counts = {"global_rate_limit_exceeded": 0, "rate_limit_exceeded": 0}
    recap = FanOut("legday", 2, 1000.0, {10: [1000.25], 11: [1001.0]}, counts, kind="recap")
    risk = FanOut("legday", 2, 1000.0, {12: [1001.5], 13: []}, counts, kind="risk")
    both = together([recap, risk])
    assert (both.kind, both.servers, both.floor()) == ("all", 4, 4 / 50)
    assert (both.first(), both.last(), both.lost()) == (0.25, 1.5, 1)


def _servers(count: int) -> list[Server]:
    """Servers 100, 101, ...: first text channel 1000 + n, members 10n .. 10n + 6."""
    guilds: list[Any] = [SimpleNamespace(id=100 + n) for n in range(count)]
    return [
        Server(guild, [1000 + n], [10 * n + m for m in range(7)]) for n, guild in enumerate(guilds)
    ]


def test_each_kind_gets_its_own_servers_and_its_own_schedule_numbers():
    now = datetime(2026, 12, 3, 5, 30, tzinfo=UTC)  # a Thursday
    reminder, recap, risk = make_plans(("reminder", "recap", "risk"), _servers(6), now)
    assert [p.channels for p in (reminder, recap, risk)] == [
        [1000, 1001],
        [1002, 1003],
        [1004, 1005],
    ]
    assert reminder.first_id == 1
    assert [s.schedules[0].id for s in risk.weekly] == [5, 6]
    assert (recap.week, risk.week) == (date(2026, 11, 23), date(2026, 11, 30))


def test_the_recap_servers_history_ends_with_the_recapped_week():
    now = datetime(2026, 12, 3, 5, 30, tzinfo=UTC)
    (recap,) = make_plans(("recap",), _servers(3), now)
    members = [len(seed.days_by_member) for seed in recap.weekly]
    assert members == [4, 5, 6]
    days = [d for seed in recap.weekly for found in seed.days_by_member.values() for d in found]
    assert min(days) == date(2026, 10, 26)  # five weeks before this one
    assert max(days) < date(2026, 11, 30)  # nothing this week
    # The recap must say what the recapped week's leg days add up to.
    total = sum(weeks[-1] for weeks in RECAP_WEEKS)
    message = Message(
        id=1, channel_id=1000, guild_id=100, author=BOT, content=f"**{total}** leg days"
    )
    assert recap.expect[1000](message) is None
    message.content = "**1** leg day"
    assert "does not say" in str(recap.expect[1000](message))


def test_the_streak_check_must_ping_exactly_the_members_at_risk():
    now = datetime(2026, 12, 3, 5, 30, tzinfo=UTC)
    (risk,) = make_plans(("risk",), _servers(1), now)
    (seed,) = risk.weekly
    at_risk = [0, 1, 2]
    assert list(seed.opted_in) == [*at_risk, 3, 4]  # 5 never opted in
    assert seed.days_by_member[0] == leg_days(AT_RISK_WEEKS[0], date(2026, 11, 9))
    assert seed.days_by_member[3][-1] == date(2026, 11, 30)  # met this week already
    message = Message(id=1, channel_id=1000, guild_id=100, author=BOT, mention_ids=at_risk)
    assert risk.expect[1000](message) is None
    message.mention_ids = [0, 1, 2, 3]
    assert risk.expect[1000](message) == "the call pinged [0, 1, 2, 3], expected [0, 1, 2]"


def test_leg_days_fall_in_their_weeks():
    monday = date(2026, 11, 2)
    assert leg_days((2, 0, 1), monday) == [monday, date(2026, 11, 4), date(2026, 11, 16)]


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    """One quick run for every kind: it waits for a whole minute, so it runs once."""
    return quick("benchmarks.fanout")


def test_fanout_quick_run_passes_its_checks(quick_run: subprocess.CompletedProcess[str]):
    done = quick_run
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed: every server reminded exactly once, no 429" in done.stdout
    assert "FAILED" not in done.stdout
    assert any(line.startswith("bare discord.py") for line in done.stdout.splitlines())


def test_fanout_quick_run_of_recaps_passes_its_checks(
    quick_run: subprocess.CompletedProcess[str],
):
    done = quick_run
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed: every server's recap posted exactly once with its week's total" in done.stdout
    assert any(" recap " in line for line in done.stdout.splitlines() if line.startswith("legday"))


def test_fanout_quick_run_of_streak_checks_passes_its_checks(
    quick_run: subprocess.CompletedProcess[str],
):
    done = quick_run
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "passed: every server's streak check posted exactly once pinging exactly its members "
        "at risk" in done.stdout
    )
    assert any(" risk " in line for line in done.stdout.splitlines() if line.startswith("legday"))
