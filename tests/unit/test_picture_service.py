"""PictureService: renders off the loop, once per distinct input, within its cache bounds."""

from __future__ import annotations

import asyncio
import io
import itertools
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date

import pytest
from PIL import Image

from bot.core.recap import RecapSummary
from bot.pictures import render_board_card, samples
from bot.pictures.recap import RecapCard
from bot.pictures.service import PictureService, digest, fingerprint


@dataclass(frozen=True)
class Job:
    text: str
    size: int = 10
    delay: float = 0.0
    fail: bool = False


class Renderer:
    """Counts its calls (from any thread) and returns `size` bytes."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.threads: set[int] = set()
        self._lock = threading.Lock()

    def __call__(self, job: Job) -> bytes:
        with self._lock:
            self.calls.append(job.text)
            self.threads.add(threading.get_ident())
        if job.delay:
            time.sleep(job.delay)
        if job.fail:
            raise ValueError("the renderer broke")
        return job.text.encode().ljust(job.size, b".")


def threads(service_kwargs: dict | None = None) -> PictureService:
    return PictureService(
        2, executor_factory=lambda: ThreadPoolExecutor(2), **(service_kwargs or {})
    )


@pytest.fixture
async def service():
    s = threads()
    yield s
    await s.close()


async def test_the_same_input_is_rendered_once_then_served_from_the_cache(service):
    fn = Renderer()
    first = await service.render("board", (1, "week", 1), fn, Job("a"))
    again = await service.render("board", (1, "week", 1), fn, Job("a"))
    assert first == again == b"a........."
    assert fn.calls == ["a"]
    assert service.hits == 1 and service.renders == 1


async def test_changed_input_kind_or_key_renders_anew(service):
    fn = Renderer()
    await service.render("board", 1, fn, Job("a"))
    await service.render("board", 1, fn, Job("b"))  # the board changed: never the old card
    await service.render("board", 2, fn, Job("a"))  # another page or server
    await service.render("heatmap", 1, fn, Job("a"))
    assert fn.calls == ["a", "b", "a", "a"]


async def test_concurrent_identical_requests_share_one_render(service):
    fn = Renderer()
    results = await asyncio.gather(
        *(service.render("board", 1, fn, Job("slow", delay=0.2)) for _ in range(20))
    )
    assert set(results) == {b"slow......"}
    assert fn.calls == ["slow"]
    assert service.renders == 1 and service.hits == 19


async def test_one_caller_giving_up_does_not_cancel_the_render_for_the_others(service):
    fn = Renderer()
    first = asyncio.create_task(service.render("board", 1, fn, Job("s", delay=0.2)))
    second = asyncio.create_task(service.render("board", 1, fn, Job("s", delay=0.2)))
    await asyncio.sleep(0.05)
    first.cancel()
    assert await second == b"s........."
    with pytest.raises(asyncio.CancelledError):
        await first
    assert len(service) == 1 and fn.calls == ["s"]


async def test_a_failed_render_reaches_every_waiter_and_is_not_cached(service):
    fn = Renderer()
    job = Job("x", delay=0.1, fail=True)
    results = await asyncio.gather(
        *(service.render("board", 1, fn, job) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, ValueError) for r in results)
    assert len(service) == 0
    with pytest.raises(ValueError):
        await service.render("board", 1, fn, job)
    assert fn.calls == ["x", "x"]


async def test_the_least_recently_used_picture_goes_first_when_full_by_count():
    service = threads({"max_entries": 2})
    try:
        fn = Renderer()
        await service.render("b", 1, fn, Job("a"))
        await service.render("b", 2, fn, Job("b"))
        await service.render("b", 1, fn, Job("a"))  # a is now the most recent
        await service.render("b", 3, fn, Job("c"))  # evicts b
        assert len(service) == 2
        await service.render("b", 1, fn, Job("a"))
        await service.render("b", 2, fn, Job("b"))
        assert fn.calls == ["a", "b", "c", "b"]
    finally:
        await service.close()


async def test_the_cache_stays_within_its_bytes():
    service = threads({"max_bytes": 250})
    try:
        fn = Renderer()
        for text in "abc":
            await service.render("b", text, fn, Job(text, size=100))
        assert service.cached_bytes == 200 and len(service) == 2
        await service.render("b", "huge", fn, Job("huge", size=300))  # bigger than it all
        assert service.cached_bytes == 200 and len(service) == 2
        await service.render("b", "a", fn, Job("a", size=100))
        assert fn.calls == ["a", "b", "c", "huge", "a"]
    finally:
        await service.close()


async def test_rendering_runs_off_the_loop_which_keeps_ticking(service):
    fn = Renderer()
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.01)

    watch = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    await service.render("b", 1, fn, Job("slow", delay=0.4))
    watch.cancel()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) >= 20
    assert max(gaps) < 0.2  # a render on the loop would have stopped it for 0.4 s
    assert threading.get_ident() not in fn.threads


async def test_a_closed_service_renders_nothing():
    service = threads()
    fn = Renderer()
    pending = asyncio.create_task(service.render("b", 1, fn, Job("s", delay=0.3)))
    await asyncio.sleep(0.05)
    await service.close()
    with pytest.raises(asyncio.CancelledError):
        await pending
    with pytest.raises(RuntimeError, match="closed"):
        await service.render("b", 1, fn, Job("s"))


async def test_a_real_card_through_the_worker_process():
    service = PictureService()
    try:
        card = samples.board()
        png = await service.render("board", (1, "week", 1), render_board_card, card)
        assert png == render_board_card(card)
        with Image.open(io.BytesIO(png)) as image:
            assert image.format == "PNG" and image.size[0] == 880
        assert await service.render("board", (1, "week", 1), render_board_card, card) is png
    finally:
        await service.close()


def test_hashable_input_is_its_own_key_and_the_rest_is_digested():
    card = samples.board()
    assert fingerprint(card) == fingerprint(replace(card))
    assert fingerprint(card) != fingerprint(replace(card, page=2))
    recap = samples.recap()  # lists and a dict inside: unhashable
    assert fingerprint(recap)[0] == "digest"
    assert fingerprint(recap) == fingerprint(samples.recap())


def test_a_digest_follows_content_not_order():
    a = frozenset({date(2026, 1, 1), date(2026, 1, 2)})
    b = frozenset({date(2026, 1, 2), date(2026, 1, 1)})
    assert digest(a) == digest(b)
    assert digest({1: "x", 2: "y"}) == digest({2: "y", 1: "x"})
    assert digest([1, 2]) != digest([2, 1])
    assert digest("1") != digest(1)
    summary = samples.recap().summary
    changed = replace(summary, total=summary.total + 1)
    assert digest(RecapCard("g", summary, {})) != digest(RecapCard("g", changed, {}))
    assert digest(RecapCard("g", summary, {1: "A"})) != digest(RecapCard("g", summary, {1: "B"}))
    with pytest.raises(TypeError):
        digest(object())
    assert isinstance(summary, RecapSummary)


def test_a_service_needs_room():
    with pytest.raises(ValueError):
        PictureService(max_entries=0)
    with pytest.raises(ValueError):
        PictureService(0)


class SlowToStart(ThreadPoolExecutor):
    """Like a process pool, whose first submit forks and waits for the worker."""

    def __init__(self) -> None:
        super().__init__(1)
        self.started = False

    def submit(self, fn, /, *args, **kwargs):
        if not self.started:
            time.sleep(0.3)
            self.started = True
        return super().submit(fn, *args, **kwargs)


async def test_starting_the_workers_does_not_hold_the_loop():
    service = PictureService(executor_factory=SlowToStart)
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.01)

    watch = asyncio.create_task(ticker())
    try:
        await asyncio.sleep(0.02)
        started = time.perf_counter()
        fn = Renderer()
        # Two pictures at once while the pool starts: one start, both rendered.
        a, b = await asyncio.gather(
            service.render("b", 1, fn, Job("a")), service.render("b", 2, fn, Job("b"))
        )
        assert time.perf_counter() - started >= 0.3
        assert (a, b) == (b"a.........", b"b.........")
    finally:
        watch.cancel()
        await service.close()
    assert max(later - earlier for earlier, later in itertools.pairwise(ticks)) < 0.2


KILLED_BOT = """
import asyncio, os, sys
from pathlib import Path
from bot.pictures.service import PictureService

async def main():
    service = PictureService()
    await service.start()
    worker = service._executor.submit(os.getpid).result()
    Path(sys.argv[1]).write_text(str(worker))
    await asyncio.sleep(60)

if __name__ == "__main__":
    asyncio.run(main())
"""


async def test_a_bot_killed_outright_leaves_no_picture_worker_behind(tmp_path):
    script, pid_file = tmp_path / "killed_bot.py", tmp_path / "worker.pid"
    script.write_text(KILLED_BOT)
    # No pipes: a worker left behind would hold them open, and the test would hang.
    bot = await asyncio.create_subprocess_exec(
        sys.executable, str(script), str(pid_file), stdout=asyncio.subprocess.DEVNULL
    )
    for _ in range(600):
        if pid_file.exists() and pid_file.read_text():
            break
        await asyncio.sleep(0.1)
    worker = int(pid_file.read_text())
    os.kill(worker, 0)  # alive while the bot is
    bot.kill()
    await bot.wait()
    for _ in range(100):
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        await asyncio.sleep(0.1)
    os.kill(worker, signal.SIGKILL)
    raise AssertionError(f"picture worker {worker} outlived its killed bot by 10 s")
