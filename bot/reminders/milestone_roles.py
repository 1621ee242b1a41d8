"""Giving and taking milestone roles on Discord, each claimed change once.

The use cases claim a change in the ledger (`member_roles`) in the same unit of work as the
check-in, backfill or undo that made it; this carries it out afterwards, in the background,
through the reminder engine's send line, and records how it ended. A claim a crash cut off
is carried out at the next start: adding or removing a role is idempotent on Discord, and
only the claiming check-in's reply announces a new role, so nothing is said twice.

A streak also breaks with time alone (a week ends unmet, no shield left). A sweep, one
set-based statement, claims the removals that makes necessary; it runs on a timer in the
engine's heap at the earliest instant such a streak ends (`member_stats.alive_until`), and
at least every `SWEEP_EVERY`, so roles given since it was armed are never left behind long.

When Discord refuses a role (no Manage Roles, the role not below the bot's highest, the
role deleted) the milestone records why, its admins are told once, and nothing is tried for
it until it is fixed: re-adding the milestone, or the bot's own role or the role changing
so that the bot can give it (the gateway tells the bot, `roles_changed`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

import aiohttp
import discord

from bot.core import milestones as rules
from bot.core.milestones import Milestone, RoleState
from bot.reminders.engine import ReminderEngine
from bot.reminders.sender import FOLLOW_UP
from bot.roles import role_problem
from bot.store import Store, Tx
from bot.store.sql import milestones as milestones_sql

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=15)
RETRIES = 3
_SWEEP_KEY = ("milestone-roles",)
_UNKNOWN_ROLE = 10011


class RoleFailed(Exception):
    """Discord did not make the change. `problem`: the milestone can't work until an admin
    fixes something (told once); `transient`: worth a few more tries now."""

    def __init__(self, reason: str, *, problem: bool = False, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problem = problem
        self.transient = transient


class RoleApi(Protocol):
    def problem(self, guild_id: int, role_id: int) -> str | None:
        """What the bot's cache already says stands in the way (None: nothing known)."""
        ...

    def can_give(self, guild_id: int, role_id: int) -> bool:
        """The cache shows the role exists and the bot can give it now."""
        ...

    async def add(self, guild_id: int, user_id: int, role_id: int, reason: str) -> None: ...

    async def remove(self, guild_id: int, user_id: int, role_id: int, reason: str) -> None: ...


class DiscordRoles:
    """Role changes through discord.py's HTTP client (by id: nothing needs caching), with
    the guild cache consulted first so a change sure to be refused is not sent (a 403
    counts against the bot's invalid-request budget)."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    def _role(self, guild_id: int, role_id: int) -> tuple[discord.Guild, discord.Role] | None:
        guild = self._client.get_guild(guild_id)
        role = None if guild is None else guild.get_role(role_id)
        return None if guild is None or role is None else (guild, role)

    def problem(self, guild_id: int, role_id: int) -> str | None:
        found = self._role(guild_id, role_id)
        return None if found is None else role_problem(*found)

    def can_give(self, guild_id: int, role_id: int) -> bool:
        found = self._role(guild_id, role_id)
        return found is not None and found[0].me is not None and role_problem(*found) is None

    async def add(self, guild_id: int, user_id: int, role_id: int, reason: str) -> None:
        await self._call(self._client.http.add_role, guild_id, user_id, role_id, reason)

    async def remove(self, guild_id: int, user_id: int, role_id: int, reason: str) -> None:
        await self._call(self._client.http.remove_role, guild_id, user_id, role_id, reason)

    async def _call(
        self,
        request: Callable[..., Awaitable[object]],
        guild_id: int,
        user_id: int,
        role_id: int,
        reason: str,
    ) -> None:
        try:
            await request(guild_id, user_id, role_id, reason=reason)
        except discord.Forbidden as exc:
            found = self._role(guild_id, role_id)
            why = None if found is None else role_problem(*found)
            raise RoleFailed(why or rules.REFUSED, problem=True) from exc
        except discord.NotFound as exc:
            if exc.code == _UNKNOWN_ROLE:
                raise RoleFailed(rules.ROLE_GONE, problem=True) from exc
            raise RoleFailed(f"not a member any more ({exc.code})") from exc
        except discord.HTTPException as exc:
            raise RoleFailed(f"Discord error {exc.status}", transient=True) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise RoleFailed(f"network error: {type(exc).__name__}", transient=True) from exc


class MilestoneRoles:
    def __init__(
        self,
        store: Store,
        engine: ReminderEngine,
        api: RoleApi,
        *,
        retry_delay: float = 2.0,
    ) -> None:
        self.store = store
        self.engine = engine
        self.api = api
        self.clock = engine.clock
        self._retry_delay = retry_delay
        self._tasks: set[asyncio.Task[None]] = set()
        # One lock per member with changes under way, and how many wait for it.
        self._locks: dict[tuple[int, int], tuple[asyncio.Lock, int]] = {}
        self._running = False
        # Called with a server whose milestones changed here (a problem recorded or
        # cleared), so a cache of them can drop it.
        self.milestones_changed: Callable[[int], None] = lambda guild_id: None

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Finish the claims a crash cut off, take away what broke while the bot was away,
        and arm the sweep."""
        self._running = True
        members: list[tuple[int, int]] = await self.store.read(
            lambda tx: milestones_sql.members_pending(tx, self.engine.shards)
        )
        if members:
            log.info("finishing milestone-role changes of %d members", len(members))
        for guild_id, user_id in members:
            self.apply(guild_id, user_id)
        await self._sweep()

    async def stop(self) -> None:
        """Give changes under way the engine's grace period, then cut them off (a cut-off
        claim is finished at the next start)."""
        self._running = False
        self.engine.timers.cancel(_SWEEP_KEY)
        if self._tasks:
            _, unfinished = await asyncio.wait(set(self._tasks), timeout=self.engine.stop_grace)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)

    async def settle(self) -> None:
        """Wait for every change under way (tests)."""
        while self._tasks:
            await asyncio.gather(*set(self._tasks), return_exceptions=True)

    def _run(self, work: Awaitable[None]) -> None:
        task = asyncio.get_running_loop().create_task(self._quietly(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _quietly(self, work: Awaitable[None]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            log.info("milestone-role change interrupted by shutdown")
        except Exception:
            log.exception("a milestone-role change failed")

    # --- the use cases' side (services.roles) ---------------------------------------------

    def apply(self, guild_id: int, user_id: int) -> None:
        self._run(self._apply(guild_id, user_id))

    def sweep(self) -> None:
        self._run(self._sweep())

    def take_away(self, guild_id: int, user_id: int, role_ids: list[int]) -> None:
        for role_id in role_ids:
            self._run(self._take_away(guild_id, user_id, role_id))

    async def _take_away(self, guild_id: int, user_id: int, role_id: int) -> None:
        if self.api.problem(guild_id, role_id) is not None:
            return
        try:
            await self._call(
                self.api.remove, guild_id, user_id, role_id, "legday: the member's data was deleted"
            )
        except RoleFailed as failure:
            log.info("could not take role %s from a forgotten member: %s", role_id, failure.reason)

    # --- carrying out claims --------------------------------------------------------------

    async def _apply(self, guild_id: int, user_id: int) -> None:
        """Carry out the member's claims as they stand now (one member at a time: a grant
        and the removal that replaced it are never sent out of order)."""
        key = (guild_id, user_id)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:

                def read(tx: Tx) -> tuple[list[tuple[int, RoleState]], list[Milestone]]:
                    return (
                        milestones_sql.pending(tx, guild_id, user_id),
                        milestones_sql.of_guild(tx, guild_id),
                    )

                claims, milestones = await self.store.read(read)
                by_role = milestones_sql.roles_of(milestones)
                for role_id, claimed in claims:
                    await self._carry_out(guild_id, user_id, role_id, claimed, by_role.get(role_id))
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def _carry_out(
        self,
        guild_id: int,
        user_id: int,
        role_id: int,
        claimed: RoleState,
        milestone: Milestone | None,
    ) -> None:
        grant = claimed == RoleState.GRANTING
        done, undone = (
            (RoleState.GRANTED, RoleState.FAILED) if grant else (RoleState.REMOVED, RoleState.STUCK)
        )
        # A milestone removed since the claim: the claim still stands (it was right when
        # made); a milestone with a known problem: nothing is sent until it is fixed.
        known = (milestone.problem if milestone else None) or self.api.problem(guild_id, role_id)
        if known is not None:
            if milestone is not None and milestone.problem is None:
                await self._report(guild_id, milestone, known)
            await self._finish(guild_id, user_id, role_id, claimed, undone, known)
            return
        weeks = f"{milestone.weeks}-week " if milestone else ""
        reason = f"legday: {weeks}streak milestone " + ("reached" if grant else "no longer held")
        try:
            await self._call(
                self.api.add if grant else self.api.remove, guild_id, user_id, role_id, reason
            )
        except RoleFailed as failure:
            if failure.problem and milestone is not None:
                await self._report(guild_id, milestone, failure.reason)
            log.info(
                "milestone role %s for member %s of guild %s not %s: %s",
                role_id,
                user_id,
                guild_id,
                "given" if grant else "taken away",
                failure.reason,
            )
            await self._finish(guild_id, user_id, role_id, claimed, undone, failure.reason)
            return
        await self._finish(guild_id, user_id, role_id, claimed, done, None)

    async def _call(
        self,
        request: Callable[[int, int, int, str], Awaitable[None]],
        guild_id: int,
        user_id: int,
        role_id: int,
        reason: str,
    ) -> None:
        """One change through the send line, tried a few times while Discord has a hiccup
        (then left failed: the member's next change of streak tries again)."""
        delay = self._retry_delay
        for attempt in range(RETRIES):
            try:
                await self.engine.sender.submit(
                    partial(request, guild_id, user_id, role_id, reason), priority=FOLLOW_UP
                )
                return
            except RoleFailed as failure:
                if not failure.transient or attempt == RETRIES - 1:
                    raise
            await asyncio.sleep(delay)
            delay *= 2

    async def _finish(
        self,
        guild_id: int,
        user_id: int,
        role_id: int,
        claimed: RoleState,
        outcome: RoleState,
        error: str | None,
    ) -> None:
        now = self.clock()
        await self.store.run(
            lambda tx: milestones_sql.finish(
                tx, guild_id, user_id, role_id, claimed, outcome, now, error
            )
        )

    async def _report(self, guild_id: int, milestone: Milestone, problem: str) -> None:
        """Record the problem on the milestone; the first to record it tells the admins."""
        first = await self.store.run(
            lambda tx: milestones_sql.report_problem(tx, guild_id, milestone.role_id, problem)
        )
        if first is None:
            return
        self.milestones_changed(guild_id)
        log.warning(
            "milestone role %s of guild %s can't be given: %s", milestone.role_id, guild_id, problem
        )
        await self.engine.poster.notify_admins(
            guild_id, rules.problem_text(milestone.weeks, milestone.role_id, problem)
        )

    # --- time passing -------------------------------------------------------------------

    async def _sweep(self) -> None:
        """Claim and carry out the removals streaks broken by time call for, then arm the
        next sweep."""
        now = self.clock()
        members: list[tuple[int, int]] = await self.store.run(
            lambda tx: milestones_sql.claim_broken(tx, now, self.engine.shards)
        )
        if members:
            log.info("streaks ended: taking milestone roles from %d members", len(members))
        for guild_id, user_id in members:
            self.apply(guild_id, user_id)
        await self._arm(now)

    async def _arm(self, now: datetime) -> None:
        if not self._running:
            return
        upcoming: datetime | None = await self.store.read(
            lambda tx: milestones_sql.next_break(tx, now, self.engine.shards)
        )
        at = now + SWEEP_EVERY
        if upcoming is not None and upcoming < at:
            at = upcoming
        self.engine.timers.set(_SWEEP_KEY, at, self.sweep)

    def armed_at(self) -> datetime | None:
        return self.engine.timers.when(_SWEEP_KEY)

    # --- admins fixing things -------------------------------------------------------------

    def recheck(self, guild_id: int) -> None:
        """`roles_changed`, in the background (called from gateway events)."""
        if self._running:
            self._run(self.roles_changed(guild_id))

    async def roles_changed(self, guild_id: int) -> None:
        """The server's roles or the bot's own changed: a milestone whose problem is gone
        (the bot's cache shows it can give the role now) works again, and members whose
        streak has reached it get it."""
        milestones: list[Milestone] = await self.store.read(
            lambda tx: milestones_sql.of_guild(tx, guild_id)
        )
        fixed = [
            m
            for m in milestones
            if m.problem is not None and self.api.can_give(guild_id, m.role_id)
        ]
        if not fixed:
            return
        now = self.clock()

        def resume(tx: Tx) -> list[int]:
            members: set[int] = set()
            for milestone in fixed:
                if milestones_sql.clear_problem(tx, guild_id, milestone.role_id):
                    milestones_sql.unstick(tx, guild_id, milestone.role_id, now)
                    cleared = Milestone(
                        milestone.weeks, milestone.role_id, milestone.remove_on_break
                    )
                    members.update(milestones_sql.claim_reached(tx, guild_id, cleared, now))
            return sorted(members)

        members = await self.store.run(resume)
        self.milestones_changed(guild_id)
        log.info("milestone roles of guild %s work again (%d fixed)", guild_id, len(fixed))
        for user_id in members:
            self.apply(guild_id, user_id)
        await self._sweep()
