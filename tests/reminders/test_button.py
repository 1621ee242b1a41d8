"""The reminder's "I trained legs" button keeps working after a restart."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from unittest import mock
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest

from bot.app import LegDayBot
from bot.core.reminders import Kind, nonce
from bot.views import DYNAMIC_ITEMS, CheckinButton, checkin_marker, checkin_view
from tests.reminders.conftest import CHANNEL, GUILD
from tests.reminders.helpers import utc
from tests.support import member_stats

USER = 4242
NOW = utc(2026, 6, 1, 18, 30)
TODAY = date(2026, 6, 1)
CUSTOM_ID = "legday:checkin"


def fake_interaction(bot: LegDayBot, *, guild_id: int | None = GUILD) -> MagicMock:
    interaction = MagicMock(spec=discord.Interaction)
    interaction.client = bot
    interaction.guild_id = guild_id
    interaction.channel_id = CHANNEL
    interaction.user = SimpleNamespace(id=USER, mention=f"<@{USER}>")
    interaction.response = SimpleNamespace(send_message=AsyncMock())
    interaction.message = None
    return interaction


def matching_item(items: tuple[type, ...], custom_id: str) -> tuple[type, object] | None:
    """The item class a click with this custom_id goes to (discord.py matches each
    registered item's template against it), and the match."""
    for item in items:
        match = item.__discord_ui_compiled_template__.fullmatch(custom_id)
        if match is not None:
            return item, match
    return None


def test_custom_id_is_stable():
    assert CheckinButton().custom_id == CUSTOM_ID
    assert CheckinButton().item.custom_id == CUSTOM_ID
    view = checkin_view()
    assert view.timeout is None
    assert [child.custom_id for child in view.children] == [CUSTOM_ID]
    assert CheckinButton.__discord_ui_compiled_template__.fullmatch(CUSTOM_ID)
    assert not CheckinButton.__discord_ui_compiled_template__.fullmatch(CUSTOM_ID + ":x")


def test_a_reminder_button_carries_its_occurrence_marker_and_still_matches():
    marker = nonce(3, date(2026, 6, 1), Kind.REMINDER, 1)
    view = checkin_view(marker)
    custom_id = view.children[0].custom_id
    assert custom_id == f"{CUSTOM_ID}:{marker}"
    assert len(custom_id) <= 100  # Discord's limit for a custom_id
    assert checkin_marker(custom_id) == marker
    assert checkin_marker(CUSTOM_ID) is None  # buttons from before markers still work
    assert checkin_marker("legday:top:week:0:next") is None
    assert matching_item(DYNAMIC_ITEMS, custom_id) is not None


@pytest.fixture
async def fresh_bot(make_config, store):
    """A new process's bot: nothing in memory about any earlier message; not connected."""
    bot = LegDayBot(make_config(), store, clock=lambda: NOW)
    try:
        yield bot
    finally:
        await bot.reminders.stop()


async def test_button_rebuilt_from_custom_id_checks_the_member_in(fresh_bot, store):
    found = matching_item(DYNAMIC_ITEMS, CUSTOM_ID)
    assert found is not None
    factory, match = found
    assert factory is CheckinButton

    interaction = fake_interaction(fresh_bot)
    button = await factory.from_custom_id(interaction, CheckinButton().item, match)
    assert isinstance(button, CheckinButton)
    assert button.custom_id == CUSTOM_ID
    await button.callback(interaction)

    assert (await member_stats(store, GUILD, USER)).last_day == TODAY
    interaction.response.send_message.assert_awaited_once()
    kwargs = interaction.response.send_message.await_args.kwargs
    assert kwargs["ephemeral"] is True
    assert isinstance(kwargs["embed"], discord.Embed)
    first_title = kwargs["embed"].title

    # A second click (say, on yesterday's reminder message) logs nothing new.
    again = fake_interaction(fresh_bot)
    await (await factory.from_custom_id(again, CheckinButton().item, match)).callback(again)
    assert (await member_stats(store, GUILD, USER)).last_day == TODAY
    assert (await member_stats(store, GUILD, USER)).total == 1
    assert again.response.send_message.await_args.kwargs["ephemeral"] is True
    assert again.response.send_message.await_args.kwargs["embed"].title != first_title


async def test_button_outside_a_server_answers_and_records_nothing(fresh_bot, store):
    interaction = fake_interaction(fresh_bot, guild_id=None)
    await CheckinButton().callback(interaction)
    interaction.response.send_message.assert_awaited_once()
    assert interaction.response.send_message.await_args.kwargs["ephemeral"] is True
    assert (await member_stats(store, GUILD, USER)).total == 0


async def test_setup_hook_registers_the_button(fresh_bot, monkeypatch):
    # Only the registration is under test: no cogs. (Reminders start when serving, not
    # in setup_hook: tests/cli/test_commands_sync.py.)
    monkeypatch.setattr("bot.app.EXTENSIONS", ())

    with mock.patch.object(fresh_bot, "add_dynamic_items") as register:
        await fresh_bot.setup_hook()

    register.assert_called_once_with(*DYNAMIC_ITEMS)
    found = matching_item(DYNAMIC_ITEMS, CUSTOM_ID)
    assert found is not None and found[0] is CheckinButton
