"""Why the bot could not start, as one readable line and a documented exit code.

The codes are part of the command line's contract (README "Exit codes", `legday --help`):
a supervisor or script can tell "fix the settings" from "wait for the database".
"""

from __future__ import annotations

import errno
import os
import socket
from enum import IntEnum

import aiohttp
import discord


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    CONFIGURATION = 2
    DATABASE = 3
    DISCORD_UNREACHABLE = 4
    SHARDS_TAKEN = 5


EXIT_CODES_HELP = """\
exit codes:
  0  stopped normally (also after Ctrl-C or SIGTERM)
  1  unexpected error; for `health`: the bot is not healthy
  2  configuration: a missing or bad setting or argument, a bad DATABASE_URL, a token
     Discord rejects, an intent not enabled in the portal, a server the bot is not in
  3  database unusable: cannot be reached, created, opened or migrated; nothing to
     back up
  4  Discord unreachable at start-up (network, DNS, or Discord's own outage)
  5  another process took over this one's shards while its database connection was
     down; started again, it stands by until they are free"""


class StartupFailure(Exception):
    """A failure the admin can act on; `str()` is one line in the bot's own words."""

    exit_code = ExitCode.UNEXPECTED


class DatabaseUnusable(StartupFailure):
    exit_code = ExitCode.DATABASE


class DiscordUnreachable(StartupFailure):
    exit_code = ExitCode.DISCORD_UNREACHABLE


class ShardsTaken(StartupFailure):
    exit_code = ExitCode.SHARDS_TAKEN


def os_reason(error: OSError) -> str:
    """`connection refused`, `permission denied`, ...: the errno in plain words."""
    if error.errno is not None and error.errno in errno.errorcode:
        return os.strerror(error.errno).lower()
    return "network error"


def network_reason(error: BaseException) -> str:
    """What went wrong talking to Discord, in a few words and without a traceback."""
    if isinstance(error, aiohttp.ClientConnectorError):
        if isinstance(error.os_error, socket.gaierror):
            return "its address could not be resolved (DNS)"
        return os_reason(error.os_error)
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, discord.ConnectionClosed):
        return f"the connection was closed (code {error.code})"
    if isinstance(error, discord.HTTPException):
        return f"Discord answered HTTP {error.status}"
    if isinstance(error, discord.GatewayNotFound):
        return "Discord did not say where its gateway is"
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return "the server closed the connection"
    if isinstance(error, OSError):
        return os_reason(error)
    return "network error"


NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    aiohttp.ClientError,
    discord.ConnectionClosed,
    discord.GatewayNotFound,
    discord.DiscordServerError,
)
