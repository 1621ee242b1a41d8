"""`legday run` that cannot start: one line on stderr and the documented exit code (README
"Exit codes"), never a traceback. Logging is at WARNING, so the line is alone on stderr."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from fakediscord import FakeDiscord
from sandbox.demo import build_demo
from tests.cli.run import closed_port, legday, legday_async, one_line

QUIET = {"DISCORD_TOKEN": "x.y.z", "LEGDAY_LOG_LEVEL": "WARNING"}
EXPECTED_URL = "expected sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER:PASSWORD@HOST/DB"


def run(cwd: Path, **env: str):
    return legday("run", cwd=cwd, env={**QUIET, **env})


def test_help_lists_the_exit_codes(tmp_path: Path):
    out = legday("--help", cwd=tmp_path).stdout
    assert "exit codes:" in out
    for code in ("0", "1", "2", "3", "4"):
        assert f"\n  {code}  " in out


# --- exit 2: a DATABASE_URL the bot cannot use ------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://legday:secret@db/legday", f"mysql is not supported; {EXPECTED_URL}"),
        ("nonsense", EXPECTED_URL),
        (
            "postgresql+psycopg2://db/legday",
            f"postgresql+psycopg2 is not supported; {EXPECTED_URL}",
        ),
    ],
)
def test_a_database_url_the_bot_cannot_use_is_exit_2(tmp_path: Path, url: str, expected: str):
    result = run(tmp_path, DATABASE_URL=url)
    assert result.returncode == 2
    assert one_line(result.stderr) == f"legday: invalid settings: DATABASE_URL: {expected}"
    assert "secret" not in result.stderr


@pytest.mark.parametrize("package", ["asyncpg", "psycopg"])
def test_postgresql_without_its_drivers_installed_says_what_to_install(monkeypatch, package):
    monkeypatch.setitem(sys.modules, package, None)  # as if `legday[postgres]` was skipped
    with pytest.raises(ConfigError) as raised:
        load_config(_env_file=None, database_url="postgresql://db/legday")
    assert str(raised.value) == (
        f"invalid settings: DATABASE_URL: postgresql+asyncpg needs the {package} package, "
        "which is not installed (pip install 'legday[postgres]')"
    )


# --- exit 3: the database cannot be used -------------------------------------------------


def test_postgresql_that_refuses_connections_is_exit_3(tmp_path: Path):
    port = closed_port()
    result = run(tmp_path, DATABASE_URL=f"postgresql://legday:secret@127.0.0.1:{port}/legday")
    assert result.returncode == 3
    assert one_line(result.stderr) == (
        f"legday: cannot use the PostgreSQL database at 127.0.0.1:{port}/legday: connection refused"
    )


def test_a_data_folder_that_cannot_be_created_is_exit_3(tmp_path: Path):
    (tmp_path / "data").write_text("a file where the data folder should be")
    result = run(tmp_path)  # the default: legday.db inside ./data
    assert result.returncode == 3
    assert one_line(result.stderr) == (
        f"legday: the data folder {tmp_path / 'data'} is a file, not a folder"
    )


def test_a_database_path_under_a_file_is_exit_3(tmp_path: Path):
    (tmp_path / "blocker").write_text("")
    result = run(tmp_path, LEGDAY_DATA_DIR=str(tmp_path / "blocker" / "data"))
    assert result.returncode == 3
    assert one_line(result.stderr) == (
        f"legday: cannot create the data folder {tmp_path / 'blocker' / 'data'}: not a directory"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to any folder")
def test_a_read_only_data_folder_is_exit_3(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        result = run(tmp_path)
    finally:
        data.chmod(stat.S_IRWXU)
    assert result.returncode == 3
    assert one_line(result.stderr) == (
        f"legday: the data folder {data} is not writable by this user"
    )


def test_the_failure_is_the_last_line_at_the_default_log_level(tmp_path: Path):
    (tmp_path / "data").write_text("")
    result = legday("run", cwd=tmp_path, env={"DISCORD_TOKEN": "x.y.z"})
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("legday: the data folder")


# --- exit 2 and 4: Discord says no, or cannot be reached ---------------------------------


def discord_env(fd: FakeDiscord, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **QUIET,
        "DISCORD_API_BASE": fd.api_base,
        "DISCORD_GATEWAY_URL": fd.gateway_url,
        "DISCORD_TOKEN": fd.bot_token,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'legday.db'}",
        "LEGDAY_GUILD_READY_TIMEOUT": "0.05",
        **extra,
    }


@pytest.mark.e2e
async def test_a_rejected_token_is_exit_2(tmp_path: Path):
    async with FakeDiscord() as fd:
        build_demo(fd)
        fd.invalidate_token(fd.bot_token)
        result = await legday_async("run", cwd=tmp_path, env=discord_env(fd, tmp_path))
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        "legday: Discord rejected DISCORD_TOKEN; copy it again from the portal"
    )


@pytest.mark.e2e
async def test_a_missing_message_content_intent_is_exit_2(tmp_path: Path):
    async with FakeDiscord() as fd:
        build_demo(fd)
        fd.application.message_content_allowed = False
        result = await legday_async("run", cwd=tmp_path, env=discord_env(fd, tmp_path))
    assert result.returncode == 2
    assert "the Message Content intent is not enabled" in one_line(result.stderr)


@pytest.mark.e2e
async def test_discord_unreachable_at_start_is_exit_4(tmp_path: Path):
    port = closed_port()
    env = {**QUIET, "DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'legday.db'}"
    result = await legday_async("run", cwd=tmp_path, env=env)
    assert result.returncode == 4
    assert one_line(result.stderr) == (
        f"legday: cannot reach http://127.0.0.1:{port}/api/v10: connection refused"
    )


@pytest.mark.e2e
async def test_a_gateway_unreachable_at_start_is_exit_4(tmp_path: Path):
    """Logging in (REST) works but the gateway does not answer: discord.py cannot retry
    a first connection, so this is a start-up failure, not an endless retry."""
    port = closed_port()
    async with FakeDiscord() as fd:
        build_demo(fd)
        env = discord_env(fd, tmp_path, DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/")
        result = await legday_async("run", cwd=tmp_path, env=env)
    assert result.returncode == 4
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == f"legday: cannot connect to Discord's gateway at ws://127.0.0.1:{port}/"
    # The one attempt discord.py made is one line with its reason.
    assert all("connection refused" in line for line in lines[:-1]), lines
