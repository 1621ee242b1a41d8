"""Recording check-ins of any past day: for importing history, not for members.

Members can backfill a week at most (`legday log`); a seeded demo server, a benchmark or a
migration of data from elsewhere needs older days. They go through the same rules as a
check-in, so the summaries are exactly what live check-ins would have left.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from bot.core import days
from bot.core.streaks import StreakState
from bot.store import Tx
from bot.store.sql import checkins as checkins_sql
from bot.store.sql import settings as settings_sql
from bot.store.sql import summaries as summaries_sql
from bot.usecases import summaries


@dataclass(frozen=True, slots=True)
class PastCheckin:
    day: date
    created_at: datetime
    note: str | None = None
    source: str = "import"


def record_history(
    tx: Tx,
    guild_id: int,
    user_id: int,
    checkins: Iterable[PastCheckin],
    *,
    default_zone: str | None,
) -> StreakState:
    """Record each check-in the member doesn't have yet; returns their streak state."""
    guild = settings_sql.guild_config(tx, guild_id)
    member = settings_sql.member_config(tx, guild_id, user_id)
    zone = days.effective_zone(member.timezone, guild.timezone, default_zone)
    rules = summaries.Rules.of(guild, member.paused)
    for checkin in checkins:
        if checkins_sql.insert(
            tx,
            guild_id,
            user_id,
            checkin.day,
            created_at=checkin.created_at,
            note=checkin.note,
            source=checkin.source,
        ):
            summaries.record_day(tx, guild_id, user_id, checkin.day, rules=rules, zone=zone)
    return summaries.to_state(summaries_sql.read(tx, guild_id, user_id))
