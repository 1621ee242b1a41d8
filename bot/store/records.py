"""Plain dataclasses the storage layer hands out: no SQLAlchemy objects leave it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from bot.core.reminders import Broadcast
from bot.core.streaks import StreakState


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
class CheckinResult:
    created: bool
    stats: StreakState


@dataclass(frozen=True, slots=True)
class PeriodCounts:
    week: int
    month: int
    year: int
    last_checkin: datetime | None


@dataclass(frozen=True, slots=True)
class CountRow:
    user_id: int
    count: int


@dataclass(frozen=True, slots=True)
class StreakRow:
    user_id: int
    timezone: str | None
    stats: StreakState


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
    state: str
    fire_at: datetime
    message_id: int | None
    attempts: int
    error: str | None
    updated_at: datetime | None = None  # when the state last changed


class QuoteLimitReached(Exception):
    """The server already has as many custom quotes as allowed."""
