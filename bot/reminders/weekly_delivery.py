"""Posting the weekly loop's messages exactly once: a post is claimed in `weekly_posts`
(and each personal nudge in `member_nudges`) before anything leaves; an attempt that may
have reached Discord looks for what it posted before posting again. Posts leave through
the reminder engine's send line, a few times while Discord has a hiccup."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from functools import partial

from bot.core.errors import PostFailed
from bot.core.reminders import DeliveryState, ReminderPart
from bot.reminders.engine import LATE_AFTER, ReminderEngine
from bot.reminders.sender import FIRST
from bot.store import MemberNudge, Store, Tx, WeeklyPost
from bot.store.sql import nudges as nudges_sql
from bot.store.sql import weekly as weekly_sql

log = logging.getLogger(__name__)

RETRIES = 3

Compose = Callable[[Tx, WeeklyPost, bool], list[ReminderPart]]


class WeeklyDelivery:
    def __init__(self, store: Store, engine: ReminderEngine) -> None:
        self.store = store
        self.engine = engine
        self.clock = engine.clock
        self.window = engine.window
        self._tasks: set[asyncio.Task[None]] = set()

    async def stop(self) -> None:
        """Give posts under way the engine's grace period, then cut them off (a cut-off
        post is taken over at the next start)."""
        if self._tasks:
            _, unfinished = await asyncio.wait(set(self._tasks), timeout=self.engine.stop_grace)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)

    # --- delivery -------------------------------------------------------------------------

    def _run(self, work: Awaitable[object]) -> None:
        task = asyncio.create_task(self._quietly(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _quietly(self, work: Awaitable[object]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            log.info("weekly post interrupted by shutdown")
        except Exception:
            log.exception("a weekly post failed")

    async def run_all(self) -> None:
        """Wait for every post under way (tests with a hand-moved clock)."""
        while self._tasks:
            await asyncio.gather(*set(self._tasks), return_exceptions=True)

    async def deliver(
        self,
        guild_id: int,
        kind: str,
        monday: date,
        compose: Compose,
        *,
        channel_id: int | None,
        fire_at: datetime | None,
        late: bool = False,
        claimed: bool = False,
        take_over: bool = False,
    ) -> DeliveryState | None:
        """Post the server's `kind` post of the week once: claim it (unless the caller's
        transaction did), find what an earlier attempt posted, post the rest, record how
        it ended. Returns the state it ended in (None: not ours to send)."""
        now = self.clock()

        def claim(tx: Tx) -> tuple[WeeklyPost, list[ReminderPart]] | None:
            if claimed:
                post = weekly_sql.one(tx, guild_id, kind, monday)
                if post is None or post.state != DeliveryState.SENDING:
                    return None
            else:
                post = weekly_sql.claim(
                    tx,
                    guild_id,
                    kind,
                    monday,
                    channel_id,
                    fire_at or now,
                    now,
                    take_over=take_over,
                )
                if post is None:
                    return None
            return post, compose(tx, post, late or now - post.fire_at > LATE_AFTER)

        found = await self.store.run(claim)
        if found is None:
            return None
        post, parts = found
        if post.channel_id is None or not parts:
            await self._finish(post, DeliveryState.SENT, None, None)
            return DeliveryState.SENT
        try:
            sent = await self._post_parts(post, parts)
        except PostFailed as failure:
            await self._finish(post, DeliveryState.FAILED, None, failure.reason)
            log.warning("%s post for guild %s failed: %s", kind, guild_id, failure.reason)
            if failure.permanent:
                await self.refused(kind, guild_id, post.channel_id, failure.reason)
            return DeliveryState.FAILED
        await self._finish(post, DeliveryState.SENT, sent[0] if sent else None, None)
        return DeliveryState.SENT

    async def refused(self, kind: str, guild_id: int, channel_id: int, reason: str) -> None:
        """A channel refused a post for good (403, 404): what to do about it, by kind."""

    async def _post_parts(self, post: WeeklyPost, parts: list[ReminderPart]) -> list[int]:
        """Post each part, adopting those an earlier attempt of the post already sent."""
        assert post.channel_id is not None
        found: dict[str, int] = {}
        if post.attempts > 1:
            markers = [p.nonce for p in parts if p.nonce is not None]
            try:
                found = await self.engine.poster.find_posted(post.channel_id, post.fire_at, markers)
            except PostFailed as failure:
                log.info("could not look for an earlier %s post: %s", post.kind, failure)
        sent = []
        for part in parts:
            adopted = found.get(part.nonce) if part.nonce else None
            sent.append(adopted if adopted is not None else await self._post(post.channel_id, part))
        return sent

    async def _post(self, channel_id: int, part: ReminderPart) -> int:
        """Post one part through the send line, a few times while Discord has a hiccup."""
        delay = 2.0
        for attempt in range(RETRIES):
            try:
                message_id: int = await self.engine.sender.submit(
                    partial(self.engine.poster.post, channel_id, part, None), priority=FIRST
                )
                return message_id
            except PostFailed as failure:
                if failure.permanent or attempt == RETRIES - 1:
                    raise
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    async def _finish(
        self, post: WeeklyPost, state: DeliveryState, message_id: int | None, error: str | None
    ) -> None:
        now = self.clock()
        await self.store.run(
            lambda tx: weekly_sql.finish(
                tx,
                post.guild_id,
                post.kind,
                post.week_start,
                state,
                now,
                message_id=message_id,
                error=error,
            )
        )

    async def _finish_nudge(
        self, nudge: MemberNudge, state: DeliveryState, message_id: int | None, error: str | None
    ) -> None:
        now = self.clock()
        await self.store.run(
            lambda tx: nudges_sql.finish(tx, nudge, state, now, message_id=message_id, error=error)
        )
