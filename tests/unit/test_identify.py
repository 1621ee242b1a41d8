"""IDENTIFYs paced by Discord's buckets (shard id modulo max_concurrency, one per 5 s)."""

from __future__ import annotations

import asyncio

from bot.identify import IdentifyPacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def pacer(time: FakeTime, max_concurrency: int, allowance: float = 0.0) -> IdentifyPacer:
    return IdentifyPacer(
        5.0,
        max_concurrency=max_concurrency,
        allowance=allowance,
        clock=time.clock,
        sleep=time.sleep,
    )


async def test_shards_in_different_buckets_identify_together() -> None:
    time = FakeTime()
    paced = pacer(time, 4)
    waits = [await paced.wait_turn(shard) for shard in range(4)]
    assert waits == [0, 0, 0, 0] and time.slept == []


async def test_a_shard_waits_for_its_buckets_window() -> None:
    time = FakeTime()
    paced = pacer(time, 2)
    await paced.wait_turn(0)
    await paced.wait_turn(1)
    time.now += 1.5
    assert await paced.wait_turn(2) == 3.5  # bucket 0 identified 1.5 s ago
    assert await paced.wait_turn(3) == 0  # bucket 1's window has passed meanwhile


async def test_one_at_a_time_without_concurrency_and_none_for_an_unsharded_bot() -> None:
    time = FakeTime()
    paced = pacer(time, 1)
    await paced.wait_turn(None)
    time.now += 20
    assert await paced.wait_turn(None) == 0  # a re-identify long after: no wait
    assert await paced.wait_turn(None) == 5.0


async def test_concurrent_turns_in_one_bucket_are_spaced() -> None:
    time = FakeTime()
    paced = pacer(time, 1)
    await asyncio.gather(*(paced.wait_turn(shard) for shard in range(3)))
    assert time.slept == [5.0, 5.0]


async def test_a_turn_lasts_the_window_plus_the_allowance_for_sending_the_frame() -> None:
    time = FakeTime()
    paced = pacer(time, 1, allowance=0.5)
    await paced.wait_turn(0)
    assert await paced.wait_turn(1) == 5.5
    assert paced.turn == 5.5
    assert IdentifyPacer(0.0).turn == 0.0  # the window off (tests): no turns at all
