"""What Linux says about a process: resident memory and CPU time, from /proc."""

from __future__ import annotations

import asyncio
import os
import time

MIB = 1024 * 1024


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (peak resident) in KiB."""
    found = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    return found


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


async def wait_idle(pid: int, *, quiet: float = 1.0, within: float = 300.0) -> float:
    """Wait until the process used under 3% of a CPU for `quiet` seconds; returns how
    long that took. Used as "it has processed everything it was sent"."""
    started = time.monotonic()
    samples: list[tuple[float, float]] = []
    while time.monotonic() - started < within:
        samples.append((time.monotonic(), cpu_seconds(pid)))
        while len(samples) > 1 and samples[-1][0] - samples[1][0] >= quiet:
            samples.pop(0)
        (first_at, first_cpu), (last_at, last_cpu) = samples[0], samples[-1]
        if last_at - first_at >= quiet and (last_cpu - first_cpu) / (last_at - first_at) < 0.03:
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise TimeoutError(f"process {pid} was still busy after {within:.0f} s")
