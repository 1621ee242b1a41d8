"""The interactive sandbox in a real terminal (a pty): editing, history, leaving."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[>=]|\r")
UP, CTRL_C, CTRL_D = b"\x1b[A", b"\x03", b"\x04"


class Terminal:
    """`legday sandbox` with a pty as its controlling terminal, as in a real shell."""

    def __init__(self, tmp_path: Path) -> None:
        self.state = tmp_path / "state"
        master, slave = pty.openpty()
        env = {**os.environ, "XDG_STATE_HOME": str(self.state), "TERM": "xterm"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "sandbox"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=tmp_path,
            env=env,
            preexec_fn=_own_terminal,
        )
        os.close(slave)
        self.master = master
        self.seen = b""

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def expect(self, text: str, *, count: int = 1, within: float = 60.0) -> str:
        deadline = time.monotonic() + within
        while self.screen().count(text) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} (x{count}) in:\n{self.screen()}")
            self._read(0.1)
        return self.screen()

    def settle(self, quiet: float = 0.5) -> None:
        """Read until the terminal has been still for `quiet` seconds (the prompt is back)."""
        before = None
        while before != len(self.seen):
            before = len(self.seen)
            self._read(quiet)

    def screen(self) -> str:
        return ANSI.sub(b"", self.seen).decode(errors="replace")

    def _read(self, wait: float) -> None:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the other side closed: the sandbox has exited
            return
        if b"\x1b[6n" in chunk:  # prompt_toolkit asks where the cursor is; answer like xterm
            self.send(b"\x1b[1;1R")
        self.seen += chunk

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def wait(self, within: float = 30.0) -> int:
        deadline = time.monotonic() + within
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"still running after {within}s:\n{self.screen()}")
            self._read(0.1)
        return self.process.returncode

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def _own_terminal() -> None:
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    # As a shell starts a program in the foreground: Ctrl-C interrupts it. Tests started
    # in the background (`make test &`, some CI runners) have SIGINT ignored, and an
    # ignored signal stays ignored across exec, so the sandbox would never see the Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    started = Terminal(tmp_path)
    try:
        yield started
    finally:
        started.close()


def assert_left_cleanly(terminal: Terminal, bot_pids: list[int]) -> None:
    assert terminal.wait() == 0, terminal.screen()
    assert "Traceback" not in terminal.screen()
    for pid in bot_pids:  # the bot process went with the sandbox, not left behind
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_arrow_up_recalls_a_line_and_ctrl_d_leaves(terminal: Terminal):
    terminal.expect("alice in #gym>")
    bots = terminal.children()
    assert bots, "the bot process should be running"
    terminal.send(b":who\r")
    terminal.expect("members (25)")
    terminal.settle()
    terminal.send(b"!legday stat")
    terminal.send(b"s\r")
    terminal.expect("Current streak")
    terminal.settle()
    terminal.send(UP + UP + b"\r")  # two lines back: :who again
    terminal.expect("members (25)", count=2)
    terminal.settle()
    terminal.send(CTRL_D)
    assert_left_cleanly(terminal, bots)
    history = (terminal.state / "legday" / "sandbox-history").read_text()
    assert "+:who" in history and "+!legday stats" in history


def test_ctrl_c_at_the_prompt_leaves_at_once(terminal: Terminal):
    terminal.expect("alice in #gym>")
    terminal.settle()
    bots = terminal.children()
    terminal.send(CTRL_C)
    assert_left_cleanly(terminal, bots)


def test_ctrl_c_while_waiting_for_the_bot_leaves_cleanly(terminal: Terminal):
    terminal.expect("alice in #gym>")
    bots = terminal.children()
    terminal.send(b":wait 120\r")
    terminal.expect(":wait 120")
    time.sleep(0.5)
    terminal.send(CTRL_C)
    assert_left_cleanly(terminal, bots)
    assert "interrupted; the bot has stopped" in terminal.screen()
