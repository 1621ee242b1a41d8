"""Recognising the bot's own DMs after a crash: the same nudge whatever its wording of
the moment (late or not, counts changed), never another kind's or another server's."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from bot.core import at_risk, reminders
from bot.core.reminders import Kind
from bot.reminders.poster import DiscordPoster


def test_a_reminder_dm_is_recognised_on_time_or_late() -> None:
    for sent_late in (False, True):
        text = reminders.dm_text(Kind.REMINDER, "Quad Squad", late=sent_late)
        assert reminders.is_dm_of(text, Kind.REMINDER, "Quad Squad")


def test_a_reminder_dm_of_another_kind_or_server_is_not_ours() -> None:
    text = reminders.dm_text(Kind.REMINDER, "Quad Squad")
    others = [k for k in Kind if k != Kind.REMINDER]
    assert others and not any(reminders.is_dm_of(text, k, "Quad Squad") for k in others)
    assert not reminders.is_dm_of(text, Kind.REMINDER, "Quad")
    assert not reminders.is_dm_of(text, Kind.REMINDER, None)
    assert not reminders.is_dm_of(text + " extra", Kind.REMINDER, "Quad Squad")


def test_an_at_risk_dm_is_recognised_whatever_its_counts() -> None:
    sent = at_risk.dm_text("Quad Squad", 3, 2, 1)
    assert at_risk.is_dm_of(sent, "Quad Squad")
    assert at_risk.is_dm_of(at_risk.dm_text("Quad Squad", 3, 1, 0), "Quad Squad")
    assert not at_risk.is_dm_of(sent, "Quad")
    assert not at_risk.is_dm_of(sent, None)
    assert not at_risk.is_dm_of(at_risk.dm_text(None, 3, 2, 1), "Quad Squad")
    assert not at_risk.is_dm_of(reminders.dm_text(Kind.REMINDER, "Quad Squad"), "Quad Squad")


class StartingClient:
    """Just what DiscordPoster reads of a client at start-up: no servers until READY."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.guilds: dict[int, SimpleNamespace] = {}

    def get_guild(self, guild_id: int) -> SimpleNamespace | None:
        return self.guilds.get(guild_id)

    def is_ready(self) -> bool:
        return self.ready.is_set()

    async def wait_until_ready(self) -> None:
        await self.ready.wait()

    def become_ready(self) -> None:
        self.guilds[7] = SimpleNamespace(name="Quad Squad")
        self.ready.set()


async def test_a_dm_written_at_start_up_waits_for_the_server_to_be_known() -> None:
    client = StartingClient()
    poster = DiscordPoster(client)  # type: ignore[arg-type]
    asking = asyncio.create_task(poster.guild_name(7))
    await asyncio.sleep(0.05)
    assert not asking.done()
    client.become_ready()
    assert await asyncio.wait_for(asking, 1) == "Quad Squad"
    assert await poster.guild_name(8) is None  # ready, and not a member there
