"""What every use case is handed: the store, the caches, the reminder timers, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from bot.store import GuildConfig, Schedule, Store
from bot.usecases.cache import SettingsCache

if TYPE_CHECKING:
    from bot.usecases.quote_book import QuoteBook


class ReminderTimers(Protocol):
    """The armed reminders, as the schedule use cases keep them in step with the table."""

    def arm(self, schedule: Schedule) -> None: ...

    async def resume(self, schedule: Schedule) -> None:
        """Arm a schedule enabled after a pause; what fell due while paused is not owed."""

    def disarm(self, schedule_id: int) -> None: ...

    def next_fire_times(self, schedule: Schedule, count: int = 3) -> list[datetime]: ...

    async def post_test(self, schedule: Schedule) -> None: ...


class WeeklyPoster(Protocol):
    """Posts the weekly loop's messages that a member's action sets off."""

    def celebrate(self, guild_id: int, monday: date, channel_id: int) -> None:
        """Post the goal's celebration, claimed by the check-in that reached it (in the
        background: the check-in's answer does not wait for it)."""

    async def rearm(self, guild: GuildConfig) -> None:
        """The server's recap or at-risk moment (or its zone) changed: arm them anew."""

    async def post_test_recap(self, guild: GuildConfig, channel_id: int) -> int:
        """Post last week's recap now, marked as a test; returns how many messages."""
        ...


class RoleKeeper(Protocol):
    """Makes on Discord the milestone-role changes the use cases claimed in the ledger."""

    def apply(self, guild_id: int, user_id: int) -> None:
        """Carry out the member's claimed changes (in the background: the command's
        answer does not wait for Discord)."""

    def sweep(self) -> None:
        """Take away, soon, the roles of milestones above streaks that are now lower."""

    def take_away(self, guild_id: int, user_id: int, role_ids: list[int]) -> None:
        """Remove roles the bot gave a member whose ledger is gone (best effort)."""


@dataclass
class Services:
    store: Store
    cache: SettingsCache
    quotes: QuoteBook
    timers: ReminderTimers
    now: Callable[[], datetime]
    default_zone: str
    weekly: WeeklyPoster
    roles: RoleKeeper
    # Told of every check-in: its source (command, slash, button, backfill) and whether it
    # added a day (False: a repeat). The metrics count them; must not block.
    checked_in: Callable[[str, bool], None] = lambda source, created: None
