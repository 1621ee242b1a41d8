"""The send line: every server's reminder before any second message, a few at a time."""

from __future__ import annotations

import asyncio

import pytest

from bot.reminders.sender import FIRST, FOLLOW_UP, Sender


@pytest.fixture
async def make_sender():
    made: list[Sender] = []

    def make(**options) -> Sender:
        made.append(Sender(**options))
        return made[-1]

    yield make
    for sender in made:
        await sender.stop()


def recorder(log: list[str], name: str, gate: asyncio.Event | None = None):
    async def send() -> str:
        if gate is not None:
            await gate.wait()
        log.append(name)
        return name.upper()

    return send


async def test_first_messages_go_before_any_follow_up_and_in_order_within_each(make_sender):
    sender = make_sender(concurrency=1)
    gate = asyncio.Event()
    log: list[str] = []
    # The one worker is busy, so the order of what waits is the sender's choice alone.
    busy = asyncio.create_task(sender.submit(recorder(log, "busy", gate)))
    await asyncio.sleep(0)
    waiting = [
        asyncio.create_task(sender.submit(recorder(log, name), priority=priority))
        for name, priority in [
            ("a-2nd", FOLLOW_UP),
            ("a", FIRST),
            ("nudge", FOLLOW_UP),
            ("b", FIRST),
            ("c", FIRST),
        ]
    ]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(busy, *waiting)
    assert log == ["busy", "a", "b", "c", "a-2nd", "nudge"]
    assert results == ["BUSY", "A-2ND", "A", "NUDGE", "B", "C"]


async def test_at_most_concurrency_sends_are_in_flight(make_sender):
    sender = make_sender(concurrency=3)
    in_flight = 0
    most = 0

    async def send() -> None:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1

    await asyncio.gather(*(sender.submit(send) for _ in range(20)))
    assert most == 3


async def test_a_failure_goes_to_its_caller_and_the_line_goes_on(make_sender):
    sender = make_sender(concurrency=1)

    async def broken() -> None:
        raise ValueError("nope")

    log: list[str] = []
    results = await asyncio.gather(
        sender.submit(broken), sender.submit(recorder(log, "after")), return_exceptions=True
    )
    assert isinstance(results[0], ValueError)
    assert results[1] == "AFTER"


async def test_the_cap_spaces_sends_out(make_sender):
    now = [100.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    sender = make_sender(concurrency=1, cap_per_second=4, clock=lambda: now[0], sleep=fake_sleep)
    log: list[str] = []
    for name in "abc":
        await sender.submit(recorder(log, name))
    assert log == ["a", "b", "c"]
    assert slept == [0.25, 0.25]  # the first goes at once, then one every 1/4 s


async def test_stop_cancels_what_still_waits_and_skips_callers_who_gave_up(make_sender):
    sender = make_sender(concurrency=1)
    gate = asyncio.Event()
    log: list[str] = []
    busy = asyncio.create_task(sender.submit(recorder(log, "busy", gate)))
    gave_up = asyncio.create_task(sender.submit(recorder(log, "gave-up")))
    queued = asyncio.create_task(sender.submit(recorder(log, "queued")))
    await asyncio.sleep(0)
    gave_up.cancel()
    await asyncio.gather(gave_up, return_exceptions=True)
    gate.set()
    await asyncio.sleep(0.01)
    assert log == ["busy", "queued"]  # the one whose caller left never ran
    assert await busy == "BUSY" and await queued == "QUEUED"

    blocked = asyncio.create_task(sender.submit(recorder(log, "never", asyncio.Event())))
    stranded = asyncio.create_task(sender.submit(recorder(log, "stranded")))
    await asyncio.sleep(0)
    await sender.stop()
    for task in (blocked, stranded):
        with pytest.raises(asyncio.CancelledError):
            await task
    assert log == ["busy", "queued"]
