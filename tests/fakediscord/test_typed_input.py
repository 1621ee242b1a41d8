"""Request bodies are typed as Discord types them: a wrong type, an unknown enum value or
an over-long field is refused with 50035 and a tree of field errors, like Discord does."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from fakediscord import FakeDiscord
from fakediscord.spec_check import find_spec
from tests.fakediscord.conftest import World

pytestmark = pytest.mark.skipif(
    find_spec() is None, reason="Discord's OpenAPI spec is not at ../shared/discord-api-spec"
)


async def post(fd: FakeDiscord, path: str, body: Any) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{fd.api_base}{path}", json=body, headers={"Authorization": f"Bot {fd.bot_token}"}
        ) as response,
    ):
        return response.status, await response.json()


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"content": "hi", "tts": "loud"}, ("tts",), "BOOLEAN_TYPE_CONVERT"),
        ({"content": "hi", "flags": "ephemeral"}, ("flags",), "NUMBER_TYPE_COERCE"),
        ({"content": "hi", "allowed_mentions": {"parse": ["admins"]}}, None, "BASE_TYPE_CHOICES"),
        ({"content": "hi", "embeds": [{"title": "t" * 300}]}, None, "BASE_TYPE_MAX_LENGTH"),
        ({"content": "hi", "embeds": {"title": "not a list"}}, ("embeds",), "LIST_TYPE_CONVERT"),
    ],
)
async def test_a_badly_typed_message_is_refused_with_discords_error_tree(
    fd: FakeDiscord, world: World, body: dict[str, Any], field: tuple[str, ...] | None, code: str
):
    status, answer = await post(fd, f"/channels/{world.gym.id}/messages", body)
    assert status == 400
    assert answer["code"] == 50035 and answer["message"] == "Invalid Form Body"
    errors = answer["errors"]
    node = errors
    for part in field or ():
        node = node[part]
    found = _codes(node if field else errors)
    assert code in found, errors
    assert fd.messages(world.gym) == []  # nothing was posted
    assert fd.violations  # recorded, under the most precise kind the emulator knows


async def test_a_well_typed_message_goes_through(fd: FakeDiscord, world: World):
    body = {"content": "hi", "tts": False, "allowed_mentions": {"parse": [], "users": ["1"]}}
    status, answer = await post(fd, f"/channels/{world.gym.id}/messages", body)
    assert status == 200, answer
    assert [m.content for m in fd.messages(world.gym)] == ["hi"]
    assert not fd.violations_of("invalid_form_body")


def _codes(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "_errors":
                found.update(e["code"] for e in value)
            else:
                found |= _codes(value)
    return found
