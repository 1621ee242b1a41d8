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
    """Posts through discord.py's HTTP client, so no channel needs to be cached."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def post(self, channel_id: int, part: ReminderPart, quote: Quote | None) -> int:
        params = discord.http.handle_message_parameters(
            content=part.content,
            embed=replies.quote_reply(quote) if part.first and quote is not None else None,
            view=checkin_view() if part.first else None,
            nonce=part.nonce,
            allowed_mentions=reminder_mentions(part),
        )
        if part.nonce is not None:
            # discord.py has no switch for it; with it, Discord answers a repeated nonce
            # (a retry after a crash) with the message it already created.
            params.payload["enforce_nonce"] = True  # type: ignore[index]
        try:
            data: Any = await self._client.http.send_message(channel_id, params=params)
        except discord.Forbidden as exc:
            raise PostFailed(f"missing access ({exc.code})", permanent=True) from exc
        except discord.NotFound as exc:
            raise PostFailed(f"channel not found ({exc.code})", permanent=True) from exc
        except discord.HTTPException as exc:
            raise PostFailed(f"Discord error {exc.status}", permanent=False) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise PostFailed(f"network error: {type(exc).__name__}", permanent=False) from exc
        return int(data["id"])

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
