"""Running `python -m bot` as an admin would: a clean environment, a folder of its own."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


def clean_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """No developer .env (the cwd is a temp dir) and no stray settings from the shell."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LEGDAY_", "DISCORD_"))}
    base.pop("DATABASE_URL", None)
    return {**base, **(env or {})}


def legday(*args: str, env: dict[str, str] | None = None, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=clean_env(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


async def legday_async(
    *args: str, env: dict[str, str] | None = None, cwd: Path, within: float = 60
) -> Result:
    """`legday` without blocking the event loop, for a local Discord served by this test."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=clean_env(env),
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), within)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_line(stderr: str) -> str:
    """The single line the command wrote to stderr; fails on a traceback or a second line."""
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, stderr
    return lines[0]
