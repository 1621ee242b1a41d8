"""Everything stored about one member in one server: read it out, or erase it."""

from __future__ import annotations

from typing import Any

from bot.core.lifts import format_amount
from bot.store.sql import lifts, settings, summaries
from bot.store.tx import Tx


def export_member(tx: Tx, guild_id: int, user_id: int) -> dict[str, Any]:
    """Everything stored about one member in one server, as JSON-ready values."""
    params = {"guild_id": guild_id, "user_id": user_id}
    member = settings.member_config(tx, guild_id, user_id)
    checkins = [
        {
            "day": row["day"].isoformat(),
            "created_at": row["created_at"].isoformat(),
            "note": row["note"],
            "source": row["source"],
        }
        for row in tx.rows(
            "SELECT day, created_at, note, source FROM checkins "
            "WHERE guild_id = :guild_id AND user_id = :user_id ORDER BY day",
            params,
        )
    ]
    summary = summaries.read(tx, guild_id, user_id)
    added = [
        {"id": row["id"], "text": row["text"], "created_at": row["created_at"].isoformat()}
        for row in tx.rows(
            "SELECT id, text, created_at FROM quotes "
            "WHERE guild_id = :guild_id AND added_by = :user_id ORDER BY id",
            params,
        )
    ]
    return {
        "guild_id": str(guild_id),
        "user_id": str(user_id),
        "settings": {
            "timezone": member.timezone,
            "reminders_opt_in": member.reminders_opt_in,
            "remind_via": member.remind_via,
            "hidden": member.hidden,
            "weight_unit": member.weight_unit,
        },
        "paused_weeks": [
            row["week_start"].isoformat()
            for row in tx.rows(
                "SELECT week_start FROM member_pauses "
                "WHERE guild_id = :guild_id AND user_id = :user_id ORDER BY week_start",
                params,
            )
        ],
        "messages_to_you": [
            {
                "kind": row["kind"],
                "day": row["occurrence"].isoformat(),
                "via": row["via"],
                "state": row["state"],
            }
            for row in tx.rows(
                "SELECT kind, occurrence, via, state FROM member_nudges "
                "WHERE guild_id = :guild_id AND user_id = :user_id ORDER BY occurrence, kind",
                params,
            )
        ],
        "summary": {
            "total": summary.total if summary else 0,
            "best_streak_weeks": summary.best if summary else 0,
            "shields": summary.shields if summary else 0,
            "last_day": summary.last_day.isoformat() if summary and summary.last_day else None,
        },
        "checkins": checkins,
        "lift_sets": [
            {
                "day": logged.day.isoformat(),
                "exercise": logged.lift.exercise,
                "sets": logged.lift.sets,
                "reps": logged.lift.reps,
                # As written: a decimal string, so nothing is rounded on the way out.
                "weight": format_amount(logged.lift.weight_centi),
                "unit": logged.lift.unit,
            }
            for logged in lifts.export_rows(tx, guild_id, user_id)
        ],
        "quotes_added": added,
    }


def forget_member(tx: Tx, guild_id: int, user_id: int) -> int:
    """Delete the member's data in one server; returns how many check-ins went."""
    params = {"guild_id": guild_id, "user_id": user_id}
    removed = tx.execute(
        "DELETE FROM checkins WHERE guild_id = :guild_id AND user_id = :user_id", params
    )
    summaries.delete_member(tx, guild_id, user_id)  # (their board scores went before: use case)
    lifts.delete_member(tx, guild_id, user_id)
    for table in ("member_pauses", "member_nudges", "members"):
        tx.execute(f"DELETE FROM {table} WHERE guild_id = :guild_id AND user_id = :user_id", params)
    # Quotes belong to the server; only the link to the member is removed.
    tx.execute(
        "UPDATE quotes SET added_by = 0 WHERE guild_id = :guild_id AND added_by = :user_id",
        params,
    )
    return removed
