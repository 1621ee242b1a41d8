"""A bot as a child process connected to the local Discord, started and stopped by PID."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from fakediscord import FakeDiscord

PROJECT = str(Path(__file__).resolve().parents[1])


def baseline_env(fd: FakeDiscord, **extra: str) -> dict[str, str]:
    """Environment for a baseline bot of `benchmarks/`: where the local Discord is."""
    return {**fd.env(), "PYTHONPATH": PROJECT, **extra}


def _answer_ctrl_c() -> None:
    # A shell running us in the background (`cmd &`, nohup, some CI runners) ignores
    # SIGINT, and an ignored signal stays ignored across exec: the bot would never see
    # the Ctrl-C that `stop` sends.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class BotRun:
    """One bot process: started with `start`, which returns once it is on the gateway."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        log_path: Path,
        *,
        cwd: str = PROJECT,
    ) -> None:
        self.name = name
        self.cwd = cwd
        self.argv = list(argv)
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self._process: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None
        self.ended = "not started"

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self._process.pid

    async def start(self, fd: FakeDiscord, within: float = 60.0) -> None:
        """Start the process and wait until the local Discord has sent it READY."""
        hub = fd.emulator.hub
        readies = hub.ready_count
        self._log = self.log_path.open("ab")
        self._process = await asyncio.create_subprocess_exec(
            *self.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            preexec_fn=_answer_ctrl_c,
        )
        ready = asyncio.create_task(
            fd.emulator.notifier.wait_for(
                lambda: hub.ready_count > readies and bool(hub.connected_sessions()),
                within,
                f"{self.name} to identify",
            )
        )
        exited = asyncio.create_task(self._process.wait())
        done, _ = await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
        for task in (ready, exited):
            task.cancel()
        if exited in done:
            raise RuntimeError(f"{self.name} exited during start-up:\n{self.log_tail()}")
        error = ready.exception()
        if error is not None:
            await self.stop()
            raise RuntimeError(f"{self.name} did not connect: {error}\n{self.log_tail()}")

    async def stop(self, grace: float = 15.0) -> int | None:
        """SIGINT (as Ctrl-C), then kill if it takes longer than `grace` seconds.

        Returns the exit code; `ended` says how it came about."""
        process = self._process
        if process is not None and process.returncode is not None:
            self.ended = f"had already ended (exit code {process.returncode}) when stopped"
        elif process is not None:
            process.send_signal(signal.SIGINT)
            started = time.monotonic()
            try:
                await asyncio.wait_for(process.wait(), grace)
                took = time.monotonic() - started
                self.ended = f"exit code {process.returncode} {took:.1f} s after SIGINT"
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
                self.ended = f"still running {grace:.0f} s after SIGINT: killed"
        if self._log is not None:
            self._log.close()
            self._log = None
        return None if process is None else process.returncode

    async def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no shutdown code runs."""
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            self.ended = "killed (SIGKILL)"
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, chars: int = 3000) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]


async def disconnect_all(fd: FakeDiscord, within: float = 15.0) -> None:
    """Wait until no bot is attached to the gateway (the previous one has let go)."""
    hub = fd.emulator.hub
    await fd.emulator.notifier.wait_for(
        lambda: not hub.active_connections(), within, "the previous bot to disconnect"
    )
