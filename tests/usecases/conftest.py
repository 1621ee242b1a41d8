"""Use-case tests: the rules over a real store, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import pytest

from bot.store import Store


@pytest.fixture
def store(backend_store: Store) -> Store:
    return backend_store
