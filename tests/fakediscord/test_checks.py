"""Rules Discord enforces: recorded as violations and answered with Discord's errors."""

from __future__ import annotations

import aiohttp
import discord
import pytest

from fakediscord import FakeDiscord, Permission
from fakediscord.checks import ApiError, check_message_payload


async def _last_error(bot) -> Exception:
    import asyncio

    for _ in range(300):
        if bot.errors:
            return bot.errors[-1]
        await asyncio.sleep(0.01)
    raise AssertionError("no command error")


async def test_content_over_2000(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    await fd.say(world.alice, world.gym, "!legday long")
    [violation] = [v async for v in _violations(fd, "content_too_long")]
    assert violation.route == "POST /channels/{channel_id}/messages"
    assert violation.status == 400
    error = await _last_error(bot)
    original = getattr(error, "original", error)
    assert isinstance(original, discord.HTTPException)
    assert original.code == 50035 and original.status == 400
    assert "2000 or fewer" in original.text


async def test_embed_title_over_256(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    await fd.say(world.alice, world.gym, "!legday bigembed")
    [violation] = [v async for v in _violations(fd, "embed_limit")]
    assert "embeds.0.title" in violation.detail


async def test_allowed_mentions_over_100(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    await fd.say(world.alice, world.gym, "!legday mentions")
    [violation] = [v async for v in _violations(fd, "allowed_mentions_too_many")]
    assert "allowed_mentions.users" in violation.detail


async def test_answer_twice(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    inter = await fd.slash(world.alice, world.gym, "legday pager")
    await inter.wait_response()
    url = f"{fd.api_base}/interactions/{inter.id}/{inter.token}/callback"
    body = {"type": 4, "data": {"content": "again"}}
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as resp:
        assert resp.status == 400
        assert await resp.json() == {
            "message": "Interaction has already been acknowledged.",
            "code": 40060,
        }
    assert fd.violations_of("interaction_already_acknowledged")
    assert len(inter.callbacks) == 2


async def test_answer_after_three_seconds(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    inter = await fd.slash(world.alice, world.gym, "legday late")
    fd.clock.advance(3.5)
    bot.gate.set()
    violation = await fd.wait_violation("interaction_timeout")
    assert violation.status == 404 and "3.5" in violation.detail
    assert not inter.acknowledged


async def test_followup_after_fifteen_minutes(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    inter = await fd.slash(world.alice, world.gym, "legday later")
    thinking = await inter.wait_response(resolved=False)
    assert thinking is not None and thinking.loading
    fd.clock.advance(15 * 60 + 1)
    bot.gate.set()
    violation = await fd.wait_violation("interaction_token_expired")
    assert violation.status == 401
    assert thinking.loading  # never resolved


async def test_missing_access_and_permissions(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    secret = bot.get_channel(world.secret.id)
    assert isinstance(secret, discord.TextChannel)
    with pytest.raises(discord.Forbidden) as hidden:
        await secret.send("hello?")
    assert hidden.value.code == 50001
    readonly = fd.create_channel(
        world.guild, "announcements", overwrites={world.guild: (0, Permission.SEND_MESSAGES)}
    )
    with pytest.raises(discord.Forbidden) as readonly_error:
        await bot.get_partial_messageable(readonly.id).send("hi")
    assert readonly_error.value.code == 50013
    assert fd.violations_of("missing_access") and fd.violations_of("missing_permissions")


async def test_deleted_channel(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    doomed = fd.create_channel(world.guild, "doomed")
    fd.delete_channel(doomed)
    with pytest.raises(discord.NotFound) as error:
        await bot.get_partial_messageable(doomed.id).send("anyone?")
    assert error.value.code == 10003
    assert fd.violations_of("unknown_channel")


async def test_blocked_dms(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    fd.block_dms(world.alice)
    user = await bot.fetch_user(world.alice.id)
    with pytest.raises(discord.Forbidden) as error:
        await user.send("hi")
    assert error.value.code == 50007


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ({"content": "x" * 2001}, "content_too_long"),
        ({"embeds": [{"description": "d" * 4097}]}, "embed_limit"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, "embed_limit"),
        ({"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]}, "embed_limit"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]}, "embed_limit"),
        ({"embeds": [{"footer": {"text": "f" * 2049}}]}, "embed_limit"),
        ({"embeds": [{"author": {"name": "a" * 257}}]}, "embed_limit"),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, "embed_limit"),
        ({"embeds": [{"title": "t"}] * 11}, "too_many_embeds"),
        (
            {"content": "x", "allowed_mentions": {"roles": list(range(101))}},
            "allowed_mentions_too_many",
        ),
        (
            {"content": "x", "allowed_mentions": {"parse": ["users"], "users": [1]}},
            "allowed_mentions_conflict",
        ),
        ({"content": "x", "components": [{"type": 1, "components": []}]}, "components_invalid"),
        ({}, "empty_message"),
    ],
)
def test_payload_checks(payload: dict, kind: str) -> None:
    with pytest.raises(ApiError) as error:
        check_message_payload(payload, files=0)
    assert error.value.violation == kind


def test_payload_within_limits_passes() -> None:
    check_message_payload(
        {
            "content": "x" * 2000,
            "embeds": [{"title": "t" * 256, "description": "d" * 4096}],
            "allowed_mentions": {"users": list(range(100))},
        },
        files=0,
    )


async def _violations(fd: FakeDiscord, kind: str):
    await fd.wait_violation(kind)
    for violation in fd.violations_of(kind):
        yield violation
