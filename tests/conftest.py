"""Fixtures shared by every test package: settings, a real migrated SQLite store, and
`backend_store`: the same on SQLite and on PostgreSQL (when LEGDAY_TEST_POSTGRES_URL is set),
for the storage and use-case tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bot import database
from bot.config import Config
from bot.runner import open_store
from bot.store import Store, opening
from bot.store.pg_runner import PgRunner, postgres_dsn
from fakediscord import FakeDiscord
from fakediscord.spec_check import load_spec


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long",
        action="store_true",
        default=False,
        help="run the long variants of the reliability tests (tests/reliability/RESULTS.md)",
    )


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "legday.db"


@pytest.fixture
def make_config(db_path: Path) -> Callable[..., Config]:
    """Config that ignore the developer's environment and `.env`, pointed at `db_path`."""

    def make(**overrides: Any) -> Config:
        values: dict[str, Any] = {
            "discord_token": "test-token",
            "database_url": sqlite_url(db_path),
            "dev_guild_id": None,
            "owner_ids": frozenset(),
            "prefix": "!",
            "prefix_commands": True,
            "default_timezone": "UTC",
            # High enough that no test trips the bot-wide cooldown by accident.
            "cooldown_rate": 1000,
            "cooldown_seconds": 1.0,
        }
        values.update(overrides)
        return Config(_env_file=None, **values)

    return make


@pytest.fixture
async def store(make_config: Callable[..., Config]) -> AsyncIterator[Store]:
    """A store on a fresh SQLite file, created by the real migrations."""
    opened = await open_store(make_config())
    try:
        yield opened
    finally:
        await opened.close()


POSTGRES_URL = os.environ.get("LEGDAY_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
async def backend_store(
    request: pytest.FixtureRequest, make_config: Callable[..., Config]
) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        opened = await opening.open_store(make_config().database_url)
        try:
            yield opened
        finally:
            await opened.close()
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need LEGDAY_TEST_POSTGRES_URL (`.ci/run` sets it)")
    schema = f"legday_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = create_async_engine(
        POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}}
    )
    try:
        await database.upgrade(engine)
        await engine.dispose()
        # The store serves through psycopg, as the bot's does (bot.store.opening).
        opened = Store(PgRunner(postgres_dsn(POSTGRES_URL), options=f"-c search_path={schema}"))
        await opened.runner.start()
        try:
            yield opened
        finally:
            await opened.close()
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


# --- every emulator exchange checked against Discord's OpenAPI spec --------------------


@pytest.fixture(autouse=True)
def _exchanges_match_discords_spec(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test, the REST traffic of every loopback Discord it used must match
    Discord's published spec: the bot's request bodies and the emulator's answers."""
    seen = {id(fd): len(fd.emulator.requests) for fd in FakeDiscord.started}
    FakeDiscord.held = made_here = []  # emulators this test starts, even ones it drops
    try:
        yield
    finally:
        FakeDiscord.held = None
    checker = load_spec()
    if checker is None:
        return
    problems = []
    used = {id(fd): fd for fd in [*FakeDiscord.started, *made_here]}
    for fd in used.values():
        problems += checker.problems(fd.emulator.requests[seen.get(id(fd), 0) :])
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:20])
        pytest.fail(f"{len(problems)} exchange(s) do not match Discord's spec:\n{shown}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    checker = load_spec()
    if checker is None:
        terminalreporter.write_line(
            "Discord's OpenAPI spec not found (../shared/discord-api-spec/openapi.json or "
            "$FAKEDISCORD_OPENAPI): exchanges were not checked against it"
        )
    else:
        terminalreporter.write_line(
            f"{checker.checked} REST exchanges checked against Discord's OpenAPI spec"
        )
