"""Server-specific quotes."""

from __future__ import annotations

from datetime import datetime

from bot.store.records import StoredQuote
from bot.store.sql.schedules import is_row_id
from bot.store.tx import Tx

MAX_QUOTES_PER_GUILD = 200


def count(tx: Tx, guild_id: int) -> int:
    return int(
        tx.scalar("SELECT count(*) FROM quotes WHERE guild_id = :guild_id", {"guild_id": guild_id})
    )


def add(tx: Tx, guild_id: int, text: str, added_by: int, now: datetime) -> int:
    quote_id = tx.scalar(
        "INSERT INTO quotes (guild_id, text, added_by, created_at) "
        "VALUES (:guild_id, :text, :added_by, :created_at) RETURNING id",
        {"guild_id": guild_id, "text": text, "added_by": added_by, "created_at": now},
    )
    return int(quote_id)


def remove(tx: Tx, guild_id: int, quote_id: int) -> bool:
    if not is_row_id(quote_id):
        return False
    return (
        tx.execute(
            "DELETE FROM quotes WHERE guild_id = :guild_id AND id = :id",
            {"guild_id": guild_id, "id": quote_id},
        )
        == 1
    )


def listed(tx: Tx, guild_id: int) -> list[StoredQuote]:
    rows = tx.rows(
        "SELECT id, text, added_by, created_at FROM quotes WHERE guild_id = :guild_id ORDER BY id",
        {"guild_id": guild_id},
    )
    return [StoredQuote(r["id"], r["text"], r["added_by"], r["created_at"]) for r in rows]
