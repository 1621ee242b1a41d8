"""A member's data in one server: everything of it, or none of it."""

from __future__ import annotations

from typing import Any

from bot.store import Tx
from bot.store.sql import milestones as milestones_sql
from bot.store.sql import privacy as privacy_sql
from bot.usecases import summaries
from bot.usecases.services import Services


async def export(services: Services, guild_id: int, user_id: int) -> dict[str, Any]:
    data = await services.store.read(lambda tx: privacy_sql.export_member(tx, guild_id, user_id))
    data["exported_at"] = services.now().isoformat()
    return data


async def forget(services: Services, guild_id: int, user_id: int) -> int:
    """Delete the member's check-ins, summaries and settings here, and the ledger of the
    milestone roles the bot gave them; returns how many check-ins went.

    The roles themselves are taken back too (best effort, after the deletion): they stand
    for a streak the bot no longer has, and without the ledger nothing would ever take
    them away again."""

    def work(tx: Tx) -> tuple[int, list[int]]:
        summaries.drop_member(tx, guild_id, user_id)
        removed = privacy_sql.forget_member(tx, guild_id, user_id)
        roles = milestones_sql.forget_member(tx, guild_id, user_id)
        services.cache.forget_member(guild_id, user_id)
        return removed, roles

    removed, roles = await services.store.run(work)
    services.cache.forget_member(guild_id, user_id)
    if roles:
        services.roles.take_away(guild_id, user_id, roles)
    return removed
