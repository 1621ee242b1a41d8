"""A bot without the Message Content intent (`LEGDAY_PREFIX_COMMANDS=false`).

Slash commands and `@bot legday ...` keep working; a plain `!legday` is invisible to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from fakediscord import FakeDiscord
from tests.e2e.conftest import E2E, field, open_stage

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


def without_message_content(fd: FakeDiscord) -> None:
    # As in the developer portal: the privileged intent is off, so a bot that asked for
    # it would be refused with close code 4014 and never come up.
    if hasattr(fd.application, "message_content_allowed"):
        fd.application.message_content_allowed = False


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot_stage(tmp_path_factory: pytest.TempPathFactory, backend: str) -> AsyncIterator[E2E]:
    async for opened in open_stage(
        tmp_path_factory.mktemp("no-content"),
        env={"LEGDAY_PREFIX_COMMANDS": "false"},
        configure=without_message_content,
        backend=backend,
    ):
        yield opened


@pytest.fixture
def stage(bot_stage: E2E) -> E2E:
    """The module's bot, in a server of this test's own."""
    return bot_stage.new_server()


async def test_the_bot_does_not_ask_for_message_content(stage: E2E):
    identify = next(f for f in stage.fd.gateway_frames if f.direction == "in" and f.op == 2)
    intents = identify.d["intents"]
    assert not intents & (1 << 15)  # MESSAGE_CONTENT
    assert intents & (1 << 9)  # GUILD_MESSAGES: it still sees that messages exist


async def test_slash_commands_work(stage: E2E):
    user = stage.member("slasher")
    _, reply = await stage.slash(user, "legday checkin", {"note": "pistol squats"})
    assert reply.embeds[0]["title"].startswith("Leg day logged")
    _, stats = await stage.slash(user, "legday stats")
    assert stats.embeds[0]["description"] == f"<@{user.id}>"
    _, help_reply = await stage.slash(user, "legday help")
    assert "`/legday undo`" in help_reply.embeds[0]["description"]
    assert "mention me" in help_reply.embeds[0]["footer"]["text"]


async def test_mention_prefix_works(stage: E2E):
    user = stage.member("mentioner")
    bot = stage.fd.bot_user
    reply = await stage.ask(user, f"<@{bot.id}> legday goblet squats")
    assert reply.embeds[0]["title"].startswith("Leg day logged")
    stats = await stage.ask(user, f"<@{bot.id}> legday stats")
    assert stats.embeds[0]["description"] == f"<@{user.id}>"
    assert "1 leg day" in [f["value"] for f in stats.embeds[0]["fields"]]


async def test_plain_prefix_gets_no_answer(stage: E2E):
    fd = stage.fd
    user = stage.member("typer")
    said = await fd.say(user, stage.gym, "!legday")
    with pytest.raises(TimeoutError):
        await stage.reply_to(said, within=1.0)
    # it really was not logged
    _, stats = await stage.slash(user, "legday stats")
    assert field(stats, "Total") == "0 leg days"


async def test_prefix_in_a_dm_points_to_slash(stage: E2E):
    user = stage.member("dmer")
    dm = stage.fd.dm_channel(user)
    reply = await stage.ask(user, "!legday", dm)  # DMs keep their content
    assert reply.content == "Prefix commands are off on this bot; use `/legday` instead."
