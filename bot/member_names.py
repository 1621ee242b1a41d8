"""Members' display names for pictures, which cannot show a mention.

The bot runs without the privileged members intent, so most members are not cached; the
names on a page are asked for in one gateway request (by id, which needs no intent) and
remembered for a while, so a busy channel asking for the same board asks once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Collection

import discord

log = logging.getLogger(__name__)

UNKNOWN = "Former member"
QUERY_TIMEOUT = 5.0  # seconds; a picture with placeholder names beats no answer
REMEMBERED_FOR = 600.0  # seconds; a renamed member shows up on the next cards after this
REMEMBERED_MOST = 20_000
QUERY_MOST = 100  # Discord's cap on user ids per request


class MemberNames:
    def __init__(self) -> None:
        self._known: OrderedDict[tuple[int, int], tuple[float, str]] = OrderedDict()

    def _remembered(self, guild_id: int, user_id: int, now: float) -> str | None:
        found = self._known.get((guild_id, user_id))
        if found is None or now - found[0] > REMEMBERED_FOR:
            return None
        return found[1]

    def _remember(self, guild_id: int, user_id: int, name: str, now: float) -> None:
        self._known[(guild_id, user_id)] = (now, name)
        self._known.move_to_end((guild_id, user_id))
        while len(self._known) > REMEMBERED_MOST:
            self._known.popitem(last=False)

    async def names(self, guild: discord.Guild, user_ids: Collection[int]) -> dict[int, str]:
        """Display names (server nickname, else global name, else username) by user id;
        members who left, or whom Discord did not answer for, get a placeholder."""
        now = time.monotonic()
        found: dict[int, str] = {}
        missing: list[int] = []
        for user_id in dict.fromkeys(user_ids):
            member = guild.get_member(user_id)
            name = member.display_name if member is not None else None
            name = name or self._remembered(guild.id, user_id, now)
            if name is None:
                missing.append(user_id)
            else:
                found[user_id] = name
        for start in range(0, len(missing), QUERY_MOST):
            chunk = missing[start : start + QUERY_MOST]
            try:
                members = await asyncio.wait_for(
                    guild.query_members(user_ids=chunk, limit=len(chunk), cache=False),
                    QUERY_TIMEOUT,
                )
            except (TimeoutError, discord.ClientException, discord.HTTPException) as exc:
                log.warning("could not look up %d member names: %s", len(chunk), exc)
                members = []
            for member in members:
                found[member.id] = member.display_name
                self._remember(guild.id, member.id, member.display_name, now)
        for user_id in missing:
            found.setdefault(user_id, UNKNOWN)
        return found
