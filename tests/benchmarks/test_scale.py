"""The scale benchmark's bookkeeping, its `--quick` run, and the PostgreSQL option of the
in-process benchmarks.

The quick run uses tiny sizes and asserts only what must hold whatever the timing: on both
sides (one process on SQLite, two shard processes on PostgreSQL) every member got one
right reply and has one stored check-in, and every reminder server was reminded once."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from types import SimpleNamespace

import pytest

from benchmarks import ours
from benchmarks.postgres import SKIP_LINE, _numbered, _param, server_url
from benchmarks.processes import PROJECT
from benchmarks.scale import CheckinServer, World, _stored_problems, build_world
from fakediscord import FakeDiscord, shard_of
from fakediscord.state import User
from tests.benchmarks.quick import _as_a_background_job, quick

pytestmark = pytest.mark.bench


def test_the_servers_are_spread_over_both_shards():
    world = build_world(FakeDiscord(check_types=False), servers=4, members=8, reminders=10)
    assert [shard_of(s.guild.id, 2) for s in world.checkin] == [0, 1, 0, 1]
    assert [len(s.bang) for s in world.checkin] == [2, 2, 2, 2]
    on_shard = [shard_of(guild, 2) for guild in world.reminder_guilds]
    assert sorted(on_shard) == [0] * 5 + [1] * 5
    assert len(set(world.reminder_channels)) == 10


def _server(guild_id: int, first: int) -> CheckinServer:
    users = [User(id=first + n, name=f"m{first + n}") for n in range(6)]
    return CheckinServer(
        SimpleNamespace(id=guild_id),  # type: ignore[arg-type]
        SimpleNamespace(id=guild_id * 10),  # type: ignore[arg-type]
        users[:2],
        users[2:4],
        users[4:],
    )


def _world() -> World:
    return World([_server(1, 100), _server(2, 200)], [7, 8], [70, 80], [[], []])


def test_bursts_take_the_servers_in_turn():
    sent = [(user.id, channel.id) for user, channel in _world().sends("bang")]
    assert sent == [(102, 10), (202, 20), (103, 10), (203, 20)]


def _expected() -> dict[tuple[int, int], list[str]]:
    bang, slash = ours.ours_checkin_sources()
    found = {}
    for guild, first in ((1, 100), (2, 200)):
        for n in range(6):
            found[(guild, first + n)] = [bang if n in (0, 2, 3) else slash]
    return found


def test_one_checkin_per_member_and_one_sent_reminder_per_server_pass():
    assert _stored_problems(_world(), _expected(), {"sent": 2}) == []


def test_a_doubled_or_missing_checkin_and_a_failed_reminder_are_reported():
    stored = _expected()
    bang, _ = ours.ours_checkin_sources()
    stored[(1, 102)] = [bang, bang]
    del stored[(2, 205)]
    problems = _stored_problems(_world(), stored, {"sent": 1, "failed": 1})
    assert len(problems) == 2
    assert problems[0].startswith("2 members do not have exactly one stored check-in")
    assert problems[1].startswith("the ledger holds")


def test_the_naive_sql_reads_the_same_on_postgresql():
    assert _numbered("WHERE a = ? AND b IN (?, ?)") == "WHERE a = $1 AND b IN ($2, $3)"
    assert _param("2026-12-03") == date(2026, 12, 3)
    stamp = _param("2026-12-03 18:30:00.123456")
    assert isinstance(stamp, datetime) and stamp.utcoffset() is not None
    assert _param("Europe/London") == "Europe/London"
    assert _param(42) == 42


def test_scale_quick_run_passes_its_checks():
    done = quick("benchmarks.scale")
    assert done.returncode == 0, done.stdout + done.stderr
    if server_url(None) is None:
        assert SKIP_LINE in done.stdout
        return
    assert "passed: both sides answered every member once" in done.stdout, done.stdout
    assert "FAILED" not in done.stdout
    for row in ("!legday: answered per second", "reminders: sent per second"):
        assert any(line.startswith(row) for line in done.stdout.splitlines()), done.stdout


@pytest.mark.parametrize("module", ["benchmarks.checkin_paths", "benchmarks.leaderboard"])
def test_the_in_process_benchmarks_run_on_postgresql(module: str):
    done = subprocess.run(
        [sys.executable, "-m", module, "--quick", "--database", "postgresql"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        preexec_fn=_as_a_background_job,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    if server_url(None) is None:
        assert SKIP_LINE in done.stdout
        return
    assert "PostgreSQL" in done.stdout
    assert "checks passed" in done.stdout
