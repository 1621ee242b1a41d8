"""Slash commands (hybrid group), autocomplete, buttons, deferrals, followups, attachments."""

from __future__ import annotations

import aiohttp
import pytest

from fakediscord import CommandError, FakeDiscord
from fakediscord.state import FLAG_EPHEMERAL


async def test_sync_stores_group_with_subcommands(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    [cmd] = [c for c in fd.state.commands.values() if c.name == "legday"]
    subs = {o["name"]: o for o in cmd.options}
    assert subs["top"]["type"] == 1
    assert [c["value"] for c in subs["top"]["options"][0]["choices"]] == ["week", "month"]
    assert subs["tz"]["options"][0]["autocomplete"] is True
    put = fd.requests_to("PUT /applications/{application_id}/commands")[-1]
    assert put.status == 200 and put.response[0]["id"] == str(cmd.id)
    # GET returns the same tree
    async with aiohttp.ClientSession() as session:
        url = f"{fd.api_base}/applications/{fd.application.id}/commands"
        async with session.get(url, headers={"Authorization": f"Bot {fd.bot_token}"}) as resp:
            assert resp.headers["Content-Type"] == "application/json"
            assert sorted(c["name"] for c in await resp.json()) == ["adminonly", "legday"]


async def test_slash_ephemeral_response_and_followup(fd: FakeDiscord, world, start_bot) -> None:
    bot = await start_bot()
    inter = await fd.slash(world.alice, world.gym, "legday top", {"period": "month"})
    response = await inter.wait_response()
    assert response is not None
    assert response.content == "top for month"
    assert response.ephemeral and response.flags & FLAG_EPHEMERAL
    followup = await inter.wait_followup()
    assert followup.content == "followup month" and not followup.ephemeral
    # ephemeral responses are not channel messages, the followup is
    assert [m.content for m in fd.messages(world.gym)] == ["followup month"]
    assert inter.payload["data"]["options"] == [
        {"type": 1, "name": "top", "options": [{"type": 3, "name": "period", "value": "month"}]}
    ]
    assert bot.errors == []
    fd.assert_no_violations()


async def test_slash_resolved_options_and_permissions(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    inter = await fd.slash(
        world.bob,
        world.gym,
        "legday whois",
        {"member": world.alice, "where": world.gym, "role": world.admin, "reps": 12},
    )
    msg = await inter.wait_response()
    assert msg is not None
    assert msg.content == "member=alice reps=12 where=gym role=admins manage_guild=True"
    data = inter.payload["data"]
    assert set(data["resolved"]) == {"users", "members", "channels", "roles"}
    assert inter.payload["member"]["permissions"] == str(fd.permissions_of(world.bob, world.gym))
    assert int(inter.payload["app_permissions"]) == fd.permissions_of(fd.bot_user, world.gym)
    # non-ephemeral response: a channel message of type 20, echoed on the gateway
    assert fd.messages(world.gym)[-1] is msg and msg.type == 20


async def test_unsynced_command_is_a_clear_error(fd: FakeDiscord, world, start_bot) -> None:
    with pytest.raises(CommandError, match="not synced"):
        await fd.slash(world.alice, world.gym, "legday top")
    await start_bot()
    with pytest.raises(CommandError, match="no sub-command 'nope'"):
        await fd.slash(world.alice, world.gym, "legday nope")
    with pytest.raises(CommandError, match="not one of"):
        await fd.slash(world.alice, world.gym, "legday top", {"period": "year"})


async def test_autocomplete(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    choices = await fd.autocomplete(world.alice, world.gym, "legday tz", "zone", "Europe/L")
    assert [c["value"] for c in choices] == ["Europe/London", "Europe/Lisbon"]
    inter = await fd.slash(world.alice, world.gym, "legday tz", {"zone": choices[0]["value"]})
    msg = await inter.wait_response()
    assert msg is not None and msg.content == "zone set to Europe/London" and msg.ephemeral


async def test_defer_then_followup_resolves_thinking_message(
    fd: FakeDiscord, world, start_bot
) -> None:
    await start_bot()
    inter = await fd.slash(world.alice, world.gym, "legday slow")
    thinking = await inter.wait_response(resolved=False)
    assert thinking is not None
    msg = await inter.wait_response()
    assert msg is thinking and msg.content == "done thinking" and not msg.loading
    assert inter.response_type == 5


async def test_ephemeral_attachment_response(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    inter = await fd.slash(world.alice, world.gym, "legday export")
    msg = await inter.wait_response()
    assert msg is not None and msg.ephemeral and msg.content == "here you go"
    [attachment] = msg.attachments
    assert attachment.filename == "legday.json"
    assert attachment.json() == {"user": world.alice.id, "squats": 3}
    callback = fd.requests_to("POST /interactions/{webhook_id}/{webhook_token}/callback")[-1]
    assert callback.files and callback.files[0]["filename"] == "legday.json"
    # with_response=1 -> InteractionCallbackResponse body
    assert callback.response["interaction"]["response_message_ephemeral"] is True
    assert callback.response["resource"]["message"]["attachments"][0]["filename"] == "legday.json"


async def test_persistent_buttons_paginate(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    inter = await fd.slash(world.alice, world.gym, "legday pager")
    msg = await inter.wait_response()
    assert msg is not None and msg.custom_ids() == ["pager:prev", "pager:next"]
    click = await fd.click(world.alice, msg, "pager:next")
    updated = await click.wait_response()
    assert updated is msg and msg.content == "page 2" and click.response_type == 7
    click = await fd.click(world.bob, msg, "pager:next")
    await click.wait_response()
    assert msg.content == "page 3"


async def test_persistent_view_survives_restart(fd: FakeDiscord, world, runner) -> None:
    first = await runner.start()
    inter = await fd.slash(world.alice, world.gym, "legday pager")
    msg = await inter.wait_response()
    assert msg is not None
    await first.close()
    await runner.start()  # a fresh process-like bot; the view is registered in setup_hook
    click = await fd.click(world.alice, msg, "pager:next")
    await click.wait_response()
    assert msg.content == "page 2"


async def test_dynamic_item_button(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    inter = await fd.slash(world.bob, world.gym, "legday cheer", {"member": world.alice})
    msg = await inter.wait_response()
    assert msg is not None
    click = await fd.click(world.bob, msg, f"cheer:{world.alice.id}")
    answer = await click.wait_response()
    assert answer is not None and answer.ephemeral
    assert answer.content == f"cheered <@{world.alice.id}>"
    assert click.payload["message"]["id"] == str(msg.id)


async def test_original_get_edit_delete_via_raw_http(fd: FakeDiscord, world, start_bot) -> None:
    await start_bot()
    inter = await fd.slash(world.alice, world.gym, "legday whois", {"member": world.alice})
    msg = await inter.wait_response()
    assert msg is not None
    base = f"{fd.api_base}/webhooks/{fd.application.id}/{inter.token}/messages/@original"
    async with aiohttp.ClientSession() as session:
        async with session.get(base) as resp:
            assert (await resp.json())["id"] == str(msg.id)
        async with session.patch(base, json={"content": "edited"}) as resp:
            assert resp.status == 200
        assert msg.content == "edited"
        async with session.delete(base) as resp:
            assert resp.status == 204
        assert msg.deleted


async def test_subcommand_group_data_shape(fd: FakeDiscord, world) -> None:
    tree = [
        {
            "name": "legday",
            "description": "Leg day",
            "type": 1,
            "options": [
                {
                    "type": 2,
                    "name": "admin",
                    "description": "Admin tools",
                    "options": [
                        {
                            "type": 1,
                            "name": "reset",
                            "description": "Reset a user",
                            "options": [
                                {"type": 6, "name": "user", "description": "Who", "required": True},
                                {"type": 8, "name": "role", "description": "Role"},
                            ],
                        }
                    ],
                }
            ],
        }
    ]
    url = f"{fd.api_base}/applications/{fd.application.id}/guilds/{world.guild.id}/commands"
    headers = {"Authorization": f"Bot {fd.bot_token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.put(url, json=tree, headers=headers) as r,
    ):
        assert r.status == 200
        [synced] = await r.json()
        assert synced["guild_id"] == str(world.guild.id)
    inter = await fd.slash(
        world.bob, world.gym, "legday admin reset", {"user": world.alice, "role": world.admin}
    )
    data = inter.payload["data"]
    assert data["guild_id"] == str(world.guild.id)
    assert data["options"] == [
        {
            "type": 2,
            "name": "admin",
            "options": [
                {
                    "type": 1,
                    "name": "reset",
                    "options": [
                        {"type": 6, "name": "user", "value": str(world.alice.id)},
                        {"type": 8, "name": "role", "value": str(world.admin.id)},
                    ],
                }
            ],
        }
    ]
    assert data["resolved"]["users"][str(world.alice.id)]["username"] == "alice"
    assert "user" not in data["resolved"]["members"][str(world.alice.id)]
    assert data["resolved"]["roles"][str(world.admin.id)]["name"] == "admins"
    with pytest.raises(CommandError, match="required option 'user' missing"):
        await fd.slash(world.bob, world.gym, "legday admin reset")
    with pytest.raises(CommandError, match="needs a sub-command"):
        await fd.slash(world.bob, world.gym, "legday admin")


async def test_invalid_command_sync_rejected(fd: FakeDiscord) -> None:
    url = f"{fd.api_base}/applications/{fd.application.id}/commands"
    headers = {"Authorization": f"Bot {fd.bot_token}"}
    bad = [{"name": "Legday", "description": "", "type": 1}]
    async with aiohttp.ClientSession() as session, session.put(url, json=bad, headers=headers) as r:
        assert r.status == 400
        body = await r.json()
        assert body["code"] == 50035 and "0" in body["errors"]
    assert fd.violations_of("invalid_command")
