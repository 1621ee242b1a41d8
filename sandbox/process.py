"""The real bot as a child process (`python -m bot run`), for the sandbox and e2e tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO


class BotProcess:
    """Starts, stops and kills one `python -m bot run` with the given environment."""

    def __init__(
        self,
        env: Mapping[str, str],
        log_path: Path,
        stop_signal: signal.Signals = signal.SIGINT,
    ) -> None:
        self._env = {**os.environ, **env}
        self.log_path = log_path
        self.stop_signal = stop_signal
        self._process: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    @property
    def pid(self) -> int | None:
        """The running bot's process id (None when it is not running)."""
        return self._process.pid if self.running and self._process is not None else None

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.returncode

    async def start(self, command: Sequence[str] | None = None) -> None:
        """Start `python -m bot run` (or another command, e.g. a baseline bot)."""
        if self.running:
            raise RuntimeError("the bot is already running")
        self._log = self.log_path.open("ab")
        argv = list(command or (sys.executable, "-m", "bot", "run"))
        self._process = await asyncio.create_subprocess_exec(
            *argv,
            env=self._env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )

    async def stop(self, grace: float = 10.0, sig: signal.Signals | None = None) -> int | None:
        """Ask it to shut down (by default with `stop_signal`: SIGINT, like Ctrl-C; the
        sandbox uses SIGTERM, like `docker stop`, since a Ctrl-C in its terminal already
        sent the bot a SIGINT); kill it if it takes too long."""
        if self.running:
            assert self._process is not None
            self._process.send_signal(sig or self.stop_signal)
            try:
                await asyncio.wait_for(self._process.wait(), grace)
            except TimeoutError:
                await self.kill()
        self._close_log()
        return self.returncode

    async def kill(self) -> None:
        """Die at once, mid-whatever, as a crash or `kill -9` would."""
        if self.running:
            assert self._process is not None
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            await self._process.wait()
        self._close_log()

    async def wait(self, within: float) -> int:
        assert self._process is not None
        code = await asyncio.wait_for(self._process.wait(), within)
        self._close_log()
        return code

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
