"""`legday db backup PATH`: a verified copy or a one-line refusal, never an empty "backup"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.run import legday, one_line


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A migrated database with one quote and one check-in in it."""
    db = tmp_path / "live" / "legday.db"
    assert (
        legday("db", "upgrade", cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{db}"}).returncode
        == 0
    )
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO quotes (guild_id, text, added_by, created_at) "
            "VALUES (1, 'legs feed the wolf', 2, '2026-01-01')"
        )
        conn.execute(
            "INSERT INTO checkins (guild_id, user_id, day, created_at, source) "
            "VALUES (1, 2, '2026-01-01', '2026-01-01T10:00:00', 'prefix')"
        )
    return db


def backup(db: Path, target: Path | str, cwd: Path):
    return legday("db", "backup", str(target), cwd=cwd, env={"DATABASE_URL": f"sqlite:///{db}"})


def test_backup_is_a_verified_self_contained_copy(database: Path, tmp_path: Path):
    (tmp_path / "backups").mkdir()
    copy = tmp_path / "backups" / "nightly.db"
    result = backup(database, copy, tmp_path)

    assert result.returncode == 0, result.stderr
    first, second = result.stdout.strip().splitlines()
    assert first.startswith(f"backed up {database} to {copy}: ")
    assert first.endswith(" KB, integrity ok")
    assert "checkins 1" in second and "quotes 1" in second and "schedules 0" in second
    assert "alembic_version" not in second
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT text FROM quotes").fetchall() == [("legs feed the wolf",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert sorted(p.name for p in copy.parent.iterdir()) == ["nightly.db"]


def test_a_relative_target_is_taken_from_the_current_folder(database: Path, tmp_path: Path):
    result = backup(database, "copy.db", tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "copy.db").is_file()


def test_no_database_means_no_backup_and_exit_3(tmp_path: Path):
    missing = tmp_path / "data" / "legday.db"
    target = tmp_path / "copy.db"
    result = backup(missing, target, tmp_path)

    assert result.returncode == 3
    assert one_line(result.stderr) == (
        f"legday: there is no database at {missing} to back up "
        "(check DATABASE_URL and LEGDAY_DATA_DIR)"
    )
    assert not missing.exists()  # nothing was created in its place
    assert not missing.parent.exists()
    assert not target.exists()


def test_a_missing_target_folder_is_refused_not_created(database: Path, tmp_path: Path):
    target = tmp_path / "no-such-folder" / "copy.db"
    result = backup(database, target, tmp_path)

    assert result.returncode == 2
    assert one_line(result.stderr) == (
        f"legday: the folder {target.parent} does not exist; create it first"
    )
    assert not target.parent.exists()


def test_the_database_itself_is_not_a_backup_target(database: Path, tmp_path: Path):
    result = backup(database, database, tmp_path)
    assert result.returncode == 2
    assert "another file than the database itself" in one_line(result.stderr)
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM quotes").fetchone() == (1,)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path):
    junk = tmp_path / "legday.db"
    junk.write_bytes(b"this is not SQLite " * 100)
    target = tmp_path / "copy.db"
    result = backup(junk, target, tmp_path)

    assert result.returncode == 3
    assert one_line(result.stderr) == f"legday: cannot back up {junk}: file is not a database"
    assert not target.exists()
    assert not (tmp_path / "copy.db.partial").exists()


def test_postgresql_is_pointed_at_pg_dump(tmp_path: Path):
    env = {"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test"}
    result = legday("db", "backup", "copy.db", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "use pg_dump" in one_line(result.stderr)
