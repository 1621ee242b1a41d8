"""The endpoint switch reaches discord.py: an upgrade that renames what it sets fails here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.endpoints import use_endpoints


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    yield
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


def test_requests_go_to_the_given_api_base():
    use_endpoints("http://127.0.0.1:8080/api/v10/", None)
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=42)
    assert route.url == "http://127.0.0.1:8080/api/v10/channels/42/messages"


def test_the_gateway_opens_at_the_given_url():
    use_endpoints(None, "ws://127.0.0.1:8081/gateway")
    assert yarl.URL("ws://127.0.0.1:8081/gateway") == DiscordWebSocket.DEFAULT_GATEWAY


def test_nothing_given_leaves_discord_itself():
    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    use_endpoints(None, "")
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    assert Route.BASE.startswith("https://discord.com/api/")
