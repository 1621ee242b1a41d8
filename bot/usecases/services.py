"""What every use case is handed: the store, the caches, the reminder timers, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.store import Schedule, Store
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


@dataclass
class Services:
    store: Store
    cache: SettingsCache
    quotes: QuoteBook
    timers: ReminderTimers
    now: Callable[[], datetime]
    default_zone: str
