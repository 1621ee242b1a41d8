"""Whom a reminder may ping: exactly the listed users and the schedule's role."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace
from unittest.mock import AsyncMock

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.quotes import BUILTIN_QUOTES
from bot.core.reminders import (
    MENTIONS_PER_MESSAGE,
    Broadcast,
    Kind,
    ReminderPart,
    compose,
    nonce,
)
from bot.reminders.poster import DiscordPoster, PostFailed, reminder_mentions
from tests.reminders.conftest import CHANNEL, GUILD, ROLE
from tests.reminders.helpers import utc
from tests.support import set_reminders

JUNE_1 = date(2026, 6, 1)
JUNE_1_FIRE = utc(2026, 6, 1, 17, 0)


def user_mentions(content: str) -> list[int]:
    return [int(found) for found in re.findall(r"<@(\d+)>", content)]


def role_mentions(content: str) -> list[int]:
    return [int(found) for found in re.findall(r"<@&(\d+)>", content)]


def assert_only_listed(part: ReminderPart) -> None:
    mentions = reminder_mentions(part)
    assert mentions.everyone is False
    assert mentions.replied_user is False
    payload = mentions.to_dict()
    assert payload["parse"] == []
    assert payload.get("users", []) == list(part.user_ids)
    assert payload.get("roles", []) == ([] if part.role_id is None else [part.role_id])
    assert not payload.get("replied_user", False)
    assert set(payload) <= {"parse", "users", "roles"}


async def test_two_hundred_members_make_three_safe_messages(
    engine, add_schedule, clock, poster, store
):
    members = list(range(10_001, 10_201))
    for user_id in members:
        await set_reminders(store, GUILD, user_id, True)
    schedule = await add_schedule()
    clock.set(JUNE_1_FIRE)

    await engine.fire(schedule.id)

    parts = [post.part for post in poster.sent]
    assert len(parts) == 3
    assert [len(p.user_ids) for p in parts] == [90, 90, 20]
    assert [p.first for p in parts] == [True, False, False]
    assert [p.role_id for p in parts] == [ROLE, None, None]
    assert [p.user_ids for p in parts] == [
        tuple(members[:90]),
        tuple(members[90:180]),
        tuple(members[180:]),
    ]
    for index, part in enumerate(parts):
        assert len(part.user_ids) <= MENTIONS_PER_MESSAGE
        assert user_mentions(part.content) == list(part.user_ids)
        assert role_mentions(part.content) == ([ROLE] if index == 0 else [])
        assert part.nonce == nonce(schedule.id, JUNE_1, Kind.REMINDER, index)
        assert_only_listed(part)
    # The first message carries the reminder's message id.
    delivery = await store.delivery(schedule.id, JUNE_1, Kind.REMINDER)
    assert delivery.message_id == poster.sent[0].message_id


@pytest.mark.parametrize("role_id", [ROLE, None])
async def test_nobody_opted_in_still_posts_one_message(
    engine, add_schedule, clock, poster, role_id
):
    schedule = await add_schedule(role_id=role_id)
    clock.set(JUNE_1_FIRE)
    await engine.fire(schedule.id)
    assert len(poster.sent) == 1
    part = poster.sent[0].part
    assert part.user_ids == ()
    assert_only_listed(part)
    expected = {"parse": []} if role_id is None else {"parse": [], "roles": [ROLE]}
    assert reminder_mentions(part).to_dict() == expected


# --- DiscordPoster: what actually goes over the wire ------------------------------------


def sent_message(message_id: int) -> dict[str, object]:
    """What Discord answers a message POST with (the fields discord.py reads)."""
    return {
        "id": str(message_id),
        "channel_id": str(CHANNEL),
        "author": {"id": "1", "username": "legday", "discriminator": "0", "avatar": None},
        "content": "",
        "timestamp": "2026-06-01T17:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
    }


def fake_client(send: AsyncMock) -> discord.Client:
    """A real discord.py client whose HTTP layer's message POST is `send`: the poster goes
    through discord.py's public channel API, and the test reads the request it built."""
    client = discord.Client(intents=discord.Intents.none())
    client.http.send_message = send  # type: ignore[method-assign]
    return client


async def test_discord_poster_marks_every_part_and_sends_these_mentions():
    parts = compose(3, JUNE_1, Kind.REMINDER, list(range(1, 201)), ROLE)
    send = AsyncMock(side_effect=[sent_message(101), sent_message(102), sent_message(103)])
    poster = DiscordPoster(fake_client(send))

    ids = [await poster.post(CHANNEL, part, BUILTIN_QUOTES[0]) for part in parts]

    assert ids == [101, 102, 103]
    for call, part in zip(send.await_args_list, parts, strict=True):
        assert call.args == (CHANNEL,)
        payload = call.kwargs["params"].payload
        assert payload["content"] == part.content
        assert payload["allowed_mentions"] == reminder_mentions(part).to_dict()
        assert payload["nonce"] == part.nonce
        assert payload["enforce_nonce"] is True
        custom_ids = [
            child["custom_id"]
            for row in payload.get("components", [])
            for child in row["components"]
        ]
        # Every part carries its own marker, so a restart can find what already went out.
        assert custom_ids == [f"legday:checkin:{part.nonce}"]
        assert bool(payload.get("embeds")) is part.first  # the quote rides on the first


def http_error(cls: type[discord.HTTPException], status: int) -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="nope")
    return cls(response, {"code": 50001 if status == 403 else 10003, "message": "nope"})


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (http_error(discord.Forbidden, 403), True),
        (http_error(discord.NotFound, 404), True),
        (http_error(discord.DiscordServerError, 503), False),
        (TimeoutError(), False),
    ],
)
async def test_discord_poster_classifies_failures(error, permanent):
    poster = DiscordPoster(fake_client(AsyncMock(side_effect=error)))
    part = compose(3, JUNE_1, Kind.REMINDER, [1], ROLE)[0]
    with pytest.raises(PostFailed) as caught:
        await poster.post(CHANNEL, part, None)
    assert caught.value.permanent is permanent


# --- compose ----------------------------------------------------------------------------


@given(
    count=st.integers(min_value=0, max_value=400),
    role_id=st.one_of(st.none(), st.integers(min_value=1, max_value=2**63 - 1)),
    kind=st.sampled_from(list(Kind)),
    late=st.booleans(),
    schedule_id=st.integers(min_value=1, max_value=10**9),
    offset=st.integers(min_value=0, max_value=3650),
)
def test_compose_never_exceeds_the_mention_cap(count, role_id, kind, late, schedule_id, offset):
    users = [10**17 + i for i in range(count)]
    day = date(2024, 1, 1) + timedelta(days=offset)
    parts = compose(schedule_id, day, kind, users, role_id, late=late)

    if kind is Kind.NUDGE and count == 0:
        assert parts == []
        return
    assert [u for p in parts for u in p.user_ids] == users
    assert all(len(p.user_ids) <= MENTIONS_PER_MESSAGE for p in parts)
    assert len(parts) == max(1, -(-count // MENTIONS_PER_MESSAGE))
    assert [p.first for p in parts] == [True] + [False] * (len(parts) - 1)
    expected_role = role_id if kind is Kind.REMINDER else None
    assert [p.role_id for p in parts] == [expected_role] + [None] * (len(parts) - 1)
    for index, part in enumerate(parts):
        assert user_mentions(part.content) == list(part.user_ids)
        assert role_mentions(part.content) == ([] if part.role_id is None else [part.role_id])
        assert part.nonce == nonce(schedule_id, day, kind, index)
        assert part.nonce is not None and len(part.nonce) <= 25
        assert_only_listed(part)
    # Deterministic: the same reminder composes to the same nonces (a retry dedupes).
    again = compose(schedule_id, day, kind, users, role_id, late=not late)
    assert [p.nonce for p in again] == [p.nonce for p in parts]
    assert len({p.nonce for p in parts}) == len(parts)


def test_nonces_differ_per_part_kind_day_and_schedule():
    combos = [
        (schedule_id, day, kind, part)
        for schedule_id in (1, 2, 11, 12)
        for day in (date(2026, 1, 1), date(2026, 1, 2), date(2027, 1, 1))
        for kind in Kind
        for part in range(4)
    ]
    nonces = [nonce(*combo) for combo in combos]
    assert len(set(nonces)) == len(combos)
    assert all(len(n) <= 25 for n in nonces)
    assert nonces == [nonce(*combo) for combo in combos]


def test_test_posts_carry_no_nonce_and_say_so():
    parts = compose(1, JUNE_1, Kind.REMINDER, list(range(1, 100)), ROLE, test=True)
    assert [p.nonce for p in parts] == [None, None]
    assert "Test reminder" in parts[0].content


@pytest.mark.parametrize("broadcast", list(Broadcast))
def test_an_everyone_or_here_reminder_pings_exactly_that(broadcast):
    parts = compose(3, JUNE_1, Kind.REMINDER, list(range(1, 120)), None, broadcast=broadcast)
    first, second = parts
    assert f"\n@{broadcast}\n" in first.content
    assert reminder_mentions(first).to_dict()["parse"] == ["everyone"]
    # Follow-on messages carry only their members, never the channel ping again.
    assert "@" + broadcast.value not in second.content
    assert reminder_mentions(second).to_dict()["parse"] == []


def test_nudges_never_ping_the_channel():
    (part,) = compose(3, JUNE_1, Kind.NUDGE, [7], None, broadcast=Broadcast.EVERYONE)
    assert "@everyone" not in part.content
    assert reminder_mentions(part).to_dict()["parse"] == []


def test_a_role_reminder_never_allows_everyone():
    (part,) = compose(3, JUNE_1, Kind.REMINDER, [7], ROLE)
    assert reminder_mentions(part).to_dict()["parse"] == []
