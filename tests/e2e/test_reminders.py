"""Reminders: one real firing at the next minute boundary, then a restart that must neither
lose the button nor repeat the post; and the schedule commands around it.

The firing is the module-scoped `fired` fixture: it arms a schedule for the next whole
minute (UTC, the server's default zone) in a server of its own, lets members opt in, and
waits for the reminder. The tests that look at what it did ask for it, so each runs alone
(`pytest tests/e2e/test_reminders.py::test_x`) or in any order; the others don't need a
reminder and each work in a server of their own (the `e2e` fixture).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from fakediscord import Channel, CommandError, Message, Permission, User
from tests.e2e.conftest import E2E, field

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NEEDS_MANAGE = "You need the **Manage Server** permission for that."
CHECKIN_BUTTON = "legday:checkin"
TIMESTAMP = re.compile(r"<t:(\d+):F>")


def checkin_button(message: Message) -> str | None:
    """The custom_id of the message's check-in button (a reminder's carries a marker)."""
    for custom_id in message.custom_ids():
        if custom_id == CHECKIN_BUTTON or custom_id.startswith(CHECKIN_BUTTON + ":"):
            return custom_id
    return None


def is_reminder(message: Message) -> bool:
    return checkin_button(message) is not None and "It's leg day!" in message.content


def schedule_id_of(reply: Message) -> int:
    match = re.fullmatch(r"Reminder schedule #(\d+) added", reply.embeds[0]["title"])
    assert match, reply.embeds[0]["title"]
    return int(match[1])


def next_boundary(now: datetime, *, margin: float = 8.0) -> datetime:
    """The next whole minute at least `margin` seconds away."""
    fire = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (fire - now).total_seconds() < margin:
        fire += timedelta(minutes=1)
    return fire


def lab(e2e: E2E, name: str) -> Channel:
    """A fresh channel of the test's server."""
    return e2e.fd.create_channel(e2e.guild, name)


def far_off() -> str:
    """A time of day about six hours from now: a schedule there never fires during a test
    (and it is never 03:00, which the non-admin test looks for)."""
    return (datetime.now(UTC) + timedelta(hours=6)).strftime("%H:17")


async def a_schedule(e2e: E2E, channel: Channel) -> int:
    """An admin adds a schedule (far off) posting in `channel`: its id."""
    reply = await e2e.ask(
        e2e.admin("owner"), f"!legday schedule add daily {far_off()} <#{channel.id}>", channel
    )
    return schedule_id_of(reply)


@dataclass(frozen=True)
class Fired:
    """What the `fired` fixture did and saw, for the tests to check."""

    server: E2E
    fire_at: datetime
    added: Message  # the answer to `schedule add` for #gym
    schedule_id: int
    doomed: Channel  # a channel the bot lost access to, with a schedule due the same minute
    doomed_id: int
    admin: User
    opted_in: Sequence[Message]  # `!legday remind on` from early, late and quitter
    slash_opt_in: Message
    opted_out: Message
    bad_opt_in: Message
    early_checkin: Message
    pinged: Sequence[User]
    not_pinged: Sequence[User]
    reminder: Message
    refused: Sequence[Any]  # the 403s of the post to the doomed channel


async def arm_and_fire(stage: E2E) -> Fired:
    e2e = stage.new_server()
    now = datetime.now(UTC)
    if next_boundary(now).date() != now.date():  # don't straddle midnight: "today" moves
        await asyncio.sleep((next_boundary(now) - now).total_seconds() + 1)
        now = datetime.now(UTC)
    fire = next_boundary(now)
    admin = e2e.admin("coach")
    lifters = e2e.demo.lifters
    added = await e2e.ask(
        admin,
        f"!legday schedule add {DAYS[fire.weekday()]} {fire:%H:%M} <#{e2e.gym.id}> "
        f"<@&{lifters.id}>",
    )
    # A second schedule at the same minute, in a channel the bot then loses access to.
    doomed = lab(e2e, "doomed")
    doomed_added = await e2e.ask(
        admin, f"!legday schedule add {DAYS[fire.weekday()]} {fire:%H:%M} <#{doomed.id}>"
    )
    deny = Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES
    e2e.fd.set_overwrite(doomed, e2e.fd.bot_user, deny=int(deny))

    # Members opt in before it fires; one checks in first, so is not pinged.
    early, late, slasher = (e2e.member(n, roles=[lifters]) for n in ("early", "late", "slasher"))
    quitter, lurker = e2e.member("quitter", roles=[lifters]), e2e.member("lurker")
    opted_in = [await e2e.ask(user, "!legday remind on") for user in (early, late, quitter)]
    _, slash_opt_in = await e2e.slash(slasher, "legday remind", {"state": "channel"})
    opted_out = await e2e.ask(quitter, "!legday remind off")
    bad_opt_in = await e2e.ask(lurker, "!legday remind maybe")
    early_checkin = await e2e.ask(early, "!legday")

    wait = (fire - datetime.now(UTC)).total_seconds() + 20
    reminder = await e2e.fd.next_message(e2e.gym, timeout=max(wait, 5), predicate=is_reminder)
    doomed_id = schedule_id_of(doomed_added)
    # The schedule that lost its channel is paused and the admins told: wait for that
    # too, and take the 403 it cost here (asserted on by a test), so it is not counted as
    # a violation of whichever test happens to be running.
    await e2e.fd.emulator.notifier.wait_for(
        lambda: bool(pause_notices(e2e, doomed_id)), 10, "the paused-schedule notice"
    )
    return Fired(
        server=e2e,
        fire_at=fire,
        added=added,
        schedule_id=schedule_id_of(added),
        doomed=doomed,
        doomed_id=doomed_id,
        admin=admin,
        opted_in=opted_in,
        slash_opt_in=slash_opt_in,
        opted_out=opted_out,
        bad_opt_in=bad_opt_in,
        early_checkin=early_checkin,
        pinged=(late, slasher),
        not_pinged=(early, quitter, lurker),
        reminder=reminder,
        refused=e2e.take_violations("missing_access"),
    )


def pause_notices(e2e: E2E, schedule_id: int) -> list[Message]:
    return [
        m
        for channel in e2e.guild.channels.values()
        for m in e2e.fd.messages(channel)
        if m.content.startswith(f"⚠️ Leg day reminder #{schedule_id} is paused")
    ]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fired(e2e_stage: E2E) -> Fired:
    """A reminder armed for the next minute in a server of its own, and fired (up to a
    minute's wait, once per module)."""
    return await arm_and_fire(e2e_stage)


async def test_schedule_add_arms_a_reminder_for_the_next_minute(fired: Fired):
    e2e, fire = fired.server, fired.fire_at
    lifters = e2e.demo.lifters
    embed = fired.added.embeds[0]
    assert embed["description"] == (
        f"**#{fired.schedule_id}** {DAYS[fire.weekday()].title()} at {fire:%H:%M} (UTC) in "
        f"<#{e2e.gym.id}>, pings <@&{lifters.id}>"
    )
    stamps = [int(s) for s in TIMESTAMP.findall(embed["fields"][0]["value"])]
    assert embed["fields"][0]["name"] == "Next reminders"
    week = 7 * 24 * 3600
    first = int(fire.timestamp())
    assert stamps == [first, first + week, first + 2 * week]
    assert fired.doomed_id != fired.schedule_id


async def test_members_opt_in_and_one_checks_in_first(fired: Fired):
    for reply in fired.opted_in:
        assert reply.content == (
            "You'll be pinged by leg day reminders until you check in that day, "
            "and nudged in the channel when your streak is at risk."
        )
    assert fired.slash_opt_in.ephemeral
    assert fired.opted_out.content == "No more reminders or streak nudges for you."
    assert fired.bad_opt_in.content.startswith("**state**: `maybe` is not a way to reach you.")
    # checked in before the reminder: no ping
    assert fired.early_checkin.embeds[0]["title"].startswith("Leg day logged")


async def test_schedule_commands_are_refused_to_non_admins(e2e: E2E):
    member = e2e.member("pleb")
    room = lab(e2e, "pleb-lab")
    schedule_id = await a_schedule(e2e, room)
    for text in (
        "!legday schedule",
        "!legday schedule list",
        "!legday schedule add daily 03:00",
        f"!legday schedule remove {schedule_id}",
        f"!legday schedule nudge {schedule_id} 2",
        f"!legday schedule test {schedule_id}",
        f"!legday schedule enable {schedule_id}",
    ):
        assert (await e2e.ask(member, text, room)).content == NEEDS_MANAGE, text
    for command, options in (
        ("legday-admin schedule list", {}),
        ("legday-admin schedule add", {"days": "daily", "time": "03:00"}),
        ("legday-admin schedule remove", {"id": schedule_id}),
        ("legday-admin schedule nudge", {"id": schedule_id, "hours": "2"}),
        ("legday-admin schedule test", {"id": schedule_id}),
        ("legday-admin schedule enable", {"id": schedule_id}),
    ):
        with pytest.raises(CommandError, match="Discord would hide it"):
            await e2e.fd.slash(member, room, command, options)
        _, reply = await e2e.slash(member, command, options, room, overridden=True)
        assert reply.ephemeral and reply.content == NEEDS_MANAGE, command
    # nothing was scheduled, changed, removed or posted on their behalf
    assert not [m for m in e2e.fd.messages(room) if checkin_button(m)]
    listed = await e2e.ask(e2e.admin(), "!legday schedule list", room)
    assert f"**#{schedule_id}** " in listed.embeds[0]["description"]
    assert "03:00" not in listed.embeds[0]["description"]
    assert "nudge" not in listed.embeds[0]["description"]


async def test_schedule_list_nudge_remove(e2e: E2E):
    admin = e2e.admin("planner")
    room = lab(e2e, "planning")
    existing = await a_schedule(e2e, e2e.gym)
    listed = await e2e.ask(admin, "!legday schedule list", room)
    assert listed.embeds[0]["title"] == "Reminder schedules"
    assert f"**#{existing}** " in listed.embeds[0]["description"]

    _, added = await e2e.slash(
        admin,
        "legday-admin schedule add",
        {"days": "mon-fri", "time": "06:30", "channel": room, "role": e2e.demo.lifters},
        room,
    )
    new_id = schedule_id_of(added)
    assert added.embeds[0]["description"] == (
        f"**#{new_id}** weekdays at 06:30 (UTC) in <#{room.id}>, pings <@&{e2e.demo.lifters.id}>"
    )
    assert len(TIMESTAMP.findall(added.embeds[0]["fields"][0]["value"])) == 3

    nudge = await e2e.ask(admin, f"!legday schedule nudge {new_id} 3", room)
    assert nudge.content == (
        f"Schedule #{new_id}: a nudge 3 hours after each reminder, for opted-in members who "
        "haven't checked in yet."
    )
    _, slash_list = await e2e.slash(admin, "legday-admin schedule list", {}, room)
    line = next(
        x for x in slash_list.embeds[0]["description"].splitlines() if x.startswith(f"**#{new_id}")
    )
    assert line.endswith("nudge after 3 hours")
    assert re.search(r"next: <t:\d+:F>", slash_list.embeds[0]["description"])
    _, nudge_off = await e2e.slash(
        admin, "legday-admin schedule nudge", {"id": new_id, "hours": "off"}, room
    )
    assert nudge_off.content == f"Schedule #{new_id}: no follow-up nudge."
    too_long = await e2e.ask(admin, f"!legday schedule nudge {new_id} 13", room)
    assert too_long.content.startswith("**hours**: `13` is not a number of hours")

    bad_days = await e2e.ask(admin, "!legday schedule add someday 18:00", room)
    assert bad_days.content.startswith("**days**: `someday` is not a day.")
    bad_time = await e2e.ask(admin, "!legday schedule add mon 25:00", room)
    assert bad_time.content.startswith("**time**: `25:00` is not a time.")

    removed = await e2e.ask(admin, f"!legday schedule remove {new_id}", room)
    assert removed.content == f"Removed schedule #{new_id}."
    _, again = await e2e.slash(admin, "legday-admin schedule remove", {"id": new_id}, room)
    assert again.ephemeral
    assert again.content == (
        f"There is no schedule #{new_id} here. See `/legday-admin schedule list`."
    )
    unknown = await e2e.ask(admin, "!legday schedule enable 999", room)
    assert unknown.content == "There is no schedule #999 here. See `/legday-admin schedule list`."
    active = await e2e.ask(admin, f"!legday schedule enable {existing}", room)
    assert active.content == f"Schedule #{existing} is active again."


async def test_at_most_ten_schedules(e2e: E2E):
    admin = e2e.admin("hoarder")
    room = lab(e2e, "many")
    listed = await e2e.ask(admin, "!legday schedule list", room)
    existing = len(re.findall(r"^\*\*#\d+\*\* ", listed.embeds[0]["description"], re.M))
    # Far from now, so none of these fires during the test.
    far = far_off()
    added = []
    for _ in range(10 - existing):
        reply = await e2e.ask(admin, f"!legday schedule add sat,sun {far}", room)
        added.append(schedule_id_of(reply))
    refused = await e2e.ask(admin, f"!legday schedule add sat,sun {far}", room)
    assert refused.content == "This server already has 10 schedules; remove one first."
    _, slash_refused = await e2e.slash(
        admin, "legday-admin schedule add", {"days": "daily", "time": far}, room
    )
    assert slash_refused.ephemeral
    assert slash_refused.content == "This server already has 10 schedules; remove one first."
    for schedule_id in added:
        await e2e.ask(admin, f"!legday schedule remove {schedule_id}", room)
    listed = await e2e.ask(admin, "!legday schedule list", room)
    assert len(re.findall(r"^\*\*#\d+\*\* ", listed.embeds[0]["description"], re.M)) == existing


async def test_schedule_test_posts_once_despite_a_429(e2e: E2E):
    admin = e2e.admin("tester")
    room = lab(e2e, "test-posts")
    reply = await e2e.ask(admin, f"!legday schedule add daily {far_off()} <#{room.id}>", room)
    test_id = schedule_id_of(reply)
    # Template keys are what discord.py writes; the concrete path pins it to this channel,
    # so no other post (another test's reminder firing meanwhile) can get the 429.
    fault = e2e.fd.rate_limit(f"POST /channels/{room.id}/messages", count=1, retry_after=0.3)
    before = len(e2e.fd.requests_to("POST /channels/{channel_id}/messages"))

    answer = await e2e.ask(admin, f"!legday schedule test {test_id}", room, within=10)
    assert answer.content == f"Posted a test of schedule #{test_id} in <#{room.id}>."
    assert fault.remaining == 0
    tests = [m for m in e2e.fd.messages(room) if "Test reminder" in m.content]
    assert len(tests) == 1
    assert tests[0].content.startswith("🧪 *Test reminder: no delivery recorded.*")
    assert checkin_button(tests[0]) == CHECKIN_BUTTON  # a test carries no marker
    statuses = [
        r.status
        for r in e2e.fd.requests_to("POST /channels/{channel_id}/messages")[before:]
        if r.path == f"/channels/{room.id}/messages"
    ]
    assert statuses.count(429) == 1
    assert statuses.count(200) == 2  # the test post (after its retry) and the answer

    record, slash_answer = await e2e.slash(
        admin, "legday-admin schedule test", {"id": test_id}, room
    )
    assert slash_answer.ephemeral
    assert slash_answer.content == f"Posted a test of schedule #{test_id} in <#{room.id}>."
    assert record.response_type == 5
    await asyncio.sleep(0.3)
    assert len([m for m in e2e.fd.messages(room) if "Test reminder" in m.content]) == 2
    await e2e.ask(admin, f"!legday schedule remove {test_id}", room)


async def test_the_reminder_fires_once_with_exactly_the_right_pings(fired: Fired):
    e2e = fired.server
    fd = e2e.fd
    reminder = fired.reminder
    posted_at = datetime.fromtimestamp(reminder.created_at, UTC)
    assert fired.fire_at <= posted_at < fired.fire_at + timedelta(seconds=10)

    lifters = e2e.demo.lifters
    expected = {u.id for u in fired.pinged}
    assert "🦵 **It's leg day!**" in reminder.content
    assert "late" not in reminder.content and "Test" not in reminder.content
    assert f"<@&{lifters.id}>" in reminder.content
    for user in fired.pinged:
        assert f"<@{user.id}>" in reminder.content
    for user in fired.not_pinged:
        assert f"<@{user.id}>" not in reminder.content
    assert set(reminder.mention_ids) == expected
    assert reminder.mention_role_ids == [lifters.id]
    assert reminder.mention_everyone is False
    allowed = reminder.allowed_mentions or {}
    assert {int(u) for u in allowed.get("users", [])} == expected
    assert [int(r) for r in allowed.get("roles", [])] == [lifters.id]
    assert "everyone" not in allowed.get("parse", [])
    assert allowed.get("parse", []) == []
    assert reminder.embeds and reminder.embeds[0]["description"].startswith("💡")
    button = reminder.components[0]["components"][0]
    assert isinstance(reminder.nonce, str) and reminder.nonce.startswith("ld")
    assert button["label"] == "I trained legs"
    assert button["custom_id"] == f"{CHECKIN_BUTTON}:{reminder.nonce}"
    assert checkin_button(reminder) == button["custom_id"]  # the occurrence marker
    assert len([m for m in fd.messages(e2e.gym) if is_reminder(m)]) == 1

    # The schedule that lost its channel (due the same minute) is paused and the admins
    # are told, once, in the first channel the bot can write to.
    await asyncio.sleep(0.5)
    notices = pause_notices(e2e, fired.doomed_id)
    assert len(notices) == 1
    assert len(fired.refused) == 1 and fired.refused[0].status == 403
    assert notices[0].mention_ids == [] and notices[0].mention_role_ids == []


async def test_the_button_checks_in_and_survives_a_restart(fired: Fired):
    e2e, reminder = fired.server, fired.reminder
    fd = e2e.fd
    clicker, other = fired.pinged
    button = checkin_button(reminder)
    assert button is not None
    click = await fd.click(clicker, reminder, button)
    answer = await click.wait_response()
    assert answer.ephemeral
    assert answer.embeds[0]["title"].startswith("Leg day logged")
    assert f"<@{clicker.id}>" in answer.embeds[0]["description"]

    await e2e.stage.restart_bot()

    again = await fd.click(clicker, reminder, button)
    answer = await again.wait_response()
    assert answer.ephemeral
    assert answer.embeds[0]["title"].startswith("Already logged")
    fresh = await fd.click(other, reminder, button)
    assert (await fresh.wait_response()).embeds[0]["title"].startswith("Leg day logged")
    stats = await e2e.ask(clicker, "!legday stats")
    assert field(stats, "Total") == "1 leg day"

    # The restart's catch-up knows this occurrence went out: no second reminder.
    with pytest.raises(TimeoutError):
        await fd.next_message(e2e.gym, timeout=3, predicate=is_reminder)
    assert len([m for m in fd.messages(e2e.gym) if is_reminder(m)]) == 1
    sends = [
        r
        for r in fd.requests_to("POST /channels/{channel_id}/messages")
        if isinstance(r.json, dict) and r.json.get("nonce") == reminder.nonce
    ]
    assert len(sends) == 1
    # Nor a second pause notice, nor a late post in the channel that was lost.
    assert len(pause_notices(e2e, fired.doomed_id)) == 1
    assert not fd.messages(fired.doomed)


async def test_a_paused_schedule_shows_why_and_can_be_enabled(fired: Fired):
    e2e, admin, doomed = fired.server, fired.admin, fired.doomed
    fd = e2e.fd
    room = lab(e2e, "after")
    listed = await e2e.ask(admin, "!legday schedule list", room)
    text = listed.embeds[0]["description"]
    assert f"⚠️ paused: can't post in <#{doomed.id}>: missing access" in text
    assert not fd.messages(doomed)

    fd.set_overwrite(doomed, fd.bot_user)  # access restored
    _, enabled = await e2e.slash(
        admin, "legday-admin schedule enable", {"id": fired.doomed_id}, room
    )
    assert enabled.content == f"Schedule #{fired.doomed_id} is active again."
    listed = await e2e.ask(admin, "!legday schedule list", room)
    assert "paused" not in listed.embeds[0]["description"]
    await asyncio.sleep(0.5)
    assert not fd.messages(doomed)  # the failed occurrence is not re-sent late
