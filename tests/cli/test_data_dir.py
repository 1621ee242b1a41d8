"""Where the SQLite database lives: relative paths are inside LEGDAY_DATA_DIR (`/data` in the
Docker image, `./data` elsewhere), so a `.env` copied from `.env.example` cannot put the
database outside the persistent volume."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.config import load_config
from tests.cli.run import legday, one_line

PROJECT = Path(__file__).resolve().parents[2]


def settings(**values: object):
    return load_config(_env_file=None, **values)


def test_a_relative_sqlite_path_is_inside_the_data_dir(tmp_path: Path):
    resolved = settings(database_url="sqlite+aiosqlite:///data/legday.db", data_dir=tmp_path)
    assert resolved.sqlite_path == tmp_path / "data" / "legday.db"
    assert resolved.database_url == f"sqlite+aiosqlite:///{tmp_path}/data/legday.db"


def test_an_absolute_sqlite_path_stays_where_it_is(tmp_path: Path):
    resolved = settings(database_url="sqlite:////srv/legday/legday.db", data_dir=tmp_path)
    assert resolved.sqlite_path == Path("/srv/legday/legday.db")


def test_by_default_the_database_is_legday_db_in_data_under_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEGDAY_DATA_DIR", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    resolved = settings()
    assert resolved.data_dir == tmp_path / "data"
    assert resolved.sqlite_path == tmp_path / "data" / "legday.db"


def test_a_relative_data_dir_is_taken_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    resolved = settings(data_dir="state", database_url="sqlite:///bot.db")
    assert resolved.sqlite_path == tmp_path / "state" / "bot.db"


@pytest.mark.parametrize(
    "url",
    ["postgresql+asyncpg://legday:pw@db:5432/legday", "sqlite+aiosqlite://", "sqlite:///:memory:"],
)
def test_other_databases_are_left_alone(url: str, tmp_path: Path):
    resolved = settings(database_url=url, data_dir=tmp_path)
    assert resolved.sqlite_path is None
    assert str(tmp_path) not in resolved.database_url


def test_the_env_example_line_keeps_the_database_in_the_volume(tmp_path: Path):
    """The Docker situation: the working folder is the user's home, the volume is elsewhere,
    and `.env` (from .env.example) names a relative SQLite path."""
    home, volume = tmp_path / "home", tmp_path / "volume"
    home.mkdir()
    (home / ".env").write_text("DATABASE_URL=sqlite+aiosqlite:///data/legday.db\n")
    result = legday("db", "upgrade", cwd=home, env={"LEGDAY_DATA_DIR": str(volume)})

    assert result.returncode == 0, result.stderr
    database = volume / "data" / "legday.db"
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    assert list(home.iterdir()) == [home / ".env"]  # nothing outside the volume
    assert f": using the SQLite database {database}\n" in result.stderr


def test_the_image_keeps_its_data_in_the_volume():
    dockerfile = (PROJECT / "Dockerfile").read_text()
    assert "LEGDAY_DATA_DIR=/data" in dockerfile
    assert "DATABASE_URL=" not in dockerfile  # the default (legday.db in the data dir) applies
    assert 'VOLUME ["/data"]' in dockerfile


def test_a_database_left_at_the_old_place_is_not_silently_replaced(tmp_path: Path):
    """Before LEGDAY_DATA_DIR, `sqlite+aiosqlite:///data/legday.db` meant ./data/legday.db.
    Starting on a new, empty ./data/data/legday.db would look like lost data."""
    old = tmp_path / "data" / "legday.db"
    old.parent.mkdir()
    sqlite3.connect(old).close()
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite+aiosqlite:///data/legday.db\n")

    for command in (("run",), ("db", "upgrade")):
        result = legday(*command, cwd=tmp_path, env={"DISCORD_TOKEN": "x.y.z"})
        assert result.returncode == 3, result.stderr
        assert one_line(result.stderr) == (
            f"legday: found a database at {old}, but DATABASE_URL now means "
            f"{tmp_path / 'data' / 'data' / 'legday.db'} (relative SQLite paths are inside "
            f"LEGDAY_DATA_DIR, {tmp_path / 'data'}): move the file there, or give "
            "DATABASE_URL its absolute path"
        )
    assert not (tmp_path / "data" / "data").exists()
