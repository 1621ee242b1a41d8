"""Posting reminder messages to Discord, and telling the engine how a post failed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection, Iterator
from datetime import datetime, timedelta
from typing import Any, Protocol

import aiohttp
import discord

from bot import picture_replies, replies
from bot.core.errors import PostFailed
from bot.core.quotes import Quote
from bot.core.recap import RecapSummary
from bot.core.reminders import ReminderPart
from bot.picture_replies import Painter
from bot.views import checkin_marker, checkin_view

log = logging.getLogger(__name__)

# How far back from an occurrence's fire time, and how many messages on from there, the bot
# reads a channel to find what an earlier, interrupted attempt of it posted. Its messages
# leave right after the fire time, so they are among the first ones read.
LOOK_BACK = timedelta(minutes=1)
MESSAGES_READ = 200
READY_WAIT = 30.0  # seconds: how long a start-up send waits for the server cache
NO_PINGS = discord.AllowedMentions.none()


class Poster(Protocol):
    async def post(self, channel_id: int, part: ReminderPart, quote: Quote | None) -> int:
        """Send one part; returns the message id or raises PostFailed."""
        ...

    async def notify_admins(self, guild_id: int, text: str) -> bool:
        """Best effort: tell the server's admins something; True when it was posted."""
        ...

    async def dm(self, user_id: int, content: str) -> int:
        """Send a direct message that pings nobody; returns its id or raises PostFailed
        (permanent when the member does not take DMs from the bot)."""
        ...

    async def find_dm(
        self, user_id: int, since: datetime, is_it: Callable[[str], bool]
    ) -> int | None:
        """The bot's direct message to the member, sent from `since` on, whose content
        `is_it` recognises (what an interrupted attempt may have sent); raises PostFailed."""
        ...

    async def guild_name(self, guild_id: int) -> str | None:
        """The server's name; at start-up, once the server is known (a DM written before
        would lack it, and differ from what an earlier attempt sent)."""
        ...

    async def find_posted(
        self, channel_id: int, since: datetime, markers: Collection[str]
    ) -> dict[str, int]:
        """The bot's own messages in the channel from `since` on that carry one of the
        occurrence markers: marker -> message id. Raises PostFailed when it cannot read."""
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

    def __init__(self, client: discord.Client, painter: Painter | None = None) -> None:
        self._client = client
        self._painter = painter

    async def post(self, channel_id: int, part: ReminderPart, quote: Quote | None) -> int:
        channel = self._client.get_partial_messageable(channel_id)
        # Every part gets the button: it carries the part's marker (see find_posted).
        extras: dict[str, Any] = {"view": checkin_view(part.nonce)}
        if part.first and quote is not None:
            extras["embed"] = replies.quote_reply(quote)
        if part.recap is not None:
            card = await self._recap_card(channel_id, part.recap)
            if card is not None:
                extras["file"] = card
        if part.nonce is not None:
            # discord.py then asks Discord to enforce it: a repeat (a retry after a crash)
            # is answered with the message Discord already created.
            extras["nonce"] = part.nonce
        try:
            message = await channel.send(
                content=part.content, allowed_mentions=reminder_mentions(part), **extras
            )
        except Exception as exc:
            failure = _post_failure(exc)
            if failure is None:
                raise
            raise failure from exc
        return message.id

    async def find_posted(
        self, channel_id: int, since: datetime, markers: Collection[str]
    ) -> dict[str, int]:
        me = self._client.user
        if me is None or not markers:
            return {}
        wanted = set(markers)
        found: dict[str, int] = {}
        channel = self._client.get_partial_messageable(channel_id)
        try:
            history = channel.history(
                limit=MESSAGES_READ, after=since - LOOK_BACK, oldest_first=True
            )
            async for message in history:
                if message.author.id != me.id:
                    continue
                for marker in _markers_in(message):
                    if marker in wanted:
                        found[marker] = message.id
                if len(found) == len(wanted):
                    break
        except Exception as exc:
            failure = _post_failure(exc)
            if failure is None:
                raise
            raise failure from exc
        return found

    async def dm(self, user_id: int, content: str) -> int:
        with _read_as_post_failed():
            channel = await self._client.create_dm(discord.Object(user_id))
            message = await channel.send(content=content, allowed_mentions=NO_PINGS)
        return message.id

    async def find_dm(
        self, user_id: int, since: datetime, is_it: Callable[[str], bool]
    ) -> int | None:
        me = self._client.user
        if me is None:
            return None
        with _read_as_post_failed():
            channel = await self._client.create_dm(discord.Object(user_id))
            history = channel.history(
                limit=MESSAGES_READ, after=since - LOOK_BACK, oldest_first=True
            )
            async for message in history:
                if message.author.id == me.id and is_it(message.content):
                    return message.id
        return None

    async def _recap_card(self, channel_id: int, summary: RecapSummary) -> discord.File | None:
        """The recap as a card, where the bot may attach one; the text says it all, so a
        card that cannot be drawn is left out rather than holding the recap back."""
        channel = self._client.get_channel(channel_id)
        guild = getattr(channel, "guild", None)
        if self._painter is None or guild is None:
            return None
        if not picture_replies.may_attach_in(channel, guild):
            return None
        try:
            return await picture_replies.recap_file(self._painter, guild, summary)
        except Exception:
            log.exception("could not draw the recap card of guild %s", guild.id)
            return None

    async def guild_name(self, guild_id: int) -> str | None:
        guild = await self._guild(guild_id)
        return None if guild is None else guild.name

    async def _guild(self, guild_id: int) -> discord.Guild | None:
        """The server from the cache; at start-up, once READY has filled it (bounded: a
        server the bot has left never shows up)."""
        guild = self._client.get_guild(guild_id)
        if guild is None and not self._client.is_ready():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._client.wait_until_ready(), timeout=READY_WAIT)
            guild = self._client.get_guild(guild_id)
        return guild

    async def notify_admins(self, guild_id: int, text: str) -> bool:
        guild = await self._guild(guild_id)
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


def _markers_in(message: discord.Message) -> list[str]:
    markers = []
    for row in message.components:
        for item in getattr(row, "children", ()):
            custom_id = getattr(item, "custom_id", None)
            marker = checkin_marker(custom_id) if isinstance(custom_id, str) else None
            if marker is not None:
                markers.append(marker)
    return markers


@contextlib.contextmanager
def _read_as_post_failed() -> Iterator[None]:
    """A failed request raises PostFailed, as the engine reads it; anything else is a bug
    and raises as it is."""
    try:
        yield
    except Exception as exc:
        failure = _post_failure(exc)
        if failure is None:
            raise
        raise failure from exc


def _post_failure(exc: Exception) -> PostFailed | None:
    """What a failed request to a channel means for the delivery (None: not Discord's or
    the network's doing, so a bug to raise as it is)."""
    if isinstance(exc, discord.Forbidden):
        return PostFailed(f"missing access ({exc.code})", permanent=True)
    if isinstance(exc, discord.NotFound):
        return PostFailed(f"channel not found ({exc.code})", permanent=True)
    if isinstance(exc, discord.HTTPException):
        return PostFailed(f"Discord error {exc.status}", permanent=False)
    if isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
        return PostFailed(f"network error: {type(exc).__name__}", permanent=False)
    return None
