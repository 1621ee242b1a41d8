"""Fixtures shared by every test package: settings, a real migrated SQLite store, and
`backend_store`: the same on SQLite and on PostgreSQL (when LEGDAY_TEST_POSTGRES_URL is set),
for the storage, use-case, cog and reminder tests. The end of a run counts the tests of
each backend (`pytest_terminal_summary`), and a run told of a PostgreSQL server whose
PostgreSQL tests all skipped fails: a silent skip would hide that half."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import database
from bot.config import Config
from bot.runner import open_store
from bot.store import Store, opening
from fakediscord import FakeDiscord
from fakediscord.spec_check import load_spec
from tests.postgres import (
    BACKENDS,
    POSTGRES_URL,
    SQLITE,
    fresh_schema_name,
    open_empty_engine,
    open_schema_store,
    schema_engine,
)


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


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database of a bot process (an e2e module's, or a test's own): `sqlite`, then
    `postgresql` (tests/postgres.py `backend_url` turns it into a DATABASE_URL)."""
    return str(request.param)


#: opens one more store on the test's database, as a second process would
OpenStore = Callable[[], Awaitable[Store]]


@pytest.fixture(params=BACKENDS)
async def reopen_store(
    request: pytest.FixtureRequest, make_config: Callable[..., Config]
) -> AsyncIterator[OpenStore]:
    """Opens stores on one fresh database made by the real migrations: a SQLite file, or
    a PostgreSQL schema of its own. The caller closes what it opens."""
    if request.param == SQLITE:
        url = make_config().database_url
        yield lambda: opening.open_store(url)
        return
    async with fresh_schema_name() as schema:
        migrating = schema_engine(schema)
        try:
            await database.upgrade(migrating)
        finally:
            await migrating.dispose()

        async def open_on_schema() -> Store:
            # The bot's PostgreSQL runner, as bot.store.opening starts it.
            return await open_schema_store(schema)

        yield open_on_schema


@pytest.fixture
async def backend_store(reopen_store: OpenStore) -> AsyncIterator[Store]:
    """A store on SQLite or PostgreSQL (`reopen_store` opens a second one beside it)."""
    opened = await reopen_store()
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture(params=BACKENDS)
async def empty_engine(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    """An empty database, not migrated: a SQLite file, or a fresh PostgreSQL schema."""
    async with open_empty_engine(request.param, tmp_path / "empty.db") as engine:
        yield engine


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
    totals = _counts.totals()
    for backend, outcomes in totals.items():
        said = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
        terminalreporter.write_line(f"{backend} tests: {said or 'none'}")
    if _postgres_all_skipped(totals):
        terminalreporter.write_line(
            "LEGDAY_TEST_POSTGRES_URL is set but every PostgreSQL test skipped: failing"
        )
    checker = load_spec()
    if checker is None:
        terminalreporter.write_line(
            "Discord's OpenAPI spec not found (../shared/discord-api-spec/openapi.json or "
            "$FAKEDISCORD_OPENAPI): exchanges were not checked against it"
        )
    elif terminalreporter.config.pluginmanager.hasplugin("dsession"):
        # pytest-xdist: the checks ran in the worker processes, which count for themselves
        terminalreporter.write_line(
            "REST exchanges checked against Discord's OpenAPI spec in each test process"
        )
    else:
        terminalreporter.write_line(
            f"{checker.checked} REST exchanges checked against Discord's OpenAPI spec"
        )


# --- the tests of each database backend, counted -----------------------------------------

_BACKEND_NAMES = ("sqlite", "postgresql")


def _backend_of(keywords: Any) -> str | None:
    return next((name for name in _BACKEND_NAMES if name in keywords), None)


class _BackendCounts:
    """Each backend's tests by outcome, from the reports (also a worker's, under xdist)."""

    def __init__(self) -> None:
        self.outcomes: dict[str, dict[str, str]] = {name: {} for name in _BACKEND_NAMES}

    def record(self, report: pytest.TestReport) -> None:
        backend = _backend_of(report.keywords)
        if backend is None:
            return
        seen = self.outcomes[backend]
        if report.failed:
            seen[report.nodeid] = "failed"
        elif report.skipped and report.nodeid not in seen:
            seen[report.nodeid] = "skipped"
        elif report.when == "call" and report.passed:
            seen.setdefault(report.nodeid, "passed")

    def totals(self) -> dict[str, dict[str, int]]:
        return {name: dict(Counter(seen.values())) for name, seen in self.outcomes.items()}


_counts = _BackendCounts()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _counts.record(report)


def _postgres_all_skipped(totals: dict[str, dict[str, int]]) -> bool:
    postgres = totals["postgresql"]
    return bool(POSTGRES_URL) and bool(postgres) and set(postgres) == {"skipped"}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller counts every worker's reports
    totals = _counts.totals()
    if _postgres_all_skipped(totals):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    counts_file = os.environ.get("LEGDAY_TEST_COUNTS_FILE")
    if counts_file:
        Path(counts_file).write_text(json.dumps(totals), encoding="utf-8")
