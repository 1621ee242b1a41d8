"""Where the sandbox's lines come from: a script (file or piped), or the prompt."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, History, InMemoryHistory


def _read(path: Path | None) -> bytes:
    return path.read_bytes() if path else sys.stdin.buffer.read()


async def script_lines(path: Path | None) -> AsyncIterator[str]:
    """The script's lines; bytes that aren't UTF-8 stay visible to `check_line` (as
    surrogates) so that line is refused instead of the whole script."""
    data = await asyncio.to_thread(_read, path)
    for raw in data.splitlines():
        yield raw.decode("utf-8", errors="surrogateescape")


def history_path() -> Path:
    """One history for every run, like a shell's: the demo server is the same each time.
    It lives in the user's state folder (XDG), not beside `--db`, because most runs use a
    throw-away database and still deserve their arrow-up."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "legday" / "sandbox-history"


def open_history() -> History:
    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError:  # a read-only home: editing still works, history lasts one run
        return InMemoryHistory()
    return FileHistory(str(path))


async def prompt_lines(prompt: Callable[[], str], history: History) -> AsyncIterator[str]:
    """Lines typed at an editing prompt; Ctrl-D and Ctrl-C end the session."""
    session: PromptSession[str] = PromptSession(history=history)
    while True:
        try:
            line = await session.prompt_async(prompt)
        except (EOFError, KeyboardInterrupt):
            return
        yield line
