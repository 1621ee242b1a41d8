"""The engine tells its observer (the metrics) how each occurrence ended."""

from __future__ import annotations

from datetime import date, time, timedelta

from tests.reminders.helpers import utc

JUNE_1 = date(2026, 6, 1)
JUNE_1_FIRE = utc(2026, 6, 1, 17, 0)  # 18:00 BST
LONG_AGO = utc(2026, 1, 1)


class Seen:
    def __init__(self) -> None:
        self.outcomes: list[tuple[str, str, int]] = []

    def __call__(self, kind: str, outcome: str, count: int) -> None:
        self.outcomes.append((kind, outcome, count))


async def test_sent_late_and_missed_are_reported(engine, add_schedule, clock, poster):
    seen = Seen()
    engine.observe = seen
    schedule = await add_schedule(created_at=LONG_AGO)

    clock.set(JUNE_1_FIRE + timedelta(seconds=1))
    await engine.fire(schedule.id)
    assert seen.outcomes == [("main", "sent", 1)]

    clock.set(JUNE_1_FIRE - timedelta(hours=1) + timedelta(days=1))
    engine.arm(schedule)
    clock.set(JUNE_1_FIRE + timedelta(days=1, minutes=5))  # a stalled process
    await engine.run_due()
    assert seen.outcomes[-1] == ("main", "late", 1)

    clock.set(JUNE_1_FIRE + timedelta(days=2, minutes=121))  # past the catch-up window
    await engine.run_due()
    assert seen.outcomes[-1] == ("main", "missed", 1)
    assert len(poster.sent) == 2


async def test_a_refused_post_is_reported_failed(engine, add_schedule, clock, poster):
    seen = Seen()
    engine.observe = seen
    poster.fail_permanently = "missing access"
    schedule = await add_schedule()
    clock.set(JUNE_1_FIRE + timedelta(seconds=1))

    await engine.fire(schedule.id)

    assert seen.outcomes == [("main", "failed", 1)]


async def test_catch_up_reports_what_it_records_missed(make_engine, add_schedule, clock, store):
    now = utc(2026, 6, 10, 20, 0)
    schedule = await add_schedule(at=time(18, 0), created_at=LONG_AGO)  # due 3 hours ago
    clock.set(now)
    engine = make_engine()
    seen = Seen()
    engine.observe = seen

    await engine.catch_up(await store.schedules(enabled_only=True))

    missed = sum(count for kind, outcome, count in seen.outcomes if outcome == "missed")
    assert missed >= 1
    # Each reported occurrence is one the table now records as missed.
    assert missed == sum(1 for d in await store.deliveries(schedule.id) if d.state == "missed")
