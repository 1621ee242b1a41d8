"""The SQLite runner: one thread, one hop per unit of work, group commit with savepoints."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.store import Tx
from bot.store.opening import open_store
from bot.store.sqlite_runner import SqliteRunner

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
async def runner(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'runner.db'}"
    store = await open_store(url)  # the real schema, through the real migrations
    runner = store.runner
    assert isinstance(runner, SqliteRunner)
    yield runner
    await store.close()


def insert_checkin(tx: Tx, user_id: int) -> int:
    return tx.execute(
        "INSERT INTO checkins (guild_id, user_id, day, created_at, note, source) "
        "VALUES (1, :user_id, :day, :now, NULL, 'test')",
        {"user_id": user_id, "day": date(2026, 11, 25), "now": NOW},
    )


async def test_units_that_arrive_together_share_one_commit(runner: SqliteRunner):
    gate = threading.Event()
    # Hold the database thread so the next units queue up behind this one.
    blocker = asyncio.ensure_future(runner.run(lambda tx: gate.wait(5)))
    await asyncio.sleep(0.05)
    units = [
        asyncio.ensure_future(runner.run(lambda tx, u=u: insert_checkin(tx, u))) for u in range(50)
    ]
    await asyncio.sleep(0.05)
    before = runner.transactions
    gate.set()
    results = await asyncio.gather(*units)
    await blocker

    assert results == [1] * 50  # each unit got its own answer
    assert runner.transactions - before <= 2  # ...from one or two transactions, not fifty
    count = await runner.run(lambda tx: tx.scalar("SELECT count(*) FROM checkins"), write=False)
    assert count == 50


async def test_a_failing_unit_rolls_back_alone(runner: SqliteRunner):
    gate = threading.Event()
    blocker = asyncio.ensure_future(runner.run(lambda tx: gate.wait(5)))
    await asyncio.sleep(0.05)

    def broken(tx: Tx) -> None:
        insert_checkin(tx, 1000)
        raise ValueError("a rule said no")

    first = asyncio.ensure_future(runner.run(lambda tx: insert_checkin(tx, 1)))
    failing = asyncio.ensure_future(runner.run(broken))
    duplicate = asyncio.ensure_future(runner.run(lambda tx: insert_checkin(tx, 1)))
    last = asyncio.ensure_future(runner.run(lambda tx: insert_checkin(tx, 2)))
    await asyncio.sleep(0.05)
    gate.set()
    await blocker

    assert await first == 1
    with pytest.raises(ValueError, match="a rule said no"):
        await failing
    with pytest.raises(sqlite3.IntegrityError):  # the same day twice: the key refuses
        await duplicate
    assert await last == 1
    users = await runner.run(
        lambda tx: [r["user_id"] for r in tx.rows("SELECT user_id FROM checkins ORDER BY 1")],
        write=False,
    )
    assert users == [1, 2]  # nothing of the failed units stayed


async def test_dates_and_times_come_back_as_python_values(runner: SqliteRunner):
    await runner.run(lambda tx: insert_checkin(tx, 7))
    row = await runner.run(
        lambda tx: tx.first("SELECT day, created_at FROM checkins WHERE user_id = 7"), write=False
    )
    assert row is not None
    assert row["day"] == date(2026, 11, 25)
    assert row["created_at"] == NOW and row["created_at"].tzinfo is not None


async def test_naive_datetimes_are_refused(runner: SqliteRunner):
    with pytest.raises(ValueError, match="naive"):
        await runner.run(
            lambda tx: tx.execute(
                "UPDATE checkins SET created_at = :at", {"at": datetime(2026, 1, 1)}
            )
        )


async def test_the_event_loop_never_touches_the_connection(runner: SqliteRunner):
    loop_thread = threading.get_ident()
    seen = await runner.run(lambda tx: threading.get_ident())
    assert seen != loop_thread


async def test_close_finishes_queued_work_then_refuses_more(tmp_path: Path):
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'close.db'}")
    runner = store.runner
    pending = [
        asyncio.ensure_future(runner.run(lambda tx, u=u: insert_checkin(tx, u))) for u in range(5)
    ]
    await asyncio.sleep(0)
    await store.close()
    assert await asyncio.gather(*pending) == [1] * 5
    with pytest.raises(RuntimeError, match="not open"):
        await runner.run(lambda tx: None)
    reopened = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'close.db'}")
    assert await reopened.read(lambda tx: tx.scalar("SELECT count(*) FROM checkins")) == 5
    await reopened.close()


async def test_commits_never_checkpoint_and_the_checkpointer_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import bot.store.sqlite_runner as runner_module

    monkeypatch.setattr(runner_module, "CHECKPOINT_EVERY", 0.05)
    path = tmp_path / "wal.db"
    store = await open_store(f"sqlite+aiosqlite:///{path}")
    # Enough commits to cross SQLite's default autocheckpoint of 1000 pages many times.
    for user in range(300):
        await store.run(lambda tx, u=user: insert_checkin(tx, u))
    autocheckpoint = await store.read(lambda tx: tx.scalar("PRAGMA wal_autocheckpoint"))
    assert autocheckpoint == 0  # commits leave checkpoints alone...
    await asyncio.sleep(0.3)
    # ...and the checkpointer copied the log, so the next commit starts it over: the log
    # holds that one commit, not 301 of them.
    await store.run(lambda tx: insert_checkin(tx, 300))
    frames = await asyncio.to_thread(_log_frames, path)
    assert 0 < frames < 20
    await store.close()
    assert await asyncio.to_thread(_log_frames, path) == 0  # the last close empties it
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("SELECT count(*) FROM checkins").fetchone() == (301,)


def _log_frames(path: Path) -> int:
    """Frames in the write-ahead log since it last started over (0 without a log)."""
    if not Path(f"{path}-wal").exists():
        return 0
    with closing(sqlite3.connect(path)) as connection:
        _busy, frames, _copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(frames)
