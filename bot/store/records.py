"""Plain dataclasses the storage layer hands out: no database objects leave it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from bot.core.reminders import Broadcast, DeliveryState


@dataclass(frozen=True, slots=True)
class GuildConfig:
    guild_id: int
    timezone: str | None = None
    weekly_target: int = 1


@dataclass(frozen=True, slots=True)
class MemberConfig:
    timezone: str | None = None
    reminders_opt_in: bool = False
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class CheckinContext:
    """What a check-in needs to know before it can pick "today"."""

    guild: GuildConfig
    member: MemberConfig


@dataclass(frozen=True, slots=True)
class Summary:
    """A member's stored running totals and streak (the fields of `core.streaks.StreakState`,
    which the use cases compute; the store only keeps them)."""

    total: int = 0
    last_day: date | None = None
    week: int | None = None
    week_count: int = 0
    run: int = 0
    run_week: int | None = None
    best: int = 0


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One member on a leaderboard page."""

    user_id: int
    score: int  # days in the period, or the current streak in weeks
    best: int = 0
    total: int = 0


@dataclass(frozen=True, slots=True)
class StoredQuote:
    id: int
    text: str
    added_by: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Schedule:
    id: int
    guild_id: int
    channel_id: int
    role_id: int | None
    days: frozenset[int]
    at: time
    timezone: str
    nudge_hours: int | None
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    broadcast: Broadcast | None = None  # pings @everyone/@here instead of a role


@dataclass(frozen=True, slots=True)
class Delivery:
    schedule_id: int
    occurrence_day: date
    kind: str
    state: DeliveryState
    fire_at: datetime
    message_id: int | None
    attempts: int
    error: str | None
    updated_at: datetime | None = None  # when the state last changed


@dataclass(frozen=True, slots=True)
class Claim:
    """An occurrence claimed for sending, with the members its reminder pings."""

    targets: list[int]
    attempt: int  # 1 the first time; more when an earlier attempt was cut off or failed

    @property
    def may_have_posted(self) -> bool:
        """An earlier attempt may have reached Discord before it was cut off."""
        return self.attempt > 1


class QuoteLimitReached(Exception):
    """The server already has as many custom quotes as allowed."""
