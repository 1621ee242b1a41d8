"""Check in, undo, backfill and stats, through `!legday` and `/legday`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import E2E, embed_text, field

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


def today() -> datetime:
    return datetime.now(UTC)


def title(message) -> str:
    return message.embeds[0]["title"] if message.embeds else ""


async def test_prefix_checkin_with_note_then_repeat(e2e: E2E):
    alice = e2e.member("alice")
    first = await e2e.ask(alice, "!legday front squats 5x5")
    assert title(first).startswith("Leg day logged")
    assert f"<@{alice.id}>" in first.embeds[0]["description"]
    assert field(first, "This week") == "1/1"
    assert field(first, "Total") == "1 leg day"
    assert field(first, "Why it matters").startswith("💡")

    again = await e2e.ask(alice, "!legday")
    assert title(again).startswith("Already logged")
    assert field(again, "Total") == "1 leg day"  # a repeat changes nothing

    # `!legday checkin <note>` is the same command as `/legday checkin`
    third = await e2e.ask(alice, "!legday checkin more squats")
    assert title(third).startswith("Already logged")


async def test_slash_checkin_with_note_then_repeat(e2e: E2E):
    bob = e2e.member("bob")
    _, reply = await e2e.slash(bob, "legday checkin", {"note": "lunges"})
    assert title(reply).startswith("Leg day logged")
    assert not reply.ephemeral
    _, again = await e2e.slash(bob, "legday checkin")
    assert title(again).startswith("Already logged")
    assert field(again, "Total") == "1 leg day"


async def test_note_over_200_characters_is_refused(e2e: E2E):
    carol = e2e.member("carol")
    reply = await e2e.ask(carol, "!legday " + "x" * 201)
    assert reply.content == "**note**: it is 201 characters long. Expected at most 200 characters."
    _, slash_reply = await e2e.slash(carol, "legday checkin", {"note": "y" * 250})
    assert slash_reply.ephemeral
    assert "**note**: it is 250 characters long" in slash_reply.content
    # nothing was logged by either attempt
    stats = await e2e.ask(carol, "!legday stats")
    assert field(stats, "Total") == "0 leg days"
    # exactly 200 is fine
    ok = await e2e.ask(carol, "!legday " + "z" * 200)
    assert title(ok).startswith("Leg day logged")


async def test_undo_with_and_without_a_checkin(e2e: E2E):
    dan = e2e.member("dan")
    nothing = await e2e.ask(dan, "!legday undo")
    assert nothing.content == "Nothing to undo: you haven't logged leg day today."
    await e2e.ask(dan, "!legday")
    removed = await e2e.ask(dan, "!legday undo")
    assert removed.content.startswith("Removed your check-in for ")
    assert removed.content.endswith("Streak now 0 weeks.")
    stats = await e2e.ask(dan, "!legday stats")
    assert field(stats, "Total") == "0 leg days"

    # the same through `/`: nothing to undo is answered privately
    _, slash_nothing = await e2e.slash(dan, "legday undo")
    assert slash_nothing.ephemeral
    assert slash_nothing.content.startswith("Nothing to undo")
    await e2e.slash(dan, "legday checkin")
    _, slash_removed = await e2e.slash(dan, "legday undo")
    assert slash_removed.content.startswith("Removed your check-in")
    assert not slash_removed.ephemeral


async def test_log_yesterday_and_a_date(e2e: E2E):
    erin = e2e.member("erin")
    yesterday = (today() - timedelta(days=1)).date()
    reply = await e2e.ask(erin, "!legday log yesterday")
    assert title(reply).startswith("Leg day backfilled")
    assert yesterday.strftime("%a %d %b %Y") in reply.embeds[0]["description"]

    three_days_ago = (today() - timedelta(days=3)).date()
    _, slash_reply = await e2e.slash(erin, "legday log", {"day": three_days_ago.isoformat()})
    assert title(slash_reply).startswith("Leg day backfilled")
    assert three_days_ago.strftime("%a %d %b %Y") in slash_reply.embeds[0]["description"]
    assert field(slash_reply, "Total") == "2 leg days"

    repeat = await e2e.ask(erin, f"!legday log {yesterday.isoformat()}")
    assert title(repeat).startswith("Already logged")


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        ((today() + timedelta(days=2)).date().isoformat(), "is in the future"),
        ((today() - timedelta(days=8)).date().isoformat(), "is more than 7 days ago"),
        ("2026-13-01", "is not a date"),
        ("last-tuesday", "is not a date"),
    ],
)
async def test_log_refuses_bad_days(e2e: E2E, day: str, problem: str):
    frank = e2e.member("frank")
    reply = await e2e.ask(frank, f"!legday log {day}")
    assert reply.content.startswith(f"**day**: `{day}` {problem}."), reply.content
    assert "Expected" in reply.content
    assert "Traceback" not in reply.content
    _, slash_reply = await e2e.slash(frank, "legday log", {"day": day})
    assert slash_reply.ephemeral
    assert slash_reply.content == reply.content
    stats = await e2e.ask(frank, "!legday stats")
    assert field(stats, "Total") == "0 leg days"


async def test_stats_for_self_and_for_another_member(e2e: E2E):
    gina, hank = e2e.member("gina"), e2e.member("hank")
    await e2e.ask(gina, "!legday")
    await e2e.ask(gina, "!legday log yesterday")
    own = await e2e.ask(gina, "!legday stats")
    assert title(own) == "Leg day stats"
    assert own.embeds[0]["description"] == f"<@{gina.id}>"
    assert field(own, "Total") == "2 leg days"
    assert field(own, "Best streak") in ("1 week", "2 weeks")
    assert re.fullmatch(r"<t:\d+:R>", field(own, "Last check-in"))

    theirs = await e2e.ask(hank, f"!legday stats <@{gina.id}>")
    assert theirs.embeds[0]["description"] == f"<@{gina.id}>"
    assert field(theirs, "Total") == "2 leg days"

    _, slash_theirs = await e2e.slash(hank, "legday stats", {"member": gina})
    assert slash_theirs.embeds[0]["description"] == f"<@{gina.id}>"
    assert field(slash_theirs, "Total") == "2 leg days"
    _, slash_own = await e2e.slash(hank, "legday stats")
    assert slash_own.embeds[0]["description"] == f"<@{hank.id}>"
    assert field(slash_own, "Total") == "0 leg days"
    assert field(slash_own, "Last check-in") == "never"


async def test_hidden_members_stats_are_refused_to_others(e2e: E2E):
    ivy, jack = e2e.member("ivy"), e2e.member("jack")
    await e2e.ask(ivy, "!legday")
    hidden = await e2e.ask(ivy, "!legday hide on")
    assert hidden.content.startswith("You're hidden from the leaderboards")

    refused = await e2e.ask(jack, f"!legday stats <@{ivy.id}>")
    assert refused.content == "That member keeps their stats private."
    assert not refused.embeds
    _, slash_refused = await e2e.slash(jack, "legday stats", {"member": ivy})
    assert slash_refused.ephemeral
    assert slash_refused.content == "That member keeps their stats private."

    own = await e2e.ask(ivy, "!legday stats")  # their own stats still show
    assert field(own, "Total") == "1 leg day"


async def test_a_crash_between_checkin_and_stats_loses_nothing(e2e: E2E):
    kim = e2e.member("kim")
    logged = await e2e.ask(kim, "!legday deadlifts")
    assert title(logged).startswith("Leg day logged")
    _, backfilled = await e2e.slash(kim, "legday log", {"day": "yesterday"})
    assert title(backfilled).startswith("Leg day backfilled")

    await e2e.stage.restart_bot(crash=True)

    stats = await e2e.ask(kim, "!legday stats", within=10)
    assert field(stats, "Total") == "2 leg days"
    assert field(stats, "Last check-in") != "never"
    again = await e2e.ask(kim, "!legday")
    assert title(again).startswith("Already logged")
    assert "2 leg days" in embed_text(again)
