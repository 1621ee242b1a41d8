"""What start-up owes: given the occurrences that fell due while the bot was away and the
delivery rows the database has for them, decide each one. Pure: no I/O, no clock.

An occurrence with a `sent` or `missed` row is settled. One with no row, or a row a
crash (`sending`) or an error (`failed`) left behind, is sent late when it is still
inside the catch-up window and recorded `missed` when it is not. A nudge follows its
reminder: armed when still ahead, missed when its reminder itself went out after the
nudge was due (two pings within a second), otherwise settled like a reminder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.core.reminders import DeliveryState, Kind
from bot.store import Delivery, Schedule

SETTLED = frozenset({DeliveryState.SENT, DeliveryState.MISSED})

DeliveryKey = tuple[int, date, str]


@dataclass(frozen=True, slots=True)
class Occurrence:
    schedule: Schedule
    day: date
    fire_at: datetime
    kind: Kind


@dataclass(slots=True)
class CatchUpPlan:
    send: list[Occurrence] = field(default_factory=list)
    missed: list[Occurrence] = field(default_factory=list)
    arm_nudges: list[Occurrence] = field(default_factory=list)


def plan(
    due: Iterable[tuple[Schedule, date, datetime]],
    rows: Mapping[DeliveryKey, Delivery],
    *,
    now: datetime,
    window: timedelta,
) -> CatchUpPlan:
    """Decide every reminder occurrence in `due` (and its nudge) against `rows`."""
    decided = CatchUpPlan()
    for schedule, day, fire_at in due:
        reminder = rows.get((schedule.id, day, Kind.REMINDER))
        if reminder is None or reminder.state not in SETTLED:
            _settle(decided, Occurrence(schedule, day, fire_at, Kind.REMINDER), now, window)
            continue  # its nudge, if any, is armed once the reminder is sent
        if reminder.state != DeliveryState.SENT or not schedule.nudge_hours:
            continue
        nudge_at = reminder.fire_at + timedelta(hours=schedule.nudge_hours)
        nudge = Occurrence(schedule, day, nudge_at, Kind.NUDGE)
        existing = rows.get((schedule.id, day, Kind.NUDGE))
        if existing is not None and existing.state in SETTLED:
            continue
        if nudge_at > now:
            decided.arm_nudges.append(nudge)
        elif reminder.updated_at is not None and reminder.updated_at >= nudge_at:
            decided.missed.append(nudge)
        else:
            _settle(decided, nudge, now, window)
    return decided


def _settle(decided: CatchUpPlan, occurrence: Occurrence, now: datetime, window: timedelta) -> None:
    if occurrence.fire_at >= now - window:
        decided.send.append(occurrence)
    else:
        decided.missed.append(occurrence)
