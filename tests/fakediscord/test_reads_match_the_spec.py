"""Every read route the emulator serves, called once: the autouse spec check (tests/
conftest.py) validates each answer against Discord's schema for that operation."""

from __future__ import annotations

import aiohttp
import pytest

from fakediscord import FakeDiscord
from fakediscord.spec_check import find_spec, load_spec
from tests.fakediscord.conftest import World

pytestmark = pytest.mark.skipif(
    find_spec() is None, reason="Discord's OpenAPI spec is not at ../shared/discord-api-spec"
)


async def test_every_read_route_answers_in_discords_shape(fd: FakeDiscord, world: World):
    said = await fd.say(world.alice, world.gym, "hello")
    app = fd.application.id
    paths = [
        f"/guilds/{world.guild.id}",
        f"/guilds/{world.guild.id}?with_counts=true",
        f"/guilds/{world.guild.id}/channels",
        f"/guilds/{world.guild.id}/roles",
        f"/guilds/{world.guild.id}/members/{world.alice.id}",
        f"/guilds/{world.guild.id}/members?limit=10",
        f"/channels/{world.gym.id}",
        f"/channels/{world.gym.id}/messages?limit=5",
        f"/channels/{world.gym.id}/messages/{said.id}",
        f"/applications/{app}/commands",
        "/users/@me",
        f"/users/{world.alice.id}",
        "/oauth2/applications/@me",
        "/applications/@me",
        "/gateway",
        "/gateway/bot",
    ]
    headers = {"Authorization": f"Bot {fd.bot_token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        for path in paths:
            async with http.get(f"{fd.api_base}{path}") as response:
                assert response.status == 200, (path, await response.text())
    checker = load_spec()
    assert checker is not None
    problems = checker.problems(fd.requests)
    assert problems == [], "\n".join(map(str, problems))
