"""The catch-up's decisions, one per occurrence, with no database and no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.core.reminders import Kind
from bot.reminders.catch_up import plan
from bot.store import Delivery, Schedule

NOW = datetime(2026, 6, 10, 20, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=120)
DAY = date(2026, 6, 10)


def schedule(schedule_id: int = 1, nudge_hours: int | None = None) -> Schedule:
    return Schedule(
        id=schedule_id,
        guild_id=1,
        channel_id=2,
        role_id=None,
        days=frozenset(range(7)),
        at=time(18, 0),
        timezone="UTC",
        nudge_hours=nudge_hours,
        enabled=True,
        disabled_reason=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def row(state: str, fire_at: datetime, kind: Kind = Kind.REMINDER, **extra) -> Delivery:
    return Delivery(1, DAY, kind, state, fire_at, None, 1, None, extra.get("updated_at"))


def test_fresh_is_sent_old_is_missed_settled_is_left():
    s = schedule()
    fresh, old = NOW - timedelta(minutes=90), NOW - timedelta(minutes=150)
    other_day = date(2026, 6, 9)
    decided = plan(
        [(s, DAY, fresh), (s, other_day, old)],
        {},
        now=NOW,
        window=WINDOW,
    )
    assert [(o.day, o.kind) for o in decided.send] == [(DAY, Kind.REMINDER)]
    assert [(o.day, o.kind) for o in decided.missed] == [(other_day, Kind.REMINDER)]

    for state in ("sent", "missed"):
        settled = plan(
            [(s, DAY, fresh)], {(1, DAY, "main"): row(state, fresh)}, now=NOW, window=WINDOW
        )
        assert (settled.send, settled.missed, settled.arm_nudges) == ([], [], [])


def test_rows_a_crash_or_an_error_left_are_taken_over_or_given_up():
    s = schedule()
    fresh = NOW - timedelta(minutes=30)
    for state in ("sending", "failed"):
        decided = plan(
            [(s, DAY, fresh)], {(1, DAY, "main"): row(state, fresh)}, now=NOW, window=WINDOW
        )
        assert len(decided.send) == 1
        old = NOW - timedelta(minutes=121)
        given_up = plan(
            [(s, DAY, old)], {(1, DAY, "main"): row(state, old)}, now=NOW, window=WINDOW
        )
        assert len(given_up.missed) == 1 and given_up.send == []


def test_a_sent_reminders_nudge_is_armed_missed_or_settled():
    s = schedule(nudge_hours=2)
    sent_at = NOW - timedelta(hours=1)
    reminder = row("sent", sent_at, updated_at=sent_at)
    ahead = plan([(s, DAY, sent_at)], {(1, DAY, "main"): reminder}, now=NOW, window=WINDOW)
    assert [(o.kind, o.fire_at) for o in ahead.arm_nudges] == [
        (Kind.NUDGE, NOW + timedelta(hours=1))
    ]

    due_at = NOW - timedelta(hours=3)  # its nudge fell due an hour ago, inside the window
    on_time = row("sent", due_at, updated_at=due_at)
    owed = plan([(s, DAY, due_at)], {(1, DAY, "main"): on_time}, now=NOW, window=WINDOW)
    assert [(o.kind, o.fire_at) for o in owed.send] == [(Kind.NUDGE, NOW - timedelta(hours=1))]

    # The reminder itself went out after the nudge was due: no second ping now.
    went_late = row("sent", due_at, updated_at=NOW - timedelta(minutes=5))
    skipped = plan([(s, DAY, due_at)], {(1, DAY, "main"): went_late}, now=NOW, window=WINDOW)
    assert [o.kind for o in skipped.missed] == [Kind.NUDGE] and skipped.send == []

    nudge_done = row("sent", due_at + timedelta(hours=2), Kind.NUDGE)
    done = plan(
        [(s, DAY, due_at)],
        {(1, DAY, "main"): on_time, (1, DAY, "nudge"): nudge_done},
        now=NOW,
        window=WINDOW,
    )
    assert (done.send, done.missed, done.arm_nudges) == ([], [], [])


def test_an_unsent_reminder_never_brings_its_nudge_along():
    s = schedule(nudge_hours=1)
    due_at = NOW - timedelta(hours=3)
    decided = plan(
        [(s, DAY, due_at)], {(1, DAY, "main"): row("missed", due_at)}, now=NOW, window=WINDOW
    )
    assert (decided.send, decided.missed, decided.arm_nudges) == ([], [], [])
