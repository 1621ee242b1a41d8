"""Posting reminder messages to Discord, and telling the engine how a post failed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Protocol

import aiohttp
import discord

from bot import replies
from bot.core.errors import PostFailed
from bot.core.quotes import Quote
from bot.core.reminders import ReminderPart
from bot.views import checkin_view

log = logging.getLogger(__name__)


class Poster(Protocol):
    async def post(self, channel_id: int, part: ReminderPart, quote: Quote | None) -> int:
        """Send one part; returns the message id or raises PostFailed."""
        ...

    async def notify_admins(self, guild_id: int, text: str) -> bool:
        """Best effort: tell the server's admins something; True when it was posted."""
        ...


def reminder_mentions(part: ReminderPart) -> discord.AllowedMentions:
    """Exactly the listed users and the schedule's role (or @everyone/@here, when that is
    the schedule's stored choice) may be pinged; nothing else."""
    return discord.AllowedMentions(
        everyone=part.broadcast is not None,
        users=[discord.Object(user_id) for user_id in part.user_ids] or False,
        roles=[discord.Object(part.role_id)] if part.role_id is not None else False,
        replied_user=False,
    )


class DiscordPoster:
    """Posts through discord.py's public API, to a channel known by id only (nothing needs
    to be cached)."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def post(self, channel_id: int, part: ReminderPart, quote: Quote | None) -> int:
        channel = self._client.get_partial_messageable(channel_id)
        extras: dict[str, Any] = {}
        if part.first:
            extras["view"] = checkin_view()
            if quote is not None:
                extras["embed"] = replies.quote_reply(quote)
        if part.nonce is not None:
            # discord.py then asks Discord to enforce it: a repeat (a retry after a crash)
            # is answered with the message Discord already created.
            extras["nonce"] = part.nonce
        try:
            message = await channel.send(
                content=part.content, allowed_mentions=reminder_mentions(part), **extras
            )
        except discord.Forbidden as exc:
            raise PostFailed(f"missing access ({exc.code})", permanent=True) from exc
        except discord.NotFound as exc:
            raise PostFailed(f"channel not found ({exc.code})", permanent=True) from exc
        except discord.HTTPException as exc:
            raise PostFailed(f"Discord error {exc.status}", permanent=False) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise PostFailed(f"network error: {type(exc).__name__}", permanent=False) from exc
        return message.id

    async def notify_admins(self, guild_id: int, text: str) -> bool:
        # At start-up the guild may not be cached yet.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._client.wait_until_ready(), timeout=30)
        guild = self._client.get_guild(guild_id)
        if guild is None:
            return False
        me = guild.me
        for channel in sorted(guild.text_channels, key=lambda c: c.position):
            permissions = channel.permissions_for(me)
            if permissions.view_channel and permissions.send_messages:
                try:
                    await channel.send(text)
                except discord.HTTPException:
                    continue
                return True
        log.warning("no writable channel to tell guild %s: %s", guild_id, text)
        return False
