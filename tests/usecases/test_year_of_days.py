"""The heatmap's data: a member's last 52 weeks in their own calendar, with the weeks a
shield saved and the weeks paused."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from bot.core.days import zone
from bot.store import Store
from bot.usecases import checkins, pausing, server
from bot.usecases.year_of_days import year_of_days
from tests.support import make_services

_guilds = itertools.count(91_000)


async def test_a_year_of_days_in_the_servers_zone_with_shields_and_pauses(store: Store):
    guild, user = next(_guilds), 7
    clock = [datetime(2025, 9, 1, 12, 0, tzinfo=UTC)]
    services = make_services(store, lambda: clock[0])
    await server.set_timezone(services, guild, zone("Pacific/Auckland"))
    await server.set_shield_every(services, guild, 2)

    async def check_in_at(moment: datetime) -> None:
        clock[0] = moment
        await checkins.check_in(services, guild, user, source="command", channel_id=1)

    # Long ago: outside the 52 weeks shown.
    await check_in_at(datetime(2025, 9, 1, 12, 0, tzinfo=UTC))
    # 23:30 UTC on Monday 5 Oct is already Tuesday 6 Oct in Auckland.
    await check_in_at(datetime(2026, 10, 5, 23, 30, tzinfo=UTC))
    await check_in_at(datetime(2026, 10, 13, 12, 0, tzinfo=UTC))
    # The week of 19 Oct goes unmet: the shield earned by two met weeks saves it.
    await check_in_at(datetime(2026, 10, 27, 12, 0, tzinfo=UTC))
    clock[0] = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)  # Wednesday 11 Nov in Auckland
    await pausing.pause(services, guild, user, 1)

    year = await year_of_days(services, guild, user)

    assert year.today == date(2026, 11, 11)
    assert year.first_monday == date(2026, 11, 9) - timedelta(weeks=51)
    # Noon UTC is already the next day in Auckland.
    assert year.days == {date(2026, 10, 6), date(2026, 10, 14), date(2026, 10, 28)}
    assert year.shield_weeks == {date(2026, 10, 19)}
    assert year.paused_weeks == {date(2026, 11, 9)}
    assert year.target == 1


async def test_a_member_without_check_ins_has_an_empty_year(store: Store):
    services = make_services(store, lambda: datetime(2026, 11, 10, 12, 0, tzinfo=UTC))
    year = await year_of_days(services, next(_guilds), 1)
    assert (year.days, year.shield_weeks, year.paused_weeks) == (set(), set(), set())
