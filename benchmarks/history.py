"""Synthetic but realistic check-in histories for the leaderboard benchmark.

Members differ the way a real gym server's do: a few train legs several times a week,
many once or twice, most now and then; some were there from the start, others joined
later, some stopped; a few are hidden from the boards and some live in other time zones.
Everything comes from one seeded random generator, so a size always gives the same data.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

OTHER_ZONES = (
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
# (share of members, leg days per week from .. to)
ACTIVITY = ((0.10, 2.5, 4.0), (0.35, 1.0, 2.0), (0.55, 0.1, 0.8))
HIDDEN_SHARE = 0.02
OTHER_ZONE_SHARE = 0.15


@dataclass
class ServerHistory:
    guild_id: int
    timezone: str
    weekly_target: int
    days_by_member: dict[int, list[date]]
    member_zones: dict[int, str] = field(default_factory=dict)
    hidden: set[int] = field(default_factory=set)

    @property
    def checkins(self) -> int:
        return sum(len(days) for days in self.days_by_member.values())

    def guild_row(self) -> dict[str, object]:
        return {
            "guild_id": self.guild_id,
            "timezone": self.timezone,
            "weekly_target": self.weekly_target,
        }

    def member_rows(self) -> list[dict[str, object]]:
        """Rows only for members who changed a setting, as the bot stores them."""
        users = sorted(set(self.member_zones) | self.hidden)
        return [
            {
                "guild_id": self.guild_id,
                "user_id": user,
                "timezone": self.member_zones.get(user),
                "hidden": user in self.hidden,
            }
            for user in users
        ]

    def checkin_rows(self) -> Iterator[dict[str, object]]:
        stamps: dict[date, datetime] = {}
        for user, days in self.days_by_member.items():
            for day in days:
                stamp = stamps.get(day)
                if stamp is None:
                    stamp = stamps[day] = datetime.combine(day, time(18, 0), UTC)
                yield {"guild_id": self.guild_id, "user_id": user, "day": day, "created_at": stamp}


def make_server(
    rng: random.Random,
    guild_id: int,
    first_user_id: int,
    members: int,
    checkins: int,
    span_days: int,
    today: date,
    *,
    timezone: str = "Europe/London",
    weekly_target: int = 1,
) -> ServerHistory:
    """A server whose `members` made exactly `checkins` check-ins over `span_days` to today."""
    if checkins > members * span_days:
        raise ValueError("more check-ins than member-days")
    plans = []
    for index in range(members):
        per_day = _weekly_pace(rng) / 7
        joined = 0 if rng.random() < 0.4 else rng.randrange(span_days)
        left = span_days if rng.random() < 0.75 else rng.randrange(joined, span_days) + 1
        plans.append((first_user_id + index, per_day, joined, left))
    # Scale everyone's pace so the expected total is the requested one, then make it exact.
    expected = sum(per_day * (left - joined) for _, per_day, joined, left in plans)
    scale = checkins / expected if expected else 1.0
    history = ServerHistory(guild_id, timezone, weekly_target, {})
    for user, per_day, joined, left in plans:
        active = left - joined
        wanted = min(active, max(1, round(rng.gauss(per_day * scale * active, 1.5))))
        offsets = rng.sample(range(joined, left), wanted)
        history.days_by_member[user] = [today - timedelta(days=span_days - 1 - o) for o in offsets]
    _make_exact(rng, history, checkins, span_days, today)
    users = list(history.days_by_member)
    for user in rng.sample(users, round(len(users) * HIDDEN_SHARE)):
        history.hidden.add(user)
    for user in rng.sample(users, round(len(users) * OTHER_ZONE_SHARE)):
        history.member_zones[user] = rng.choice(OTHER_ZONES)
    for days in history.days_by_member.values():
        days.sort()
    return history


def _weekly_pace(rng: random.Random) -> float:
    """Leg days a week for one member, drawn from the activity tiers."""
    roll = rng.random()
    for share, low, high in ACTIVITY:
        if roll < share:
            return rng.uniform(low, high)
        roll -= share
    _, low, high = ACTIVITY[-1]
    return rng.uniform(low, high)


def _make_exact(
    rng: random.Random, history: ServerHistory, target: int, span_days: int, today: date
) -> None:
    users = list(history.days_by_member)
    total = history.checkins
    while total > target:
        days = history.days_by_member[rng.choice(users)]
        if len(days) > 1:
            days.pop(rng.randrange(len(days)))
            total -= 1
    while total < target:
        days = history.days_by_member[rng.choice(users)]
        day = today - timedelta(days=rng.randrange(span_days))
        if day not in days:
            days.append(day)
            total += 1


def background_servers(
    rng: random.Random, count: int, first_guild_id: int, first_user_id: int, today: date
) -> list[ServerHistory]:
    """Other servers the bot is in: smaller, younger, with their own settings."""
    servers = []
    user_id = first_user_id
    for index in range(count):
        members = rng.randrange(20, 300)
        span = rng.randrange(120, 1000)
        per_member = rng.uniform(0.03, 0.15) * span
        checkins = min(members * span, max(members, round(members * per_member)))
        servers.append(
            make_server(
                rng,
                first_guild_id + index,
                user_id,
                members,
                checkins,
                span,
                today,
                timezone=rng.choice(("UTC", "Europe/London", *OTHER_ZONES)),
                weekly_target=rng.choice((1, 1, 2, 3)),
            )
        )
        user_id += members
    return servers
