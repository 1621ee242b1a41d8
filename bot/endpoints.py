"""Where discord.py connects: Discord itself, or another endpoint (a REST proxy that
pools rate limits for several processes, or the loopback Discord used by the tests).

discord.py has no public option for this: its REST base URL is the `BASE` attribute of
its request-route class and its gateway URL a class attribute of its websocket. This
module is the one place the bot sets them, so an upgrade that renames either breaks here
(and in tests/unit/test_endpoints.py), not somewhere in the bot.
"""

from __future__ import annotations

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route


def use_endpoints(api_base: str | None, gateway_url: str | None) -> None:
    """Send REST requests to `api_base` and open the gateway at `gateway_url` (each
    only when given; otherwise discord.py's own Discord addresses stay)."""
    if api_base:
        Route.BASE = api_base.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
