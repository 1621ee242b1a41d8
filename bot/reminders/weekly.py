"""The weekly loop's posts, each exactly once: the goal's celebration (set off by the
check-in that reaches the goal), the weekly recap and the streak-at-risk nudges (at the
server's chosen moments).

Like a reminder, a post is claimed in `weekly_posts` before it leaves, and each personal
nudge in `member_nudges`. A claim a crash left behind is taken over at the next start:
the channel (or the DM) is read for what the cut-off attempt may have posted before
anything is posted again. Timers live in the reminder engine's heap, at instants from
the one calendar (`core.schedule`), and posts leave through its send line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.core import at_risk
from bot.core.days import effective_zone, week_start
from bot.core.errors import PostFailed
from bot.core.group_goal import celebration
from bot.core.reminders import DeliveryState, ReminderPart
from bot.core.schedule import next_occurrences, occurrences_between
from bot.reminders.engine import BATCH, LATE_AFTER, LOOKBACK, ReminderEngine
from bot.reminders.sender import FOLLOW_UP
from bot.reminders.weekly_delivery import WeeklyDelivery
from bot.store import GuildConfig, MemberNudge, Store, Tx, WeeklyPost
from bot.store.sql import nudges as nudges_sql
from bot.store.sql import settings as settings_sql
from bot.store.sql import weekly as weekly_sql
from bot.store.sql.deliveries import STALE_CLAIM
from bot.usecases import weekly

log = logging.getLogger(__name__)

GOAL = "goal"
RECAP = "recap"
RISK = "risk"


class WeeklyPosts(WeeklyDelivery):
    def __init__(self, store: Store, engine: ReminderEngine, *, default_zone: str) -> None:
        super().__init__(store, engine)
        self.default_zone = default_zone
        # Called with a server whose settings this changed (the recap turned off), so a
        # cache of settings can drop it.
        self.settings_changed: Callable[[int], None] = lambda guild_id: None

    # --- life cycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Arm every server's recap and at-risk moment, catch up what fell due while the
        bot was away, and finish the celebrations a crash cut off."""
        now = self.clock()
        guilds: list[GuildConfig] = await self.store.read(
            lambda tx: settings_sql.recap_guilds(tx, self.engine.shards)
        )
        for index, guild in enumerate(guilds):
            self.arm(guild, after=now)
            if index % BATCH == BATCH - 1:
                await asyncio.sleep(0)  # thousands of servers: the loop gets turns
        log.info("weekly posts armed for %d servers", len(guilds))
        await self._catch_up(guilds, now)
        if not self.engine.sole_owner:  # as the reminders' catch-up (engine.start)
            again = now + STALE_CLAIM + timedelta(seconds=5)
            self.engine.timers.set(
                ("weekly-catch-up-again",),
                again,
                lambda: self._run(self._catch_up(guilds, self.clock())),
            )
        since = week_start(now.date()) - timedelta(days=7)
        unfinished: list[WeeklyPost] = await self.store.read(
            lambda tx: weekly_sql.unfinished(tx, GOAL, since, self.engine.shards)
        )
        for post in unfinished:
            if now - post.fire_at > self.window:
                await self.store.run(partial(_missed, post=post, now=now))
            else:
                self._run(
                    self._celebrate(
                        post.guild_id, post.week_start, take_over=self.engine.sole_owner
                    )
                )

    # --- arming -----------------------------------------------------------------------

    def arm(
        self,
        guild: GuildConfig,
        *,
        after: datetime | None = None,
        kinds: tuple[str, ...] = (RECAP, RISK),
    ) -> None:
        """(Re)arm the server's recap and at-risk timers (or only `kinds`) from its
        settings."""
        after = after or self.clock()
        for kind in kinds:
            key = (kind, guild.guild_id)
            upcoming = self._next(kind, guild, after)
            if upcoming is None:
                self.engine.timers.cancel(key)
                continue
            day, fire_at = upcoming
            self.engine.timers.set(key, fire_at, partial(self._due, kind, guild, day, fire_at))

    async def rearm(self, guild: GuildConfig) -> None:
        """Arm a server whose settings changed; what fell due before the change (inside
        the catch-up window) is recorded missed, so a restart does not post it late."""
        now = self.clock()
        owed = self._due_between(guild, now - self.window, now)

        def record(tx: Tx) -> None:
            for kind, monday, fire_at in owed:  # a `sent` one stays as it is
                weekly_sql.record_missed(tx, guild.guild_id, kind, monday, fire_at, now)

        if owed:
            await self.store.run(record)
        self.arm(guild, after=now)

    def armed_at(self, kind: str, guild_id: int) -> datetime | None:
        return self.engine.timers.when((kind, guild_id))

    def _moment(self, kind: str, guild: GuildConfig) -> tuple[int, time] | None:
        """The weekday and wall time `kind` fires at (None: the server has it off)."""
        if kind == RECAP:
            if guild.recap_channel_id is None or guild.recap_day is None:
                return None
            if guild.recap_time is None:
                return None
            return guild.recap_day, guild.recap_time
        if guild.risk_day is None:
            return None
        return guild.risk_day, guild.risk_time

    def _zone(self, guild: GuildConfig) -> ZoneInfo:
        return effective_zone(None, guild.timezone, self.default_zone)

    def _next(self, kind: str, guild: GuildConfig, after: datetime) -> tuple[date, datetime] | None:
        moment = self._moment(kind, guild)
        if moment is None:
            return None
        weekday, at = moment
        found = next_occurrences(frozenset({weekday}), at, self._zone(guild), after, 1)
        return found[0] if found else None

    def _due_between(
        self, guild: GuildConfig, start: datetime, end: datetime
    ) -> list[tuple[str, date, datetime]]:
        """(kind, the Monday of its post, fire instant) of what fell due in (start, end]."""
        found = []
        for kind in (RECAP, RISK):
            moment = self._moment(kind, guild)
            if moment is None:
                continue
            weekday, at = moment
            for day, fire_at in occurrences_between(
                frozenset({weekday}), at, self._zone(guild), start, end
            ):
                found.append((kind, _post_monday(kind, day), fire_at))
        return found

    # --- firing -----------------------------------------------------------------------

    def _due(self, kind: str, guild: GuildConfig, day: date, fire_at: datetime) -> None:
        """A timer came due: arm its kind's next one (only its own: the other kind may be
        due at this very instant, handed over in the timer heap's next slice), then
        deliver this one."""
        picked_up = self.clock()
        self.arm(guild, after=fire_at, kinds=(kind,))
        self._run(self._fire(kind, guild, _post_monday(kind, day), fire_at, picked_up))

    async def _fire(
        self,
        kind: str,
        guild: GuildConfig,
        monday: date,
        fire_at: datetime,
        picked_up: datetime,
        *,
        take_over: bool = False,
    ) -> None:
        if picked_up - fire_at > self.window:
            await self.store.run(
                lambda tx: weekly_sql.record_missed(
                    tx, guild.guild_id, kind, monday, fire_at, picked_up
                )
            )
            return
        late = picked_up - fire_at > LATE_AFTER
        if kind == RECAP:
            await self.deliver(
                guild.guild_id,
                RECAP,
                monday,
                partial(self._recap_parts, guild=guild),
                channel_id=guild.recap_channel_id,
                fire_at=fire_at,
                late=late,
                take_over=take_over,
            )
        else:
            await self.risk_pass(guild, monday, fire_at, late=late, take_over=take_over)

    async def _catch_up(self, guilds: Sequence[GuildConfig], now: datetime) -> None:
        """At start-up: what fell due in the last week while the bot was away is sent late
        inside the catch-up window and recorded missed before it."""
        due = []
        for index, guild in enumerate(guilds):
            due += [(guild, *item) for item in self._due_between(guild, now - LOOKBACK, now)]
            if index % BATCH == BATCH - 1:
                await asyncio.sleep(0)
        if not due:
            return
        first = min(monday for _, _, monday, _ in due)
        rows = await self.store.read(lambda tx: weekly_sql.since(tx, first, self.engine.shards))
        known = {(p.guild_id, p.kind, p.week_start): p for p in rows}
        too_old: list[tuple[int, str, date, datetime]] = []
        for guild, kind, monday, fire_at in due:
            row = known.get((guild.guild_id, kind, monday))
            if row is not None and row.state in (DeliveryState.SENT, DeliveryState.MISSED):
                continue
            if now - fire_at <= self.window:
                self._run(
                    self._fire(kind, guild, monday, fire_at, now, take_over=self.engine.sole_owner)
                )
            elif row is None or row.state != DeliveryState.FAILED:  # a failed one stays so
                too_old.append((guild.guild_id, kind, monday, fire_at))

        # Every server has an at-risk moment: after a week away that is one row per
        # server, recorded in one transaction rather than a task each.
        def record(tx: Tx) -> None:
            for guild_id, kind, monday, fire_at in too_old:
                weekly_sql.record_missed(tx, guild_id, kind, monday, fire_at, now)

        if too_old:
            await self.store.run(record)

    # --- the goal -----------------------------------------------------------------------

    def celebrate(self, guild_id: int, monday: date, channel_id: int) -> None:
        """The check-in that reached the goal claimed its celebration: post it."""
        self._run(self._celebrate(guild_id, monday))

    async def _celebrate(self, guild_id: int, monday: date, *, take_over: bool = False) -> None:
        await self.deliver(
            guild_id,
            GOAL,
            monday,
            _goal_parts,
            channel_id=None,
            fire_at=None,
            claimed=not take_over,
            take_over=take_over,
        )

    # --- the recap ----------------------------------------------------------------------

    def _recap_parts(
        self, tx: Tx, post: WeeklyPost, late: bool, *, guild: GuildConfig
    ) -> list[ReminderPart]:
        current = settings_sql.guild_config(tx, guild.guild_id)
        return weekly.recap_parts(tx, current, post.week_start, self.default_zone, late=late)

    async def refused(self, kind: str, guild_id: int, channel_id: int, reason: str) -> None:
        """The recap's channel refuses the bot for good: the recap is turned off (not
        tried again every week) and the admins are told, once. (A celebration refused
        is only recorded: the next one goes where its check-in is.)"""
        if kind != RECAP:
            return
        await self.store.run(
            lambda tx: settings_sql.set_guild(tx, guild_id, {"recap_channel_id": None})
        )
        self.settings_changed(guild_id)
        self.engine.timers.cancel((RECAP, guild_id))
        log.warning("turned off the weekly recap of guild %s: %s", guild_id, reason)
        await self.engine.poster.notify_admins(
            guild_id,
            f"⚠️ The weekly recap is off: I can't post in <#{channel_id}> ({reason}). Fix my "
            "permissions there, then set it again with `/legday-admin recap set`.",
        )

    async def post_test_recap(self, guild: GuildConfig, channel_id: int) -> int:
        """Post the recap of the last week that ended, marked as a test; nothing is
        recorded. Returns how many messages it took."""
        monday = weekly.recapped_monday(self.clock().astimezone(self._zone(guild)).date())
        parts = await self.store.read(
            lambda tx: weekly.recap_parts(tx, guild, monday, self.default_zone, test=True)
        )
        for part in parts:
            await self._post(channel_id, part)
        return len(parts)

    # --- streaks at risk ------------------------------------------------------------------

    async def risk_pass(
        self, guild: GuildConfig, monday: date, fire_at: datetime, *, late: bool, take_over: bool
    ) -> None:
        """Nudge each member whose streak is at risk, once this week, the way they chose:
        one call in the channel for those who chose it, a DM each for the others. A DM
        that fails is recorded and left; nothing is retried in a loop."""
        now = self.clock()

        def claim(tx: Tx) -> tuple[WeeklyPost, list[MemberNudge], dict[int, weekly.AtRisk]] | None:
            current = settings_sql.guild_config(tx, guild.guild_id)
            found = weekly.members_at_risk(tx, current, now, self.default_zone)
            if not found and not take_over:
                # Nobody to nudge (most servers, most weeks): nothing to claim or record.
                # Every server has the moment by default; this keeps the pass a read.
                return None
            channel_id = weekly_sql.risk_channel(tx, current)
            post = weekly_sql.claim(
                tx, guild.guild_id, RISK, monday, channel_id, fire_at, now, take_over=take_over
            )
            if post is None:
                return None
            ours = nudges_sql.claim(
                tx,
                guild.guild_id,
                RISK,
                0,
                monday,
                [(member.user_id, member.via) for member in found],
                now,
                take_over=take_over,
            )
            return post, ours, {member.user_id: member for member in found}

        claimed = await self.store.run(claim)
        if claimed is None:
            return
        post, ours, info = claimed
        in_channel = [n for n in ours if n.via != "dm"]
        by_dm = [n for n in ours if n.via == "dm"]
        await self._nudge_in_channel(post, in_channel)
        server = await self.engine.poster.guild_name(guild.guild_id) if by_dm else None
        for nudge in by_dm:
            member = info.get(nudge.user_id)
            text = (
                None
                if member is None
                else at_risk.dm_text(server, member.streak, member.needed, member.shields)
            )
            await self._nudge_by_dm(nudge, text, server, fire_at, look_first=take_over)
        await self._finish(post, DeliveryState.SENT, None, None)
        log.info(
            "streak-at-risk pass for guild %s: %d in the channel, %d by DM%s",
            guild.guild_id,
            len(in_channel),
            len(by_dm),
            " (late)" if late else "",
        )

    async def _nudge_in_channel(self, post: WeeklyPost, nudges: list[MemberNudge]) -> None:
        if not nudges:
            return
        if post.channel_id is None:
            for nudge in nudges:
                await self._finish_nudge(nudge, DeliveryState.FAILED, None, "no channel to post in")
            return
        parts = at_risk.channel_parts(post.guild_id, post.week_start, [n.user_id for n in nudges])
        try:
            sent = await self._post_parts(post, parts)
        except PostFailed as failure:
            for nudge in nudges:
                await self._finish_nudge(nudge, DeliveryState.FAILED, None, failure.reason)
            return
        for nudge in nudges:
            await self._finish_nudge(nudge, DeliveryState.SENT, sent[0] if sent else None, None)

    async def _nudge_by_dm(
        self,
        nudge: MemberNudge,
        text: str | None,
        server: str | None,
        since: datetime,
        *,
        look_first: bool,
    ) -> None:
        """One member's DM. `text` None: a nudge taken over from a crash whose member is no
        longer at risk (a leg day logged since): adopted if it went out, else dropped."""
        poster = self.engine.poster
        try:
            found = None
            if look_first:
                is_it = partial(at_risk.is_dm_of, server=server)
                found = await poster.find_dm(nudge.user_id, since, is_it)
            if found is not None:
                message_id = found
            elif text is None:
                await self._finish_nudge(nudge, DeliveryState.MISSED, None, "no longer at risk")
                return
            else:
                message_id = await self.engine.sender.submit(
                    partial(poster.dm, nudge.user_id, text), priority=FOLLOW_UP
                )
        except PostFailed as failure:  # closed DMs: recorded, never retried
            await self._finish_nudge(nudge, DeliveryState.FAILED, None, failure.reason)
            return
        await self._finish_nudge(nudge, DeliveryState.SENT, message_id, None)


def _post_monday(kind: str, fire_day: date) -> date:
    """The week a post belongs to: a recap's is the week it sums up; an at-risk pass's
    is the week it fires in."""
    return weekly.recapped_monday(fire_day) if kind == RECAP else week_start(fire_day)


def _missed(tx: Tx, post: WeeklyPost, now: datetime) -> bool:
    return weekly_sql.record_missed(
        tx, post.guild_id, post.kind, post.week_start, post.fire_at, now
    )


def _goal_parts(tx: Tx, post: WeeklyPost, late: bool) -> list[ReminderPart]:
    guild = settings_sql.guild_config(tx, post.guild_id)
    if guild.goal is None:  # the goal was turned off since
        return []
    total = weekly_sql.group_total(tx, post.guild_id, post.week_start)
    return [celebration(post.guild_id, post.week_start, total, guild.goal, late=late)]
