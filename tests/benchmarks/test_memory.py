"""The memory benchmark's measuring tools, and its `--quick` run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator

import pytest

from benchmarks.proc import memory_kib, wait_idle
from tests.benchmarks.quick import quick

pytestmark = pytest.mark.bench


def test_resident_memory_is_read_for_a_process():
    found = memory_kib(os.getpid())
    assert 0 < found["VmRSS"] <= found["VmHWM"]


@contextlib.asynccontextmanager
async def python_running(code: str) -> AsyncIterator[int]:
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", code)
    try:
        yield process.pid
    finally:
        process.kill()
        await process.wait()


async def test_an_idle_process_is_seen_idle():
    async with python_running("import time; time.sleep(30)") as pid:
        took = await wait_idle(pid, quiet=0.5, within=10)
    assert took < 10


async def test_a_busy_process_is_never_seen_idle():
    async with python_running("while True: pass") as pid:
        with pytest.raises(TimeoutError):
            await wait_idle(pid, quiet=0.5, within=2)


def test_memory_quick_run_passes_its_checks():
    done = quick("benchmarks.memory")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checks passed" in done.stdout
    assert "growth per server from 50 to 200" in done.stdout
    assert "legday: everything `bot run` imports" in done.stdout
