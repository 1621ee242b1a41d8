"""Quotes, time zones, server settings, help and the owner-only sync."""

from __future__ import annotations

import itertools

import pytest

from fakediscord import CommandError
from tests.e2e.conftest import E2E, embed_text, field

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

NEEDS_MANAGE = "You need the **Manage Server** permission for that."


async def test_why_never_repeats_in_a_row(e2e: E2E):
    lifter = e2e.member("why")
    shown = []
    for turn in range(12):
        if turn % 2:
            _, reply = await e2e.slash(lifter, "legday why")
            assert not reply.ephemeral
        else:
            reply = await e2e.ask(lifter, "!legday why")
        text = reply.embeds[0]["description"]
        assert text.startswith("💡 *") and text.endswith("*")
        shown.append(text)
    assert all(a != b for a, b in itertools.pairwise(shown)), shown
    assert len(set(shown)) > 2  # it is a rotation, not two quotes taking turns


async def test_admin_adds_lists_and_removes_quotes(e2e: E2E):
    coach = e2e.admin("coach")
    added = await e2e.ask(coach, "!legday quotes add Squat like nobody is watching.")
    assert added.content.startswith("Added quote #")
    first_id = int(added.content.removeprefix("Added quote #").rstrip("."))
    _, added2 = await e2e.slash(
        coach, "legday-admin quotes add", {"quote": "Lunges build character."}
    )
    assert not added2.ephemeral
    second_id = int(added2.content.removeprefix("Added quote #").rstrip("."))
    assert second_id != first_id

    listed = await e2e.ask(e2e.member("reader"), "!legday quotes list")
    assert listed.embeds[0]["title"] == "Server quotes"
    assert f"**#{first_id}** Squat like nobody is watching." in listed.embeds[0]["description"]
    assert f"**#{second_id}** Lunges build character." in listed.embeds[0]["description"]
    _, slash_listed = await e2e.slash(e2e.member("reader"), "legday quotes list")
    assert slash_listed.embeds[0]["description"] == listed.embeds[0]["description"]

    removed = await e2e.ask(coach, f"!legday quotes remove {first_id}")
    assert removed.content == f"Removed quote #{first_id}."
    _, removed2 = await e2e.slash(coach, "legday-admin quotes remove", {"id": second_id})
    assert removed2.content == f"Removed quote #{second_id}."
    gone = await e2e.ask(coach, f"!legday quotes remove {first_id}")
    assert gone.content == (
        f"There is no quote #{first_id} in this server. See `/legday quotes list`."
    )

    empty = await e2e.ask(coach, "!legday quotes list")
    assert empty.content.startswith("No server quotes yet")

    too_long = await e2e.ask(coach, "!legday quotes add " + "q" * 301)
    assert too_long.content == (
        "**quote**: it is 301 characters long. Expected at most 300 characters."
    )


async def test_non_admins_cannot_change_quotes(e2e: E2E):
    coach, member = e2e.admin("coach"), e2e.member("nosy")
    added = await e2e.ask(coach, "!legday quotes add Keep the quote.")
    quote_id = int(added.content.removeprefix("Added quote #").rstrip("."))

    assert (await e2e.ask(member, "!legday quotes add Mine now")).content == NEEDS_MANAGE
    assert (await e2e.ask(member, f"!legday quotes remove {quote_id}")).content == NEEDS_MANAGE
    # Discord hides /legday-admin from members; a server that opens it to them still
    # meets the bot's own check.
    with pytest.raises(CommandError, match="Discord would hide it"):
        await e2e.fd.slash(member, e2e.gym, "legday-admin quotes add", {"quote": "Mine now"})
    _, slash_add = await e2e.slash(
        member, "legday-admin quotes add", {"quote": "Mine now"}, overridden=True
    )
    assert slash_add.ephemeral and slash_add.content == NEEDS_MANAGE
    _, slash_remove = await e2e.slash(
        member, "legday-admin quotes remove", {"id": quote_id}, overridden=True
    )
    assert slash_remove.ephemeral and slash_remove.content == NEEDS_MANAGE

    listed = await e2e.ask(member, "!legday quotes list")  # still there, nothing added
    assert f"**#{quote_id}** Keep the quote." in listed.embeds[0]["description"]
    assert "Mine now" not in listed.embeds[0]["description"]
    await e2e.ask(coach, f"!legday quotes remove {quote_id}")


async def test_member_time_zone(e2e: E2E):
    traveller = e2e.member("traveller")
    reply = await e2e.ask(traveller, "!legday tz Europe/London")
    assert reply.content == "Your leg days now follow **Europe/London**."
    _, slash = await e2e.slash(traveller, "legday tz", {"timezone": "America/New_York"})
    assert slash.ephemeral
    assert slash.content == "Your leg days now follow **America/New_York**."

    bad = await e2e.ask(traveller, "!legday tz Mars/Olympus_Mons")
    assert bad.content == (
        "**timezone**: `Mars/Olympus_Mons` is not a time zone I know. Expected an IANA time "
        "zone name, e.g. `Europe/London`."
    )
    _, slash_bad = await e2e.slash(traveller, "legday tz", {"timezone": "Nowhere"})
    assert slash_bad.ephemeral and slash_bad.content.startswith("**timezone**: `Nowhere`")

    cleared = await e2e.ask(traveller, "!legday tz clear")
    assert cleared.content == "Your days now follow the server's time zone."


async def test_time_zone_autocomplete(e2e: E2E):
    user = e2e.member("typist")
    choices = await e2e.fd.autocomplete(user, e2e.gym, "legday tz", "timezone", "Europe/Lo")
    names = [c["name"] for c in choices]
    assert "Europe/London" in names
    assert all(c["name"] == c["value"] for c in choices)
    assert all(name.startswith("Europe/Lo") for name in names), names
    assert 1 <= len(choices) <= 25
    admin = e2e.admin()
    server = await e2e.fd.autocomplete(
        admin, e2e.gym, "legday-admin settings timezone", "timezone", "Europe/Lo"
    )
    assert "Europe/London" in [c["value"] for c in server]
    empty = await e2e.fd.autocomplete(user, e2e.gym, "legday tz", "timezone", "")
    assert 1 <= len(empty) <= 25  # common zones before anything is typed


async def test_settings_show_timezone_and_target(e2e: E2E):
    boss = e2e.admin("boss")
    shown = await e2e.ask(boss, "!legday settings")
    assert shown.embeds[0]["title"] == "Server settings"
    assert field(shown, "Time zone") == "UTC (default)"
    assert field(shown, "Weekly target") == "1 leg day"

    zone = await e2e.ask(boss, "!legday settings timezone Europe/Berlin")
    assert zone.content == "Server time zone set to **Europe/Berlin**."
    target = await e2e.ask(boss, "!legday settings target 2")
    assert target.content.startswith("Weekly target set to **2 leg days**; recomputed streaks")
    _, slash_shown = await e2e.slash(boss, "legday-admin settings show")
    assert field(slash_shown, "Time zone") == "Europe/Berlin"
    assert field(slash_shown, "Weekly target") == "2 leg days"

    rejected = await e2e.ask(boss, "!legday settings target 9")
    assert rejected.content == "**target**: `9` is out of range. Expected a number from 1 to 7."
    with pytest.raises(CommandError, match="max_value"):  # Discord's client refuses it
        await e2e.fd.slash(boss, e2e.gym, "legday-admin settings target", {"target": 9})
    bad_zone = await e2e.ask(boss, "!legday settings timezone Atlantis")
    assert bad_zone.content.startswith("**timezone**: `Atlantis` is not a time zone I know.")

    _, slash_zone = await e2e.slash(boss, "legday-admin settings timezone", {"timezone": "UTC"})
    assert slash_zone.content == "Server time zone set to **UTC**."
    _, slash_target = await e2e.slash(boss, "legday-admin settings target", {"target": 1})
    assert slash_target.content.startswith("Weekly target set to **1 leg day**")
    after = await e2e.ask(boss, "!legday settings")
    assert field(after, "Time zone") == "UTC"
    assert field(after, "Weekly target") == "1 leg day"


async def test_settings_refused_for_non_admins(e2e: E2E):
    member = e2e.member("pleb")
    for text in (
        "!legday settings",
        "!legday settings timezone Europe/Paris",
        "!legday settings target 3",
    ):
        assert (await e2e.ask(member, text)).content == NEEDS_MANAGE, text
    for command, options in (
        ("legday-admin settings show", {}),
        ("legday-admin settings timezone", {"timezone": "Europe/Paris"}),
        ("legday-admin settings target", {"target": 3}),
    ):
        with pytest.raises(CommandError, match="Discord would hide it"):
            await e2e.fd.slash(member, e2e.gym, command, options)
        _, reply = await e2e.slash(member, command, options, overridden=True)
        assert reply.ephemeral and reply.content == NEEDS_MANAGE, command
    shown = await e2e.ask(e2e.admin(), "!legday settings")
    assert "Europe/Paris" not in embed_text(shown)
    assert field(shown, "Weekly target") != "3 leg days"


async def test_help(e2e: E2E):
    user = e2e.member("lost")
    prefix = await e2e.ask(user, "!legday help")
    assert prefix.embeds[0]["title"] == "Leg day bot 🦵"
    for usage in ("`!legday undo`", "`!legday top [period] [style]`", "`!legday log <day> [note]`"):
        assert usage in prefix.embeds[0]["description"]
    _, slash = await e2e.slash(user, "legday help")
    assert slash.ephemeral
    # The same commands, spelled the way the member just typed one.
    assert slash.embeds[0]["description"] == (
        prefix.embeds[0]["description"]
        .replace("`!legday [note]`", "`/legday checkin [note]`")
        .replace("`!legday", "`/legday")
    )


async def test_sync_is_owner_only_and_prefix_only(e2e: E2E):
    for user in (e2e.member("hacker"), e2e.admin("coach")):
        for text in ("!legday sync", "!legday sync global", "!legday sync clear"):
            reply = await e2e.ask(user, text)
            assert reply.content == "Only the bot's owner can do that.", text
    with pytest.raises(CommandError, match="no sub-command 'sync'"):
        await e2e.fd.slash(e2e.member("hacker"), e2e.gym, "legday sync")
    # the slash commands are still there
    _, still = await e2e.slash(e2e.member("after"), "legday why")
    assert still.embeds
