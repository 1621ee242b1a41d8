"""legday export and legday forget (with its confirm buttons)."""

from __future__ import annotations

import json
from unittest import mock

import discord
import pytest

from bot.views import ForgetButton
from tests.cogs.conftest import NOW
from tests.helpers import MockGuild, MockInteraction, MockMember
from tests.support import member_stats

TODAY = NOW.date()


def file_json(file: discord.File) -> dict:
    file.fp.seek(0)
    return json.loads(file.fp.read().decode())


async def checked_in_member(bot, ctx, run, **kwargs):
    c = ctx(**kwargs)
    await run.call(c, "legday", note="Bulgarian split squats 🦵")
    c.sent.clear()
    return c


async def test_export_by_prefix_sends_a_dm_with_the_json(bot, ctx, run):
    c = await checked_in_member(bot, ctx, run, guild=MockGuild(id=1_234_567_890_123_456_789))

    await run.call(c, "legday export")

    dm, reply = c.sent
    assert dm.method == "dm"
    assert dm.content == "Your leg day data from **Leg Club**."
    assert dm.file.filename == f"legday-{c.guild.id}-{c.author.id}.json"
    data = file_json(dm.file)
    assert data["guild_id"] == "1234567890123456789"
    assert data["user_id"] == str(c.author.id)
    assert data["exported_at"] == NOW.isoformat()
    assert data["checkins"] == [
        {
            "day": TODAY.isoformat(),
            "created_at": NOW.isoformat(),
            "note": "Bulgarian split squats 🦵",
            "source": "command",
        }
    ]
    assert (reply.method, reply.content) == ("reply", "Sent you a DM with your data. 📬")


async def test_export_by_prefix_when_dms_are_closed(bot, ctx, run):
    c = await checked_in_member(bot, ctx, run)
    response = mock.Mock(status=403, reason="Forbidden")
    c.author.send.side_effect = discord.Forbidden(response, "Cannot send messages to this user")

    await run.call(c, "legday export")

    assert c.last.method == "reply"
    assert c.last.content == (
        "I can't DM you. Allow DMs from server members, or use `/legday export`."
    )
    assert c.last.file is None


async def test_export_by_slash_is_ephemeral_with_the_file(bot, ctx, run):
    c = await checked_in_member(bot, ctx, run, slash=True)

    await run.call(c, "legday export")

    defer, answer = c.sent
    assert (defer.method, defer.ephemeral) == ("defer", True)
    assert (answer.method, answer.content, answer.ephemeral) == (
        "send",
        "Here is your data.",
        True,
    )
    data = file_json(answer.file)
    assert [x["note"] for x in data["checkins"]] == ["Bulgarian split squats 🦵"]
    c.author.send.assert_not_awaited()


@pytest.mark.parametrize("slash", [False, True])
async def test_forget_asks_to_confirm_with_two_buttons(bot, ctx, run, slash):
    c = await checked_in_member(bot, ctx, run, slash=slash)

    await run.call(c, "legday forget")

    assert c.last.content.startswith("This deletes all your check-ins")
    assert c.last.ephemeral is slash
    view = c.last.view
    assert view.timeout is None
    yes, no = view.children
    assert isinstance(yes, ForgetButton) and isinstance(no, ForgetButton)
    assert yes.custom_id == f"legday:forget:{c.author.id}:yes"
    assert no.custom_id == f"legday:forget:{c.author.id}:no"
    assert (yes.item.label, yes.item.style) == ("Delete my data", discord.ButtonStyle.danger)
    assert (no.item.label, no.item.style) == ("Cancel", discord.ButtonStyle.secondary)
    # Asking deletes nothing yet.
    assert (await member_stats(bot.store, c.guild.id, c.author.id)).total == 1


async def test_forget_buttons_only_answer_the_member_who_asked(bot, ctx, run):
    c = await checked_in_member(bot, ctx, run)
    stranger = MockInteraction(user=MockMember(guild=c.guild), guild=c.guild, client=bot)

    allowed = await ForgetButton(c.author.id, "yes").interaction_check(stranger)

    assert allowed is False
    stranger.response.send_message.assert_awaited_once_with(
        "Only the member who asked can answer this.", ephemeral=True
    )


async def test_forget_confirm_and_cancel(bot, ctx, run):
    c = await checked_in_member(bot, ctx, run)
    interaction = MockInteraction(user=c.author, guild=c.guild, client=bot)

    await ForgetButton(c.author.id, "no").callback(interaction)
    interaction.response.edit_message.assert_awaited_with(
        content="Cancelled: nothing was deleted.", view=None
    )
    assert (await member_stats(bot.store, c.guild.id, c.author.id)).total == 1

    assert await ForgetButton(c.author.id, "yes").interaction_check(interaction)
    await ForgetButton(c.author.id, "yes").callback(interaction)
    interaction.response.edit_message.assert_awaited_with(
        content="Done: deleted your settings and 1 check-in in this server.", view=None
    )
    assert (await bot.store.export_member(c.guild.id, c.author.id))["checkins"] == []
