"""A member's own data (export, forget), and user text that must never ping."""

from __future__ import annotations

import pytest

from fakediscord import Message, ScenarioError
from tests.e2e.conftest import E2E, field

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


def buttons(message: Message) -> dict[str, str]:
    return {b["label"]: b["custom_id"] for row in message.components for b in row["components"]}


def assert_pings_nobody(message: Message) -> None:
    """Discord was told to ping nothing, and so nobody was pinged."""
    allowed = message.allowed_mentions
    assert allowed is not None, "no allowed_mentions: the message would ping by default"
    assert allowed.get("parse") == []
    assert not allowed.get("users") and not allowed.get("roles")
    assert message.mention_ids == []
    assert message.mention_role_ids == []
    assert message.mention_everyone is False


async def test_prefix_export_is_a_dm_with_json(e2e: E2E):
    user = e2e.member("exporter")
    await e2e.ask(user, "!legday box squats")
    await e2e.ask(user, "!legday log yesterday")
    reply = await e2e.ask(user, "!legday export")
    assert reply.content == "Sent you a DM with your data. 📬"
    assert not reply.attachments  # the data itself is not posted in the channel

    dm = await e2e.fd.next_message(e2e.fd.dm_channel(user))
    assert dm.content == "Your leg day data from **Iron Temple**."
    assert [a.filename for a in dm.attachments] == [f"legday-{e2e.guild.id}-{user.id}.json"]
    data = dm.attachments[0].json()
    assert data["user_id"] == str(user.id)
    assert data["guild_id"] == str(e2e.guild.id)
    notes = {c["note"] for c in data["checkins"]}
    assert "box squats" in notes
    assert len(data["checkins"]) == 2
    assert {c["source"] for c in data["checkins"]} == {"command", "backfill"}
    assert "exported_at" in data


async def test_prefix_export_with_dms_closed_says_so(e2e: E2E):
    user = e2e.member("private")
    e2e.fd.block_dms(user)
    reply = await e2e.ask(user, "!legday export")
    assert reply.content == (
        "I can't DM you. Allow DMs from server members, or use `/legday export`."
    )
    assert not reply.attachments
    # the bot tried the DM once, got Discord's 50007 and said so; no retry
    refused = e2e.take_violations("cannot_dm")
    assert len(refused) == 1 and refused[0].status == 403


async def test_slash_export_is_ephemeral_with_the_file(e2e: E2E):
    user = e2e.member("slashexporter")
    await e2e.slash(user, "legday checkin", {"note": "hack squats"})
    record, reply = await e2e.slash(user, "legday export")
    assert reply.ephemeral
    assert reply.content == "Here is your data."
    assert len(reply.attachments) == 1
    data = reply.attachments[0].json()
    assert data["user_id"] == str(user.id)
    assert [c["note"] for c in data["checkins"]] == ["hack squats"]
    assert record.response_type == 5  # deferred first, then the file
    assert not e2e.fd.messages(e2e.fd.dm_channel(user))  # no DM for `/`


async def test_forget_confirm_deletes(e2e: E2E):
    user = e2e.member("forgetful")
    await e2e.ask(user, "!legday")
    await e2e.ask(user, "!legday log yesterday")
    prompt = await e2e.ask(user, "!legday forget")
    assert prompt.content.startswith("This deletes all your check-ins")
    assert set(buttons(prompt)) == {"Delete my data", "Cancel"}

    click = await e2e.fd.click(user, prompt, buttons(prompt)["Delete my data"])
    done = await click.wait_response()
    assert done is prompt
    assert prompt.content == "Done: deleted your settings and 2 check-ins in this server."
    assert prompt.components == []  # the buttons are gone
    stats = await e2e.ask(user, "!legday stats")
    assert field(stats, "Total") == "0 leg days"


async def test_forget_cancel_keeps_everything(e2e: E2E):
    user = e2e.member("waverer")
    await e2e.ask(user, "!legday")
    prompt = await e2e.ask(user, "!legday forget")
    click = await e2e.fd.click(user, prompt, buttons(prompt)["Cancel"])
    await click.wait_response()
    assert prompt.content == "Cancelled: nothing was deleted."
    assert prompt.components == []
    stats = await e2e.ask(user, "!legday stats")
    assert field(stats, "Total") == "1 leg day"


async def test_forget_by_slash_is_private_and_confirms(e2e: E2E):
    user = e2e.member("slashforget")
    await e2e.slash(user, "legday checkin")
    _, prompt = await e2e.slash(user, "legday forget")
    assert prompt.ephemeral
    stranger = e2e.member("stranger")
    with pytest.raises(ScenarioError):  # nobody else even sees an ephemeral prompt
        await e2e.fd.click(stranger, prompt, buttons(prompt)["Delete my data"])
    click = await e2e.fd.click(user, prompt, buttons(prompt)["Delete my data"])
    await click.wait_response()
    assert prompt.content == "Done: deleted your settings and 1 check-in in this server."
    _, stats = await e2e.slash(user, "legday stats")
    assert field(stats, "Total") == "0 leg days"


async def test_another_member_cannot_answer_the_forget_prompt(e2e: E2E):
    owner, meddler = e2e.member("owner"), e2e.member("meddler")
    await e2e.ask(owner, "!legday")
    prompt = await e2e.ask(owner, "!legday forget")  # a `!` prompt is public
    for label in ("Delete my data", "Cancel"):
        click = await e2e.fd.click(meddler, prompt, buttons(prompt)[label])
        refusal = await click.wait_response()
        assert refusal is not prompt
        assert refusal.ephemeral
        assert refusal.content == "Only the member who asked can answer this."
    assert prompt.content.startswith("This deletes all your check-ins")  # untouched
    assert set(buttons(prompt)) == {"Delete my data", "Cancel"}
    stats = await e2e.ask(owner, "!legday stats")
    assert field(stats, "Total") == "1 leg day"


async def test_forget_has_a_cooldown(e2e: E2E):
    user = e2e.member("hasty")
    await e2e.ask(user, "!legday forget")
    again = await e2e.ask(user, "!legday forget")
    assert again.content.startswith("Easy there! Try again in ")


async def test_notes_and_quotes_never_ping(e2e: E2E):
    victim, coach = e2e.member("victim"), e2e.admin("coach")
    sneaky = e2e.member("sneaky")
    ping = f"@everyone @here <@{victim.id}> <@!{victim.id}> <@&{e2e.demo.lifters.id}>"

    checkin = await e2e.ask(sneaky, f"!legday {ping}")
    assert checkin.embeds[0]["title"].startswith("Leg day logged")
    assert_pings_nobody(checkin)
    _, slash_checkin = await e2e.slash(e2e.member("sneaky"), "legday checkin", {"note": ping})
    assert_pings_nobody(slash_checkin)

    added = await e2e.ask(coach, f"!legday quotes add Train legs {ping}")
    assert_pings_nobody(added)
    listed = await e2e.ask(sneaky, "!legday quotes list")
    assert ping in listed.embeds[0]["description"]
    assert_pings_nobody(listed)
    _, slash_listed = await e2e.slash(sneaky, "legday quotes list")
    assert_pings_nobody(slash_listed)

    # bad input is echoed back in the message content itself
    echoed = await e2e.ask(sneaky, "!legday log @everyone")
    assert "@everyone" in echoed.content
    assert_pings_nobody(echoed)
    echoed = await e2e.ask(sneaky, f"!legday tz <@{victim.id}>")
    assert f"<@{victim.id}>" in echoed.content
    assert_pings_nobody(echoed)

    export = await e2e.ask(sneaky, "!legday export")
    dm = await e2e.fd.next_message(e2e.fd.dm_channel(sneaky))
    assert_pings_nobody(export)
    assert ping in [c["note"] for c in dm.attachments[0].json()["checkins"]]
