"""Pointing an unmodified discord.py at the emulator.

In-process::

    restore = point_discord_py(fd.api_base, fd.gateway_url)

For a bot subprocess, export ``FAKEDISCORD_API_BASE`` and ``FAKEDISCORD_GATEWAY_URL``
(see :meth:`fakediscord.FakeDiscord.env`) and either call :func:`point_discord_py_from_env`
early in the bot, or start it through ``python -m fakediscord.launch <module> [args...]``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

ENV_API_BASE = "FAKEDISCORD_API_BASE"
ENV_GATEWAY_URL = "FAKEDISCORD_GATEWAY_URL"
ENV_TOKEN = "FAKEDISCORD_TOKEN"


def point_discord_py(api_base: str, gateway_url: str) -> Callable[[], None]:
    """Redirect discord.py's REST base and default gateway; returns a function undoing it.

    Must run before the client logs in. Reconnects and RESUMEs follow automatically because
    READY's ``resume_gateway_url`` points at the emulator too.
    """
    import discord.gateway
    import discord.http
    import yarl

    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

    def restore() -> None:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return restore


def point_discord_py_from_env() -> bool:
    """Apply :func:`point_discord_py` if the ``FAKEDISCORD_*`` variables are set."""
    api_base = os.environ.get(ENV_API_BASE)
    gateway = os.environ.get(ENV_GATEWAY_URL)
    if not api_base or not gateway:
        return False
    point_discord_py(api_base, gateway)
    return True
