"""Fixtures shared by every test package: settings and a real, migrated SQLite store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.runner import open_store
from bot.settings import Settings
from bot.store import Store


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "legday.db"


@pytest.fixture
def make_settings(db_path: Path) -> Callable[..., Settings]:
    """Settings that ignore the developer's environment and `.env`, pointed at `db_path`."""

    def make(**overrides: Any) -> Settings:
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
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture
async def store(make_settings: Callable[..., Settings]) -> AsyncIterator[Store]:
    """A store on a fresh SQLite file, created by the real migrations."""
    opened = await open_store(make_settings())
    try:
        yield opened
    finally:
        await opened.close()
