"""The throughput benchmark's checks, and its `--quick` run.

The quick run uses tiny sizes and asserts that both sides did the same work and that every
member got one right reply, never how fast (timing targets do not belong in tests)."""

from __future__ import annotations

import argparse
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchmarks import ours
from benchmarks.measure import percentile
from benchmarks.throughput import (
    BANG,
    Burst,
    LegdayUnderTest,
    Stage,
    bot_env_settings,
    stored_problems,
)
from fakediscord.state import Message, User
from tests.benchmarks.quick import quick

pytestmark = pytest.mark.bench

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
GUILD = 42


def test_percentile_is_nearest_rank():
    samples = [float(x) for x in range(100, 0, -1)]
    assert percentile(samples, 0.5) == 50
    assert percentile(samples, 0.99) == 99
    assert percentile(samples, 1.0) == 100
    assert math.isnan(percentile([], 0.5))


def _user(n: int) -> User:
    return User(id=n, name=f"m{n}")


def _reply(title: str) -> Message:
    return Message(id=1, channel_id=1, guild_id=1, author=_user(0), embeds=[{"title": title}])


def test_missing_double_and_wrong_replies_are_reported():
    members = [_user(n) for n in (1, 2, 3, 4)]
    burst = Burst(BANG, members, sent_at={m.id: 0.0 for m in members})
    burst.replies = {
        1: [(0.1, _reply("ok"))],
        2: [(0.1, _reply("ok")), (0.2, _reply("ok"))],
        4: [(0.1, _reply("wrong"))],
    }

    burst.stray = 2

    problems = burst.problems(lambda m: m.embeds[0]["title"] == "ok")

    assert problems == [
        "1 members got no reply to !legday (e.g. m3)",
        "1 members got more than one reply to !legday",
        "1 replies to !legday were not the expected answer (e.g. 'wrong')",
        "2 bot messages during !legday answered no member",
    ]


async def _stored(tmp_path: Path, made: dict[int, list[str]]) -> list[str]:
    store = await ours.ours_open_store(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    rows = [
        {
            "guild_id": GUILD,
            "user_id": user,
            "day": NOW.date() - timedelta(days=i),
            "source": how,
            "created_at": NOW,
        }
        for user, sources in made.items()
        for i, how in enumerate(sources)
    ]
    await ours.ours_bulk_load(store, [], [], [rows])
    await ours.ours_close_store(store)
    bang_member, slash_member, warm_bang, warm_slash = (_user(n) for n in (1, 2, 3, 4))
    stage = Stage(
        None,
        SimpleNamespace(id=GUILD),
        None,
        [bang_member],
        [slash_member],
        [warm_bang, warm_slash],
        tmp_path,
    )
    return stored_problems(tmp_path / "bot.db", stage)


async def test_one_checkin_per_member_made_their_way_passes(tmp_path):
    bang, slash = ours.ours_checkin_sources()
    assert await _stored(tmp_path, {1: [bang], 2: [slash], 3: [bang], 4: [slash]}) == []


async def test_missing_doubled_or_mismade_checkins_fail(tmp_path):
    bang, slash = ours.ours_checkin_sources()
    problems = await _stored(tmp_path, {1: [bang], 2: [slash, slash], 4: [bang], 5: [bang]})
    assert len(problems) == 1
    assert problems[0].startswith("4 members do not have exactly one stored check-in")


def test_throughput_quick_run_passes_its_checks():
    done = quick("benchmarks.throughput")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed: every member got exactly one right reply" in done.stdout
    assert "FAILED" not in done.stdout
    assert "emulator violation" not in done.stdout
    for kind in ("!legday", "/legday checkin"):
        assert any(line.startswith(kind) for line in done.stdout.splitlines()), done.stdout


def _fd() -> SimpleNamespace:
    return SimpleNamespace(api_base="http://api", gateway_url="ws://gw", bot_token="t")


def test_another_checkout_runs_with_its_own_code_and_the_settings_asked_for(tmp_path):
    legday = LegdayUnderTest(tmp_path, {"LEGDAY_GLOBAL_RATE_LIMIT": "100000"}, "squat 5x5")
    command, env = legday.command_and_env(_fd(), "sqlite+aiosqlite:///x.db", GUILD)
    assert command[1:] == ["-m", "bot", "run"]
    assert env["PYTHONPATH"] == str(tmp_path)
    assert env["LEGDAY_GLOBAL_RATE_LIMIT"] == "100000"
    assert env["LEGDAY_COOLDOWN_RATE"] == "1000000"  # the burst settings stay
    assert "note 'squat 5x5'" in legday.describe()


def test_this_checkout_runs_as_production_starts_it():
    command, env = LegdayUnderTest().command_and_env(_fd(), "sqlite+aiosqlite:///x.db", GUILD)
    assert command == ours.ours_bot_command()
    assert "PYTHONPATH" not in env
    assert "LEGDAY_GLOBAL_RATE_LIMIT" not in env


def test_a_setting_must_be_key_equals_value():
    parser = argparse.ArgumentParser()
    assert bot_env_settings(parser, ["A=1", "B=x=y"]) == {"A": "1", "B": "x=y"}
    with pytest.raises(SystemExit):
        bot_env_settings(parser, ["LEGDAY_GLOBAL_RATE_LIMIT"])
