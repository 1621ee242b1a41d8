"""What a new member and a new admin hit in their first hour, through the real bot.

Mistyped commands, arguments that don't convert, absurd numbers, @everyone reminders and
hostile notes: each answer is in the bot's own words and nothing is stored from bad input.
"""

from __future__ import annotations

import re

import pytest

from fakediscord import Channel, Message, Permission
from tests.e2e.conftest import E2E, field

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

# discord.py's and Python's own wording, which must never reach a chat.
LIBRARY_WORDING = re.compile(
    r"Converting to|failed for parameter|Traceback|Error\b|Exception|Command \"|"
    r"<class |NoneType|object at 0x|could not be found|is a required argument"
)


def buttons(message: Message) -> dict[str, str]:
    return {b["label"]: b["custom_id"] for row in message.components for b in row["components"]}


async def total(e2e: E2E, user) -> str:
    return field(await e2e.ask(user, "!legday stats"), "Total")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("!legday leaderboard", "!legday top"),
        ("!legday stat", "!legday stats"),
        ("!legday topp", "!legday top"),
        ("!legday checkin top", "!legday top"),
        ("!legday streak", "!legday top streak"),
        ("!legday setings", "!legday settings"),
    ],
)
async def test_a_mistyped_command_is_never_a_checkin(e2e: E2E, typed: str, meant: str):
    member = e2e.member("typo")
    reply = await e2e.ask(member, typed)
    assert reply.content.startswith(f"Did you mean `{meant}`? I haven't logged anything.")
    assert list(buttons(reply)) == ["Log it as a note"]
    assert await total(e2e, member) == "0 leg days"


async def test_log_it_as_a_note_checks_in_with_that_note(e2e: E2E):
    member, other = e2e.member("meant"), e2e.member("bystander")
    held = await e2e.ask(member, "!legday leaderboard of the week: me")
    custom_id = buttons(held)["Log it as a note"]

    # Only the member who wrote it can log it.
    nosy = await e2e.fd.click(other, held, custom_id)
    refused = await nosy.wait_response()
    assert refused is not None and refused.ephemeral
    assert refused.content == "Only the member who wrote the note can log it."
    assert await total(e2e, other) == "0 leg days"

    click = await e2e.fd.click(member, held, custom_id)
    logged = await click.wait_response()
    assert click.response_type == 7  # the suggestion turns into the check-in
    assert logged is not None and logged.embeds[0]["title"].startswith("Leg day logged")
    assert not logged.components and not logged.content
    assert await total(e2e, member) == "1 leg day"

    # The note is exactly what was typed, as the export shows.
    await e2e.ask(member, "!legday export")
    dm = await e2e.fd.next_message(e2e.fd.dm_channel(member))
    notes = [c["note"] for c in dm.attachments[0].json()["checkins"]]
    assert notes == ["leaderboard of the week: me"]
    assert {c["source"] for c in dm.attachments[0].json()["checkins"]} == {"button"}


async def test_slash_note_that_looks_like_a_command_is_held_privately(e2e: E2E):
    member = e2e.member("slashtypo")
    _, reply = await e2e.slash(member, "legday checkin", {"note": "stats please"})
    assert reply.ephemeral
    assert reply.content.startswith("Did you mean `/legday stats`?")
    _, admin_word = await e2e.slash(member, "legday checkin", {"note": "schedule"})
    assert admin_word.content.startswith("Did you mean `/legday-admin schedule`?")
    assert await total(e2e, member) == "0 leg days"


async def test_real_notes_and_command_words_in_any_case(e2e: E2E):
    member = e2e.member("squatter")
    logged = await e2e.ask(member, "!legday squats 5x5, leg press after")
    assert logged.embeds[0]["title"].startswith("Leg day logged")
    board = await e2e.ask(member, "!legday TOP")  # subcommands ignore case
    assert board.embeds[0]["title"].startswith("Leg day leaderboard")


async def test_words_a_command_cannot_use_are_refused_and_nothing_is_stored(e2e: E2E):
    admin = e2e.admin("firstday")
    room = e2e.fd.create_channel(e2e.guild, "firstday")
    before = await e2e.ask(admin, "!legday schedule list", room)

    bad_channel = await e2e.ask(admin, "!legday schedule add mon 18:00 #nowhere", room)
    assert bad_channel.content.startswith("I couldn't use `#nowhere`")
    assert "Usage: `!legday schedule add <days> <time> [channel] [role]`" in bad_channel.content
    extra = await e2e.ask(admin, f"!legday schedule add mon 18:00 <#{room.id}> and more", room)
    assert extra.content.startswith("I couldn't use `and more`")
    after = await e2e.ask(admin, "!legday schedule list", room)
    assert after.embeds[0]["description"] == before.embeds[0]["description"]

    member = e2e.member("extra")
    top = await e2e.ask(member, "!legday top month please")
    assert top.content.startswith("**style**: `please` is not a leaderboard style.")
    unknown = await e2e.ask(admin, "!legday schedule frobnicate", room)
    assert unknown.content.startswith("**schedule**: `frobnicate` is not one of its commands.")
    near = await e2e.ask(admin, "!legday schedule lsit", room)
    assert "Did you mean `schedule list`?" in near.content
    someone = await e2e.ask(member, "!legday stats @nobody")
    assert someone.content.startswith("**member**: `@nobody` is not a member I can find.")
    for reply in (bad_channel, extra, top, unknown, near, someone):
        assert not LIBRARY_WORDING.search(reply.content), reply.content


@pytest.mark.parametrize(
    "number", ["0", "-3", "99999999999999999999999999", "9223372036854775808", "#2147483648"]
)
async def test_any_number_is_just_an_unknown_id(e2e: E2E, number: str):
    admin = e2e.admin("numbers")
    shown = re.sub(r"^#", "", number)
    for command, noun in (("schedule remove", "schedule"), ("quotes remove", "quote")):
        reply = await e2e.ask(admin, f"!legday {command} {number}")
        assert reply.content.startswith(f"There is no {noun} #{shown[:19]}"), reply.content
    for command in ("schedule test", "schedule enable", "schedule nudge"):
        extra = " 2" if command.endswith("nudge") else ""
        reply = await e2e.ask(admin, f"!legday {command} {number}{extra}")
        assert reply.content.startswith("There is no schedule #"), reply.content
    not_a_number = await e2e.ask(admin, "!legday schedule remove three")
    assert not_a_number.content.startswith("**id**: `three` is not a number.")
    _, slash_huge = await e2e.slash(admin, "legday-admin quotes remove", {"id": 2**53})
    assert slash_huge.content.startswith(f"There is no quote #{2**53} in this server.")


async def test_errors_name_arguments_as_help_does(e2e: E2E):
    member = e2e.member("helpful")
    help_text = (await e2e.ask(member, "!legday help")).embeds[0]["description"]
    cases = {
        "!legday log someday": ("day", "`!legday log <day> [note]`"),
        "!legday tz Mars/Olympus": ("timezone", "`!legday tz <timezone>`"),
        "!legday top fortnight": ("period", "`!legday top [period] [style]`"),
        "!legday hide maybe": ("state", "`!legday hide <state>`"),
        "!legday remind sometimes": ("state", "`!legday remind <state>`"),
    }
    for typed, (argument, usage) in cases.items():
        reply = await e2e.ask(member, typed)
        assert reply.content.startswith(f"**{argument}**: "), reply.content
        assert usage in help_text, usage
        assert not LIBRARY_WORDING.search(reply.content), reply.content
    missing = await e2e.ask(member, "!legday log")
    assert missing.content == "Missing **day**. Usage: `!legday log <day> [note]`"
    admin = e2e.admin("helper")
    admin_help = (await e2e.ask(admin, "!legday-admin help")).embeds[0]["description"]
    target = await e2e.ask(admin, "!legday settings target eight")
    assert target.content == (
        "**target**: `eight` is not a whole number. Expected a number from 1 to 7."
    )
    assert "`!legday-admin settings target <target>`" in admin_help
    hours = await e2e.ask(admin, "!legday schedule nudge 1 forever")
    assert hours.content.startswith("**hours**: ")
    assert "<id> <hours>`" in admin_help
    quote = await e2e.ask(admin, "!legday quotes add " + "q" * 301)
    assert quote.content.startswith("**quote**: ")
    assert "`!legday-admin quotes add <quote>`" in admin_help


def _announcements(e2e: E2E) -> Channel:
    # Nobody may mention everyone here unless an overwrite below says so.
    return e2e.fd.create_channel(
        e2e.guild, "announcements", overwrites={e2e.guild: (0, int(Permission.MENTION_EVERYONE))}
    )


async def test_everyone_reminders_need_mention_everyone_for_admin_and_bot(e2e: E2E):
    admin = e2e.admin("announcer")
    room = _announcements(e2e)
    refused = await e2e.ask(admin, "!legday schedule add daily 07:00 @everyone", room)
    assert refused.content.startswith(
        f"Only members with **Mention Everyone** in <#{room.id}> can make a reminder ping "
        "@everyone."
    )
    e2e.fd.set_overwrite(room, admin, allow=int(Permission.MENTION_EVERYONE))
    bot_cannot = await e2e.ask(admin, "!legday schedule add daily 07:00 @here", room)
    assert bot_cannot.content.startswith(
        f"I don't have **Mention Everyone** in <#{room.id}>, so @here would ping nobody."
    )
    listed = await e2e.ask(admin, "!legday schedule list", room)
    assert "07:00" not in listed.embeds[0]["description"]

    e2e.fd.set_overwrite(room, e2e.fd.bot_role(e2e.guild), allow=int(Permission.MENTION_EVERYONE))
    added = await e2e.ask(admin, "!legday schedule add daily 07:00 @here", room)
    assert added.embeds[0]["description"].endswith(f"in <#{room.id}>, pings @here")
    schedule_id = int(re.search(r"#(\d+)", added.embeds[0]["title"])[1])
    await e2e.ask(admin, f"!legday schedule test {schedule_id}", room)
    posted = next(m for m in reversed(e2e.fd.messages(room)) if "Test reminder" in m.content)
    assert "@here" in posted.content
    assert posted.allowed_mentions["parse"] == ["everyone"]
    assert posted.mention_everyone is True

    # Through / the role picker offers @everyone, which is stored as @everyone.
    _, slash_added = await e2e.slash(
        admin,
        "legday-admin schedule add",
        {"days": "daily", "time": "07:30", "role": e2e.guild.everyone},
        room,
    )
    assert slash_added.embeds[0]["description"].endswith("pings @everyone")
    await e2e.ask(admin, f"!legday schedule remove {schedule_id}", room)


async def test_a_plain_role_reminder_never_pings_everyone(e2e: E2E):
    admin = e2e.admin("roles")
    room = e2e.fd.create_channel(e2e.guild, "rolesonly")
    added = await e2e.ask(admin, "!legday schedule add daily 07:45 @lifters", room)
    schedule_id = int(re.search(r"#(\d+)", added.embeds[0]["title"])[1])
    await e2e.ask(admin, f"!legday schedule test {schedule_id}", room)
    posted = next(m for m in reversed(e2e.fd.messages(room)) if "Test reminder" in m.content)
    assert posted.allowed_mentions["parse"] == []
    assert posted.mention_everyone is False
    await e2e.ask(admin, f"!legday schedule remove {schedule_id}", room)


async def test_hostile_notes_are_stored_clean(e2e: E2E):
    member = e2e.member("hostile")
    logged = await e2e.ask(member, "!legday box\x00 squats\x1b[31m  Cafe\u0301 @everyone")
    assert logged.embeds[0]["title"].startswith("Leg day logged")
    await e2e.ask(member, "!legday export")
    dm = await e2e.fd.next_message(e2e.fd.dm_channel(member))
    (checkin,) = dm.attachments[0].json()["checkins"]
    assert checkin["note"] == "box squats[31m  Café @everyone"
    assert logged.mention_everyone is False
