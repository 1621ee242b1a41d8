"""The command line as an admin meets it: clear one-line errors, exit codes, maintenance."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from bot.database import head_revision
from tests.cli.run import legday


def test_missing_token_is_one_clear_line_and_exit_2(tmp_path: Path):
    result = legday("run", cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 2
    assert "DISCORD_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("LEGDAY_CATCHUP_MINUTES", "lots", "LEGDAY_CATCHUP_MINUTES"),
        ("LEGDAY_DEFAULT_TIMEZONE", "Mars/Olympus", "time zone"),
        ("LEGDAY_LOG_LEVEL", "LOUD", "LEGDAY_LOG_LEVEL"),
        ("LEGDAY_PREFIX_COMMANDS", "perhaps", "LEGDAY_PREFIX_COMMANDS"),
    ],
)
def test_bad_setting_is_one_clear_line_and_exit_2(tmp_path: Path, name, value, expected):
    result = legday("run", cwd=tmp_path, env={"DISCORD_TOKEN": "x", name: value})
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_settings_are_read_from_dotenv(tmp_path: Path):
    (tmp_path / ".env").write_text("LEGDAY_CATCHUP_MINUTES=not-a-number\n")
    result = legday("run", cwd=tmp_path, env={"DISCORD_TOKEN": "x"})
    assert result.returncode == 2
    assert "LEGDAY_CATCHUP_MINUTES" in result.stderr


def test_db_upgrade_creates_a_migrated_database(tmp_path: Path):
    db = tmp_path / "data" / "legday.db"
    result = legday("db", "upgrade", cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{db}"})
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert revision == head_revision()
    assert {"checkins", "member_stats", "schedules", "deliveries"} <= tables


def test_health_reports_the_heartbeat_file_age(tmp_path: Path):
    beat = tmp_path / "health"
    env = {"LEGDAY_HEALTH_FILE": str(beat)}
    assert legday("health", cwd=tmp_path, env=env).returncode == 1  # never reported in
    beat.write_text("now")
    assert legday("health", cwd=tmp_path, env=env).returncode == 0
    stale = time.time() - 600
    os.utime(beat, (stale, stale))
    assert legday("health", cwd=tmp_path, env=env).returncode == 1


def test_rebuild_summaries_recomputes_from_the_checkins(tmp_path: Path):
    database = tmp_path / "data" / "legday.db"
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    assert legday("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    with sqlite3.connect(database) as connection:
        connection.executemany(
            "INSERT INTO checkins (guild_id, user_id, day, created_at, source) "
            "VALUES (1, ?, ?, '2026-11-02 10:00:00.000000', 'import')",
            [(10, "2026-11-02"), (10, "2026-11-09"), (11, "2026-11-03")],
        )
    result = legday("db", "rebuild-summaries", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("rebuilt the summaries of 2 members in 1 servers in ")
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT user_id, total, run, best FROM member_stats ORDER BY user_id"
        ).fetchall()
        weeks = connection.execute(
            "SELECT user_id, start, count FROM member_periods WHERE kind = 'w' ORDER BY 1, 2"
        ).fetchall()
    assert rows == [(10, 2, 2, 2), (11, 1, 1, 1)]
    assert weeks == [(10, "2026-11-02", 1), (10, "2026-11-09", 1), (11, "2026-11-02", 1)]
