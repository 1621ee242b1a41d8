"""The recap of a week, summed up from a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.core import recap
from bot.store import Store, Tx
from bot.store.sql import settings as settings_sql
from bot.usecases import weekly
from tests.support import record_day

GUILD = 111
MON = date(2026, 11, 2)  # a Monday


async def test_the_recap_welcomes_first_leg_days(store: Store):
    # An old hand (first leg day the week before) and a newcomer.
    await record_day(store, GUILD, 1, MON - timedelta(days=7))
    await record_day(store, GUILD, 1, MON)
    await record_day(store, GUILD, 2, MON + timedelta(days=2))

    def summary(tx: Tx) -> recap.RecapSummary:
        guild = settings_sql.guild_config(tx, GUILD)
        return weekly.recap_summary(tx, guild, MON, "UTC")

    found = await store.read(summary)
    assert found.total == 2
    assert found.newcomers == [2]
    assert (found.new_bests, found.kept) == ([], [(1, 2)])  # a first streak only grows
