"""Plain dataclasses the storage layer hands out: no database objects leave it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from bot.core.reminders import Broadcast, DeliveryState


@dataclass(frozen=True, slots=True)
class GuildConfig:
    guild_id: int
    timezone: str | None = None
    weekly_target: int = 1
    goal: int | None = None  # the group's weekly total of leg days
    shield_every: int = 4  # met weeks in a row per streak shield; 0: shields are off
    pause_cap: int = 6  # paused weeks a member may take per calendar year
    risk_day: int | None = 5  # weekday of the streak-at-risk nudge (None: off)
    risk_time: time = time(18, 0)
    recap_channel_id: int | None = None  # None: no weekly recap
    recap_day: int | None = None
    recap_time: time | None = None
    board_images: bool = False  # leaderboards answer with a picture unless asked for text


@dataclass(frozen=True, slots=True)
class MemberConfig:
    timezone: str | None = None
    reminders_opt_in: bool = False
    hidden: bool = False
    remind_via: str = "channel"  # how reminders reach an opted-in member: "channel" or "dm"
    paused: frozenset[date] = frozenset()  # the Mondays of the weeks paused
    weight_unit: str = "kg"  # what a lift written without a unit is read in: "kg" or "lb"


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
    shields: int = 0
    in_row: int = 0


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
class MemberNudge:
    """One message to one member (a streak-at-risk nudge, a reminder by DM)."""

    guild_id: int
    user_id: int
    kind: str
    ref: int
    occurrence: date
    via: str
    state: DeliveryState
    message_id: int | None
    error: str | None


@dataclass(frozen=True, slots=True)
class Claim:
    """An occurrence claimed for sending, with the members its reminder pings."""

    targets: list[int]
    attempt: int  # 1 the first time; more when an earlier attempt was cut off or failed
    dms: list[MemberNudge] = field(default_factory=list)  # members who want it by DM

    @property
    def may_have_posted(self) -> bool:
        """An earlier attempt may have reached Discord before it was cut off."""
        return self.attempt > 1


class QuoteLimitReached(Exception):
    """The server already has as many custom quotes as allowed."""


@dataclass(frozen=True, slots=True)
class WeeklyPost:
    """One of a server's weekly posts (goal celebration, recap, streak-at-risk call)."""

    guild_id: int
    kind: str
    week_start: date
    channel_id: int | None
    state: DeliveryState
    fire_at: datetime
    message_id: int | None
    attempts: int
    error: str | None
