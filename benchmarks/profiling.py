"""Sampling a process with py-spy during one phase, and a short summary of where it spent
its time. py-spy is not a dependency: `pip install py-spy` to use `--profile`."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from types import TracebackType

from benchmarks.measure import table

# Frames every sample passes through (interpreter start, the event loop): left out of "total".
_PLUMBING = {"<frozen runpy>", "stdlib/asyncio", "stdlib/threading", "stdlib/selectors"}
_FRAME = re.compile(r"^(?P<name>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def py_spy() -> str:
    found = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit("--profile needs py-spy: pip install py-spy")
    return found


class Sampler:
    """`async with Sampler(pid, path):` records stacks in py-spy's raw format.

    `gil=True`: only the thread holding the GIL, i.e. the Python work competing for one
    core (for a busy bot). `gil=False`: every thread, idle or not, labelled by thread (for
    one request's wall time: the event loop idles while SQLite works in another thread).
    """

    def __init__(self, pid: int, path: Path, *, gil: bool, rate: int = 250) -> None:
        self.pid = pid
        self.path = path
        self.gil = gil
        self.rate = rate
        self._process: asyncio.subprocess.Process | None = None
        self._started = 0.0
        self.seconds = 0.0  # how long the phase ran

    async def __aenter__(self) -> Sampler:
        argv = [py_spy(), "record", "--pid", str(self.pid), "--rate", str(self.rate)]
        argv += ["--format", "raw", "--output", str(self.path), "--nonblocking"]
        argv += ["--full-filenames", *(["--gil"] if self.gil else ["--idle", "--threads"])]
        self._process = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        await asyncio.sleep(0.1)  # py-spy attaches; a phase should last seconds, not this
        self._started = time.monotonic()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.seconds = time.monotonic() - self._started
        if self._process is not None and self._process.returncode is None:
            self._process.send_signal(signal.SIGINT)  # py-spy writes the file on Ctrl-C
            await asyncio.wait_for(self._process.wait(), 30)


def _frame_name(frame: str) -> tuple[str, str]:
    """(function and file, package) of one frame, without the line number."""
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip(), "?"
    file = match["file"]
    if "site-packages/" in file:
        short = file.split("site-packages/", 1)[1]
    elif "/lib/python3" in file:
        short = "stdlib/" + file.split("/lib/python3", 1)[1].split("/", 1)[-1]
    else:
        short = file.rsplit("/wt-", 1)[-1].split("/", 1)[-1] if "/wt-" in file else file
    package = short.split("/", 1)[0] if "/" in short else short
    if package == "stdlib":
        package = "stdlib/" + short.split("/")[1].removesuffix(".py")
    return f"{match['name']} ({short})", package


def summarize(
    path: Path,
    seconds: float | None = None,
    *,
    thread: str | None = None,
    rate: int = 250,
    top: int = 12,
) -> str:
    """Top frames by own time and by total time, and own time by package, in % of samples
    (of one `thread` only, by name, when the recording has threads)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    samples = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        parts = stack.split(";")
        if parts[0].startswith("thread ("):
            if thread is not None and parts[0].partition("): ")[2] != thread:
                continue
            parts = parts[1:]
        count = int(count_text)
        samples += count
        frames = [_frame_name(f) for f in parts] or [("(outside Python)", "?")]
        own[frames[-1][0]] += count
        packages[frames[-1][1]] += count
        for name in {
            n for n, package in frames if package not in _PLUMBING and "__main__" not in n
        }:
            total[name] += count
    if not samples:
        return "(no samples)"

    def pct(n: int) -> str:
        return f"{100 * n / samples:.1f}%"

    what = f"{thread} thread, idle or not" if thread else "the thread holding the GIL"
    heading = f"{samples} samples of {what}"
    if seconds:
        heading += f": {100 * samples / (rate * seconds):.0f}% of the {seconds:.1f} s phase"
    tables = [
        heading,
        table(["own time (the frame itself)", "%"], [[n, pct(c)] for n, c in own.most_common(top)]),
        table(
            ["total time (the frame and what it called)", "%"],
            [[n, pct(c)] for n, c in total.most_common(top + 4)],
        ),
        table(["own time by package", "%"], [[n, pct(c)] for n, c in packages.most_common(top)]),
    ]
    return "\n\n".join(tables)


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1]), thread=sys.argv[2] if len(sys.argv) > 2 else None))
