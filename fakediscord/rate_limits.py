"""Discord's per-route rate limits: which bucket a request falls in and how big it is.

Discord publishes no table any more; its docs say to read the ``X-RateLimit-*`` headers. The
numbers below come from (a) the table Discord's own rate-limit docs printed until 2017 (send
message 5/5 s per channel, delete message 5/1 s per channel, reactions 1/0.25 s per channel,
edit member 10/10 s per guild), which headers still confirm; (b) values reported from headers
by library authors in public issues (cited next to each entry); (c) where nothing reliable is
known, an assumption, marked as such. Each limit is a fixed window that opens with the first
request and closes ``per`` seconds later, as Discord's ``Reset-After`` describes.

Buckets are keyed by the route's *major parameter* (channel, guild, or webhook id + token), as
Discord keys them: 5 messages per 5 s is per channel, not per bot. Routes given the same bucket
name share one counter and report the same ``X-RateLimit-Bucket`` hash.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from fakediscord.snowflakes import snowflake_time

# The route parameters Discord keys buckets by (discord.py's Route.major_parameters agrees).
MAJOR_PARAMETERS = ("channel_id", "guild_id", "webhook_id", "webhook_token")

SCOPE_USER = "user"
SCOPE_SHARED = "shared"  # a per-resource limit other clients also spend (not the bot's fault)
SCOPE_GLOBAL = "global"


@dataclass(frozen=True)
class RouteLimit:
    """``limit`` requests per ``per`` seconds in the bucket called ``bucket``."""

    bucket: str
    limit: int
    per: float
    scope: str = SCOPE_USER
    code: int | None = None  # the error code Discord puts in some 429 bodies (shared limits)

    @property
    def bucket_hash(self) -> str:
        """An opaque id like Discord's (32 hex digits), the same for every route of the bucket."""
        return _hash_of(self.bucket)


@functools.cache
def _hash_of(bucket: str) -> str:
    return hashlib.sha1(bucket.encode()).hexdigest()[:32]


MESSAGE = "/channels/{channel_id}/messages/{message_id}"
WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
REACTION = MESSAGE + "/reactions/{emoji}"
GLOBAL_COMMANDS = "/applications/{application_id}/commands"
GUILD_COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"

_SEND = RouteLimit("messages.send", 5, 5.0)  # (a); headers show Limit 5, Reset-After 5
_EDIT = RouteLimit("messages.edit", 5, 5.0)  # headers; no published source
# Add/remove reaction: (a) says 1 per 0.25 s; the headers claim 1 per 1 s (discord-api-docs
# #182). PUT and DELETE share one bucket (eris #1173).
_REACT = RouteLimit("reactions", 1, 0.25)
_TYPING = RouteLimit("typing", 5, 5.0)  # assumption: like sending a message
_MEMBER_EDIT = RouteLimit("member.edit", 10, 10.0)  # (a), per guild
_MEMBER_ROLES = RouteLimit("member.roles", 10, 10.0)  # headers, per guild; modelled as shared
_MEMBER_LIST = RouteLimit("member.list", 10, 10.0)  # headers, per guild
# Writing commands (bulk overwrite, create, edit, delete): about 5 per 20 s, from 429s reported
# with retry_after near 20 s after a handful of writes (flask-discord-interactions #4,
# discord-interactions #21); that these routes share one bucket is an assumption. Discord's
# 200 command creates a day per guild is a quota answered with 400/30034, not a 429
# (discord-api-docs #6188); not modelled.
_COMMANDS_WRITE = RouteLimit("commands.write", 5, 20.0)
_GUILD_COMMANDS_WRITE = RouteLimit("commands.write.guild", 5, 20.0)
# Webhooks (and so interaction follow-ups) are limited per webhook id + token; headers show
# 5 per 2 s for executing one. Responding to an interaction has its own per-token bucket.
_WEBHOOK = RouteLimit("webhook", 5, 2.0)
_WEBHOOK_MESSAGE = RouteLimit("webhook.message", 5, 2.0)  # assumption: like executing
_CALLBACK = RouteLimit("interaction.callback", 5, 1.0)  # assumption; one callback is allowed

# Deleting a message has sub-buckets by the message's age (discord-api-docs #1092, #1295,
# #8330; discord.py keys them apart too). Per #8330 (2026): younger than 10 s 5 per 1 s,
# 10 s to 14 days 3 per 0.333 s, older 30 per 4 s. Deleting *other users'* messages is
# stricter still in practice (cleanup tools report it, e.g. undiscord #402); not modelled.
_DELETE_FRESH = RouteLimit("messages.delete", 5, 1.0)
_DELETE = RouteLimit("messages.delete.settled", 3, 0.333)
_DELETE_OLD = RouteLimit("messages.delete.old", 30, 4.0)
FRESH_MESSAGE_SECONDS = 10.0
OLD_MESSAGE_SECONDS = 14 * 24 * 3600.0

#: Routes not listed: an assumption of 5 per 1 s, each route its own bucket per major parameter.
DEFAULT_LIMIT = (5, 1.0)

DISCORD_ROUTE_LIMITS: dict[str, RouteLimit] = {
    "POST /channels/{channel_id}/messages": _SEND,
    f"PATCH {MESSAGE}": _EDIT,
    f"DELETE {MESSAGE}": _DELETE_FRESH,
    "POST /channels/{channel_id}/typing": _TYPING,
    f"PUT {REACTION}/@me": _REACT,
    f"DELETE {REACTION}/@me": _REACT,
    f"DELETE {REACTION}/{{user_id}}": _REACT,
    "PATCH /guilds/{guild_id}/members/{user_id}": _MEMBER_EDIT,
    "PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}": _MEMBER_ROLES,
    "DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}": _MEMBER_ROLES,
    "GET /guilds/{guild_id}/members": _MEMBER_LIST,
    f"PUT {GLOBAL_COMMANDS}": _COMMANDS_WRITE,
    f"POST {GLOBAL_COMMANDS}": _COMMANDS_WRITE,
    f"PATCH {GLOBAL_COMMANDS}/{{command_id}}": _COMMANDS_WRITE,
    f"DELETE {GLOBAL_COMMANDS}/{{command_id}}": _COMMANDS_WRITE,
    f"PUT {GUILD_COMMANDS}": _GUILD_COMMANDS_WRITE,
    f"POST {GUILD_COMMANDS}": _GUILD_COMMANDS_WRITE,
    f"PATCH {GUILD_COMMANDS}/{{command_id}}": _GUILD_COMMANDS_WRITE,
    f"DELETE {GUILD_COMMANDS}/{{command_id}}": _GUILD_COMMANDS_WRITE,
    "POST /interactions/{webhook_id}/{webhook_token}/callback": _CALLBACK,
    f"POST {WEBHOOK}": _WEBHOOK,
    f"GET {WEBHOOK}/messages/{{message_id}}": _WEBHOOK_MESSAGE,
    f"PATCH {WEBHOOK}/messages/{{message_id}}": _WEBHOOK_MESSAGE,
    f"DELETE {WEBHOOK}/messages/{{message_id}}": _WEBHOOK_MESSAGE,
}


def major_parameter(params: Mapping[str, str]) -> str:
    """The part of a request's path its bucket is keyed by (``""`` if it has none)."""
    return "+".join(params[name] for name in MAJOR_PARAMETERS if name in params)


def _delete_by_age(message_id: str, now: float) -> RouteLimit:
    try:
        age = now - snowflake_time(int(message_id))
    except ValueError:
        return _DELETE_FRESH  # an unknown message: Discord answers from the fresh bucket
    if age < FRESH_MESSAGE_SECONDS:
        return _DELETE_FRESH
    if age >= OLD_MESSAGE_SECONDS:
        return _DELETE_OLD
    return _DELETE


class RouteLimits:
    """Which :class:`RouteLimit` applies to a request.

    ``uniform=(limit, per)`` gives every route its own bucket of that size instead of
    Discord's table (the emulator's behaviour before the table existed; benchmarks use a huge
    limit to switch per-route limits off). ``overrides`` replaces single entries
    (``"METHOD /template"`` → a ``RouteLimit``, a ``(limit, per)`` pair, or ``None`` for no
    limit at all).
    """

    def __init__(
        self,
        *,
        uniform: tuple[int, float] | None = None,
        overrides: Mapping[str, RouteLimit | tuple[int, float] | None] | None = None,
    ) -> None:
        self.uniform = uniform
        self._overrides: dict[str, RouteLimit | None] = {}
        for key, value in (overrides or {}).items():
            self.override(key, value)

    def override(self, route: str, value: RouteLimit | tuple[int, float] | None) -> None:
        if isinstance(value, tuple):
            value = RouteLimit(f"override {route}", value[0], value[1])
        self._overrides[route] = value

    @staticmethod
    @functools.cache
    def _uniform_limit(key: str, uniform: tuple[int, float]) -> RouteLimit:
        return RouteLimit(key, *uniform)

    def limit_for(
        self, method: str, template: str, params: Mapping[str, str], now: float
    ) -> RouteLimit | None:
        """The bucket of ``METHOD template``; ``now`` (epoch seconds) dates message ids."""
        key = f"{method} {template}"
        if key in self._overrides:
            return self._overrides[key]
        if self.uniform is not None:
            return self._uniform_limit(key, self.uniform)
        if key == f"DELETE {MESSAGE}":
            return _delete_by_age(params.get("message_id", ""), now)
        known = DISCORD_ROUTE_LIMITS.get(key)
        return known or RouteLimit(key, *DEFAULT_LIMIT)
