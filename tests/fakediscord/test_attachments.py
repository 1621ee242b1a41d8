"""Discord's attachment rules: ATTACH_FILES, the 10 MiB upload limit, and what an
attachment says about itself (content type from the file name, size, image dimensions)."""

from __future__ import annotations

import io
import json

import aiohttp
import discord
import pytest
from PIL import Image

from fakediscord import FakeDiscord, Permission
from fakediscord.checks import UPLOAD_LIMIT
from fakediscord.messaging import content_type_of, image_size


def png(width: int = 64, height: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 33, 43)).save(out, "PNG")
    return out.getvalue()


def no_attach(fd: FakeDiscord, world):
    return fd.create_channel(
        world.guild, "no-files", overwrites={fd.bot_user: (0, int(Permission.ATTACH_FILES))}
    )


async def raw(fd: FakeDiscord, method: str, path: str, payload: dict, files: dict[str, bytes]):
    """A multipart request as discord.py sends it: every file as application/octet-stream."""
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps(payload), content_type="application/json")
    for index, (name, data) in enumerate(files.items()):
        form.add_field(
            f"files[{index}]", data, filename=name, content_type="application/octet-stream"
        )
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, fd.api_base + path, data=form) as resp,
    ):
        body = await resp.json() if resp.content_type == "application/json" else None
        return resp.status, body


async def test_an_image_keeps_its_type_size_and_dimensions(fd: FakeDiscord, world, start_bot):
    bot = await start_bot()
    data = png(120, 45)
    sent = await bot.get_partial_messageable(world.gym.id).send(
        "card", file=discord.File(io.BytesIO(data), filename="board.png")
    )
    [stored] = fd.messages(world.gym)[-1].attachments
    assert (stored.content_type, stored.size, stored.width, stored.height) == (
        "image/png",
        len(data),
        120,
        45,
    )
    [seen] = sent.attachments  # as discord.py read Discord's answer
    assert (seen.content_type, seen.size, seen.width, seen.height) == (
        "image/png",
        len(data),
        120,
        45,
    )
    fd.assert_no_violations()


async def test_a_file_that_is_not_an_image_has_no_dimensions(fd: FakeDiscord, world, start_bot):
    bot = await start_bot()
    sent = await bot.get_partial_messageable(world.gym.id).send(
        file=discord.File(io.BytesIO(b'{"a": 1}'), filename="export.json")
    )
    [seen] = sent.attachments
    assert seen.content_type == "application/json"
    assert seen.width is None and seen.height is None and seen.size == 8
    response = fd.requests_to("POST /channels/{channel_id}/messages")[-1].response
    assert set(response["attachments"][0]) >= {"id", "filename", "size", "url", "proxy_url"}
    assert "width" not in response["attachments"][0]


async def test_without_attach_files_a_file_is_refused_but_text_goes_through(
    fd: FakeDiscord, world, start_bot
):
    bot = await start_bot()
    channel = bot.get_partial_messageable(no_attach(fd, world).id)
    with pytest.raises(discord.Forbidden) as refused:
        await channel.send("card", file=discord.File(io.BytesIO(png()), filename="board.png"))
    assert refused.value.code == 50013 and refused.value.status == 403
    assert "ATTACH_FILES" in fd.violations_of("missing_permissions")[-1].detail
    text = await channel.send("the board as text")
    assert text.content == "the board as text"


async def test_a_file_over_the_upload_limit_is_too_large(fd: FakeDiscord, world, start_bot):
    bot = await start_bot()
    channel = bot.get_partial_messageable(world.gym.id)
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send(file=discord.File(io.BytesIO(b"\0" * (UPLOAD_LIMIT + 1)), "big.bin"))
    assert refused.value.status == 413 and refused.value.code == 40005
    assert fd.violations_of("file_too_large")
    at_limit = await channel.send(file=discord.File(io.BytesIO(b"\0" * UPLOAD_LIMIT), "ok.bin"))
    assert at_limit.attachments[0].size == UPLOAD_LIMIT


async def test_editing_in_a_file_follows_the_same_rules(fd: FakeDiscord, world, start_bot):
    bot = await start_bot()
    where = no_attach(fd, world)
    message = await bot.get_partial_messageable(where.id).send("text first")
    with pytest.raises(discord.Forbidden) as refused:
        await message.edit(attachments=[discord.File(io.BytesIO(png()), filename="board.png")])
    assert refused.value.code == 50013
    assert fd.messages(where)[-1].attachments == []


async def test_an_interaction_reply_with_a_file_needs_attach_files(
    fd: FakeDiscord, world, start_bot
):
    await start_bot()
    channel = no_attach(fd, world)
    inter = await fd.slash(world.alice, channel, "legday export")  # answers with a file
    violation = await fd.wait_violation("missing_permissions")
    assert violation.status == 403 and "ATTACH_FILES" in violation.detail
    assert inter.response_message is None  # the user saw no answer
    assert not inter.acknowledged


async def test_followups_and_webhook_edits_follow_the_rules(fd: FakeDiscord, world, start_bot):
    await start_bot()
    inter = await fd.slash(world.alice, world.gym, "legday ping")
    assert await inter.wait_response() is not None
    hook = f"/webhooks/{fd.application.id}/{inter.token}"

    status, body = await raw(fd, "POST", hook + "?wait=true", {"content": "c"}, {"a.png": png()})
    assert status == 200 and body["attachments"][0]["width"] == 64
    assert body["attachments"][0]["content_type"] == "image/png"

    big = {"big.png": b"\0" * (UPLOAD_LIMIT + 1)}
    status, body = await raw(fd, "POST", hook, {"content": "c"}, big)
    assert (status, body["code"]) == (413, 40005)
    status, body = await raw(fd, "PATCH", hook + "/messages/@original", {}, big)
    assert (status, body["code"]) == (413, 40005)

    fd.set_overwrite(world.gym, fd.bot_user, deny=Permission.ATTACH_FILES)
    status, body = await raw(fd, "PATCH", hook + "/messages/@original", {}, {"b.png": png()})
    assert (status, body["code"]) == (403, 50013)
    status, body = await raw(fd, "POST", hook, {"content": "c"}, {"b.png": png()})
    assert (status, body["code"]) == (403, 50013)
    status, _ = await raw(fd, "POST", hook, {"content": "text only"}, {})
    assert status in (200, 204)


def test_content_types_come_from_the_file_name():
    assert content_type_of("board.png", "application/octet-stream") == "image/png"
    assert content_type_of("export.json", None) == "application/json"
    assert content_type_of("notes", "text/plain") == "text/plain"
    assert content_type_of("notes", None) is None


def test_image_size_reads_images_and_only_images():
    assert image_size(png(7, 9)) == (7, 9)
    assert image_size(b"not an image") is None
    assert image_size(png()[:30]) in (None, (64, 32))  # a header alone may be enough
