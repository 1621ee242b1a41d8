"""Rendering pictures off the event loop, each distinct picture once.

`PictureService.render` runs a renderer in a pool of worker processes (numbers in
benchmarks/RESULTS.md: threads hold the GIL long enough to stall the loop) and keeps
the PNG bytes in an LRU bounded by count and by bytes. The cache key is the caller's
(kind, key) plus a digest of the exact render input: the content is its own version,
so a board that changed can never be served from an older card, and a busy channel
asking for the same board gets one render. Identical requests that arrive while the
first is still rendering wait for that one render (single flight).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import logging
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date, datetime
from typing import TypeVar

from bot.pictures import fonts, samples

log = logging.getLogger(__name__)

T = TypeVar("T")
Slot = tuple[str, Hashable, Hashable]  # kind, caller's key, fingerprint of the input

MAX_ENTRIES = 256
MAX_BYTES = 32 * 1024 * 1024
WORKERS = 1  # one process: the loop keeps the other CPU of a small host
WORKER_NICENESS = 10
QUEUED = 2  # renders handed to the pool per worker; the rest wait on the loop, cheaply
ORPHAN_CHECK = 1.0  # seconds between a worker's looks for its bot


def digest(data: object) -> bytes:
    """A stable 16-byte digest of plain data: dataclasses, mappings, sequences, sets,
    str, bytes, numbers, dates. Equal data (sets in any order) gives equal digests."""
    return hashlib.blake2b(repr(_canonical(data)).encode(), digest_size=16).digest()


def fingerprint(data: object) -> Hashable:
    """What identifies `data` in the cache: itself when hashable (exact, by equality),
    else its `digest`."""
    try:
        hash(data)
    except TypeError:
        return ("digest", digest(data))
    return ("data", data)


def _canonical(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str | bytes | date | datetime):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (
            type(value).__qualname__,
            tuple((f.name, _canonical(getattr(value, f.name))) for f in fields),
        )
    if isinstance(value, Mapping):
        items = [(_canonical(k), _canonical(v)) for k, v in value.items()]
        return ("map", tuple(sorted(items, key=repr)))
    if isinstance(value, set | frozenset):
        return ("set", tuple(sorted((_canonical(v) for v in value), key=repr)))
    if isinstance(value, list | tuple):
        return ("seq", tuple(_canonical(v) for v in value))
    raise TypeError(f"cannot digest a {type(value).__name__}")


def _warm_up(bot_pid: int | None = None) -> None:
    """A new worker: below the bot in the CPU queue (a picture can wait a moment, the
    event loop should not), with its fonts loaded before the first real render, and
    gone soon after the bot (`bot_pid`) is, however the bot ended."""
    if bot_pid is not None:
        threading.Thread(target=_exit_with, args=(bot_pid,), daemon=True).start()
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    for weight in fonts.Weight:
        for file in fonts.chain_files(weight):
            fonts.coverage(file)  # the first name in another script needs them all
    samples.render_all()


def _exit_with(bot_pid: int) -> None:
    """A bot killed outright (`kill -9`) cannot shut its pool down, and the worker, the
    pool's fork server and resource tracker keep each other alive: without this, the
    three stayed behind for good (outside a container, which ends them all)."""
    while True:
        time.sleep(ORPHAN_CHECK)
        try:
            os.kill(bot_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # the pid is another user's process now: ours is gone
            os._exit(0)


def _ready() -> None:
    """Run in a new worker: returns once the worker exists and its warm-up is done."""


def process_pool(workers: int = WORKERS) -> ProcessPoolExecutor:
    # forkserver: the bot's process has threads (the database's), which fork would copy
    # in whatever state they were in.
    context = multiprocessing.get_context("forkserver")
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=_warm_up, initargs=(os.getpid(),)
    )


class PictureService:
    """Renders and caches pictures; `close()` at shutdown."""

    def __init__(
        self,
        workers: int = WORKERS,
        *,
        executor_factory: Callable[[], Executor] | None = None,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        """`workers` processes (started at the first picture or `start()`), or the
        executor `executor_factory` makes (tests: a thread pool); `workers` also sets
        how many renders are handed to it at a time."""
        if workers < 1 or max_entries < 1 or max_bytes < 1:
            raise ValueError("a picture service needs a worker and room for a picture")
        self._factory = executor_factory or (lambda: process_pool(workers))
        self._executor: Executor | None = None
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._cache: OrderedDict[Slot, bytes] = OrderedDict()
        self._bytes = 0
        self._inflight: dict[Slot, asyncio.Task[bytes]] = {}
        self._closed = False
        self._slots = asyncio.Semaphore(QUEUED * max(workers, 1))
        self._starting = asyncio.Lock()
        self.hits = 0
        self.renders = 0

    @property
    def cached_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._cache)

    async def start(self) -> None:
        """Start the workers and load their fonts now (at the bot's start) rather than
        with the first picture; off the loop either way."""
        await self._pool()

    async def render(self, kind: str, key: Hashable, fn: Callable[[T], bytes], data: T) -> bytes:
        """`fn(data)` rendered off the loop, or the bytes of an identical earlier render.

        `kind` and `key` say which picture this is (e.g. "board", (guild, "week", page));
        `fn` must be a module-level function (it is sent to a worker process) and
        `data` plain data (see `digest`). Raises RuntimeError after `close()`.
        """
        if self._closed:
            raise RuntimeError("the picture service is closed")
        slot = (kind, key, fingerprint(data))
        found = self._cache.get(slot)
        if found is not None:
            self._cache.move_to_end(slot)
            self.hits += 1
            return found
        task = self._inflight.get(slot)
        if task is None:
            task = asyncio.create_task(self._produce(slot, fn, data), name=f"picture-{kind}")
            self._inflight[slot] = task
            task.add_done_callback(lambda done: self._settled(slot, done))
        else:
            self.hits += 1
        # shield: one caller giving up does not cancel the render the others wait for
        return await asyncio.shield(task)

    async def _produce(self, slot: Slot, fn: Callable[[T], bytes], data: T) -> bytes:
        loop = asyncio.get_running_loop()
        self.renders += 1
        async with self._slots:
            try:
                result = await loop.run_in_executor(await self._pool(), fn, data)
            except BrokenProcessPool:
                # A worker died (killed, out of memory): a fresh pool gets one more try.
                log.warning("a picture worker died; starting a new one")
                self._replace_pool()
                result = await loop.run_in_executor(await self._pool(), fn, data)
        if not self._closed:
            self._store(slot, result)
        return result

    def _settled(self, slot: Slot, task: asyncio.Task[bytes]) -> None:
        if self._inflight.get(slot) is task:
            del self._inflight[slot]
        if not task.cancelled():
            task.exception()  # retrieved: a failure nobody waited for is not logged as lost

    def _store(self, slot: Slot, result: bytes) -> None:
        if len(result) > self.max_bytes:
            return
        old = self._cache.pop(slot, None)
        if old is not None:
            self._bytes -= len(old)
        self._cache[slot] = result
        self._bytes += len(result)
        while len(self._cache) > self.max_entries or self._bytes > self.max_bytes:
            _, evicted = self._cache.popitem(last=False)
            self._bytes -= len(evicted)

    async def _pool(self) -> Executor:
        if self._executor is not None:
            return self._executor
        async with self._starting:
            if self._executor is None:
                # A process pool starts its first worker inside submit(): ~100 ms of
                # forking and waiting, done in a thread so the loop goes on meanwhile.
                executor = self._factory()
                try:
                    started = await asyncio.to_thread(executor.submit, _ready)
                    await asyncio.wrap_future(started)
                except BaseException:
                    executor.shutdown(wait=False, cancel_futures=True)
                    raise
                if self._closed:
                    executor.shutdown(wait=False, cancel_futures=True)
                    raise RuntimeError("the picture service is closed")
                self._executor = executor
        return self._executor

    def _replace_pool(self) -> None:
        old, self._executor = self._executor, None
        if old is not None:
            old.shutdown(wait=False, cancel_futures=True)

    async def close(self) -> None:
        """Stop taking pictures, cancel renders in flight and stop the workers."""
        self._closed = True
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
        self._cache.clear()
        self._bytes = 0
