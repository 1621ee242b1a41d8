"""Pictures end to end: the leaderboard card, the stats heatmap and the recap card arrive
as PNG attachments within Discord's limits, with the text alone where the bot may not
attach files."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from fakediscord import Message, Permission, User
from tests.e2e.conftest import E2E

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

UPLOAD_LIMIT = 10 * 1024 * 1024


def picture(message: Message, filename: str) -> Image.Image:
    """The message's one attachment, checked as Discord would show it, opened."""
    assert [a.filename for a in message.attachments] == [filename]
    attached = message.attachments[0]
    assert attached.content_type == "image/png"
    assert 0 < attached.size <= UPLOAD_LIMIT
    assert attached.description  # alt text for screen readers
    image = Image.open(io.BytesIO(attached.data))
    image.load()
    assert image.format == "PNG"
    assert message.embeds[0]["image"]["url"] == f"attachment://{filename}"
    return image


async def check_ins(e2e: E2E, names: list[str]) -> list[User]:
    members = [e2e.member(name) for name in names]
    for member in members:
        reply = await e2e.ask(member, "!legday")
        assert reply.embeds[0]["title"].startswith("Leg day logged"), reply.embeds
    return members


async def test_the_leaderboard_as_a_picture_and_its_pages(e2e: E2E):
    server = e2e.new_server("Quads & Friends")
    members = await check_ins(server, [f"lifter{i}" for i in range(12)] + ["王小明", "سارة"])
    asker = members[-1]

    board = await server.ask(asker, "!legday top image")
    card = picture(board, "leaderboard.png")
    assert card.width >= 600 and card.height >= 400
    assert "Quads & Friends" in board.attachments[0].description
    assert board.embeds[0]["title"] == "Leg day leaderboard: this week"

    # The same board asked again is the same picture (drawn once, from the cache).
    again = await server.ask(asker, "!legday top week picture")
    assert again.attachments[0].data == board.attachments[0].data

    # Paging keeps it a picture: the message is edited with the next page's card.
    posted = len(server.fd.messages(server.gym))
    buttons = {b["label"]: b for row in board.components for b in row["components"]}
    clicked = await server.fd.click(asker, board, buttons["Next"]["custom_id"])
    await clicked.wait_response()
    for _ in range(100):
        if board.attachments and board.attachments[0].data != again.attachments[0].data:
            break
        await asyncio.sleep(0.05)
    picture(board, "leaderboard.png")
    assert board.attachments[0].data != again.attachments[0].data
    assert len(server.fd.messages(server.gym)) == posted  # edited in place

    # `text` asks for the embed as before.
    text = await server.ask(asker, "!legday top month text")
    assert not text.attachments and "<@" in text.embeds[0]["description"]


async def test_the_server_default_and_the_slash_form(e2e: E2E):
    server = e2e.new_server("Default Gym")
    admin = server.admin()
    (member,) = await check_ins(server, ["solo"])
    plain = await server.ask(member, "!legday top")
    assert not plain.attachments  # text is the default

    answer = await server.ask(admin, "!legday settings images image")
    assert "now answers with a picture" in answer.content
    drawn = await server.ask(member, "!legday top")
    picture(drawn, "leaderboard.png")

    _, slashed = await server.slash(member, "legday top", {"period": "streak", "style": "image"})
    picture(slashed, "leaderboard.png")
    assert slashed.embeds[0]["title"] == "Leg day leaderboard: current streaks"


async def test_stats_attach_a_year_of_leg_days(e2e: E2E):
    server = e2e.new_server("Heat Gym")
    (member,) = await check_ins(server, ["heat"])
    for back in (5, 6):
        day = (datetime.now(UTC) - timedelta(days=back)).date()
        logged = await server.ask(member, f"!legday log {day.isoformat()}")
        assert logged.embeds[0]["title"].startswith("Leg day backfilled"), logged.embeds
    paused = await server.ask(member, "!legday pause 1")
    assert "paused" in paused.content.lower()
    stats = await server.ask(member, "!legday stats")
    heatmap = picture(stats, "leg-days.png")
    assert heatmap.width > heatmap.height  # 52 columns of weeks
    alt = stats.attachments[0].description or ""
    assert "3 leg days in the last 52 weeks" in alt and "1 week paused" in alt


async def test_without_attach_files_the_text_goes_alone(e2e: E2E):
    server = e2e.new_server("Text Only Gym")
    fd = server.fd
    bare = fd.create_channel(
        server.guild, "no-files", overwrites={fd.bot_user: (0, int(Permission.ATTACH_FILES))}
    )
    admin = server.admin()
    await server.ask(admin, "!legday settings images image")
    (member,) = await check_ins(server, ["plain"])

    board = await server.ask(member, "!legday top image", bare)
    assert not board.attachments
    assert "<@" in board.embeds[0]["description"]
    assert "can't attach files" in board.embeds[0]["footer"]["text"]

    _, slashed = await server.slash(member, "legday top", {"style": "image"}, bare)
    assert not slashed.attachments and "<@" in slashed.embeds[0]["description"]

    stats = await server.ask(member, "!legday stats", bare)
    assert not stats.attachments and stats.embeds[0]["title"]


async def test_the_recap_comes_with_a_card(e2e: E2E):
    server = e2e.new_server("Recap Gym")
    admin = server.admin()
    await check_ins(server, ["early"])
    posted_before = len(server.fd.messages(server.gym))
    answer = await server.ask(admin, "!legday recap test")
    assert "Posted a test recap" in answer.content
    bot_posts = [
        m
        for m in server.fd.messages(server.gym)[posted_before:]
        if m.author.id == server.fd.bot_user.id and m.attachments
    ]
    assert len(bot_posts) == 1
    card = bot_posts[0]
    attached = card.attachments[0]
    assert (attached.filename, attached.content_type) == ("recap.png", "image/png")
    assert "Recap Gym" in (attached.description or "")
    Image.open(io.BytesIO(attached.data)).verify()


async def test_a_picture_sent_again_after_429s_is_the_whole_picture(e2e: E2E):
    server = e2e.new_server("Busy Gym")
    (member,) = await check_ins(server, ["persistent"])
    # More 429s than discord.py retries on its own: the bot's reply loop sends it again.
    route = "POST /channels/{channel_id}/messages"
    server.fd.rate_limit(route, count=6, retry_after=0.1, scope="shared")
    stats = await server.ask(member, "!legday stats", within=15)
    picture(stats, "leg-days.png")
    here = f"/channels/{server.gym.id}/messages"
    uploads = [r.files for r in server.fd.requests if r.path.endswith(here) and r.files]
    assert len(uploads) >= 6  # the refused tries and the one that went through
    assert {f[0]["size"] for f in uploads} == {stats.attachments[0].size}
    server.take_violations("rate_limited")
