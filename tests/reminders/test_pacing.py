"""SendQueue: one ordered, bounded line for every reminder send."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from bot.reminders import pacing
from bot.reminders.pacing import SendQueue
from tests.reminders.helpers import spin


@pytest.fixture
def frozen_monotonic(monkeypatch):
    """Token refills depend on time.monotonic; freezing it makes pacing a matter of counts."""
    monkeypatch.setattr(pacing, "time", SimpleNamespace(monotonic=lambda: 1000.0))


@pytest.fixture
async def queue():
    made: list[SendQueue] = []

    def make(*args, **kwargs) -> SendQueue:
        made.append(SendQueue(*args, **kwargs))
        return made[-1]

    yield make
    for q in made:
        await q.stop()


def recorder(log: list[int], value: int):
    async def send() -> int:
        log.append(value)
        return value * 10

    return send


async def test_sends_run_in_submission_order_and_return_their_results(queue):
    q = queue(1000, burst=100)
    log: list[int] = []
    results = await asyncio.gather(*(q.submit(recorder(log, i)) for i in range(50)))
    assert log == list(range(50))
    assert results == [i * 10 for i in range(50)]


async def test_queue_is_bounded(queue):
    q = queue(1000, burst=100, maxsize=2)
    release = asyncio.Event()
    log: list[int] = []

    async def blocker() -> int:
        log.append(0)
        await release.wait()
        return 0

    submitters = [asyncio.create_task(q.submit(blocker))]
    await spin(lambda: log == [0])  # the worker holds the first send
    submitters += [asyncio.create_task(q.submit(recorder(log, i))) for i in (1, 2, 3, 4)]
    await spin(lambda: q._queue.full())
    for _ in range(20):
        await asyncio.sleep(0)
    # Two wait in the queue; the other submitters are held back (back-pressure).
    assert q._queue.qsize() == 2
    assert log == [0]

    release.set()
    await asyncio.gather(*submitters)
    assert log == [0, 1, 2, 3, 4]


async def test_an_exception_goes_to_its_submitter_and_the_worker_survives(queue):
    q = queue(1000)
    log: list[int] = []

    async def broken() -> int:
        raise RuntimeError("boom")

    outcomes = await asyncio.gather(
        q.submit(recorder(log, 1)),
        q.submit(broken),
        q.submit(recorder(log, 2)),
        return_exceptions=True,
    )
    assert outcomes[0] == 10
    assert isinstance(outcomes[1], RuntimeError) and str(outcomes[1]) == "boom"
    assert outcomes[2] == 20
    worker = q._worker
    assert worker is not None and not worker.done()
    assert await q.submit(recorder(log, 3)) == 30
    assert q._worker is worker
    assert log == [1, 2, 3]


async def test_a_cancelled_submitter_does_not_stop_the_line(queue):
    q = queue(1000)
    release = asyncio.Event()
    log: list[int] = []

    async def slow() -> int:
        await release.wait()
        log.append(0)
        return 0

    held = asyncio.create_task(q.submit(slow))
    await spin(lambda: q._worker is not None and q._queue.empty())
    later = asyncio.create_task(q.submit(recorder(log, 1)))
    await asyncio.sleep(0)
    held.cancel()
    release.set()
    assert await later == 10
    assert log == [0, 1]


async def test_a_burst_goes_out_without_waiting_then_the_rest_waits(queue, frozen_monotonic):
    # One send per 1000 s, burst of 5: with the clock frozen, exactly five can go out.
    q = queue(0.001, burst=5)
    log: list[int] = []
    tasks = [asyncio.create_task(q.submit(recorder(log, i))) for i in range(8)]

    _, pending = await asyncio.wait(tasks[:5])
    assert not pending
    assert [t.result() for t in tasks[:5]] == [0, 10, 20, 30, 40]
    for _ in range(20):
        await asyncio.sleep(0)
    assert log == [0, 1, 2, 3, 4]  # the sixth is waiting for a token
    assert not any(t.done() for t in tasks[5:])

    await q.stop()  # cancels what was still queued instead of leaving it hanging
    queued = await asyncio.gather(*tasks[6:], return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in queued)
    assert log == [0, 1, 2, 3, 4]
    await spin(tasks[5].done)  # the one the worker held is settled too, not left hanging
    assert tasks[5].cancelled()


async def test_stop_settles_the_send_the_worker_was_holding(queue, frozen_monotonic):
    q = queue(0.001, burst=1)
    log: list[int] = []
    first = await q.submit(recorder(log, 0))
    held = asyncio.create_task(q.submit(recorder(log, 1)))  # waits 1000 s for a token
    await spin(lambda: q._queue.empty() and not held.done())
    for _ in range(20):
        await asyncio.sleep(0)

    await q.stop()
    for _ in range(20):
        await asyncio.sleep(0)
    try:
        assert first == 0
        assert held.done() and held.cancelled()
    finally:
        held.cancel()
        await asyncio.gather(held, return_exceptions=True)


async def test_a_send_raising_cancelled_error_does_not_wedge_the_queue(queue):
    q = queue(1000)
    log: list[int] = []

    async def leaks() -> int:
        raise asyncio.CancelledError  # not the worker being cancelled: a send's own error

    first = asyncio.create_task(q.submit(leaks))
    second = asyncio.create_task(q.submit(recorder(log, 1)))
    for _ in range(50):
        await asyncio.sleep(0)
    try:
        assert second.done() and second.result() == 10  # later reminders still go out
        assert first.done()  # and the broken one's submitter is told
        assert first.cancelled() or first.exception() is not None
        assert q._worker is not None and not q._worker.done()
    finally:
        for task in (first, second):
            task.cancel()
        await asyncio.gather(first, second, return_exceptions=True)
