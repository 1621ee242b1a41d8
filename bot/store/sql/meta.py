"""Facts about the derived data, kept in the `meta` table."""

from __future__ import annotations

from bot.store.tx import Tx


def get(tx: Tx, key: str) -> str | None:
    value: str | None = tx.scalar("SELECT value FROM meta WHERE key = :key", {"key": key})
    return value


def put(tx: Tx, key: str, value: str) -> None:
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (:key, :value) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        {"key": key, "value": value},
    )
