"""The sandbox end to end: a script against the real bot process and the demo server."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.config import Config
from sandbox.chat import REPLY_TIMEOUT, Sandbox

pytestmark = pytest.mark.e2e

PROMPT = re.compile(r"^\w+ in #\w+> ", re.MULTILINE)

# Lines a newcomer (or a cat on the keyboard) types; each gets one line of feedback.
HOSTILE = [
    "/nonexistent",
    "/legday top period:",
    "/legday top period:bogus",
    '/legday checkin note:"unclosed',
    "/legday",
    "/",
    "/legday stats member:@nobody",
    "/legday stats member:#gym",
    "/legday undo right now",
    ":click 99",
    ":click x",
    ":click",
    ":as nobody",
    ":as",
    ":in",
    ":in #nowhere",
    ":wait forever",
    ":wait -1",
    ":remind-in abc",
    ":remind-in 999",
    ":",
    ":frobnicate",
    "x" * 5000,
    "nul \x00 byte",
    "escape \x1b[2J sequence",
]
IGNORED = ["@", "#", "@@@ ###", "hello 👋 ‮rtl‬ z͑͗a͗l͐g͆o"]


def run_script(tmp_path: Path, lines: list[str | bytes], *extra: str, name: str = "script.txt"):
    script = tmp_path / name
    script.write_bytes(b"\n".join(ln if isinstance(ln, bytes) else ln.encode() for ln in lines))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--script", str(script), *extra],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result


def answers(out: str) -> dict[str, str]:
    """What followed each echoed line, keyed by the line (as echoed)."""
    parts = PROMPT.split(out)[1:]
    found = {}
    for part in parts:
        line, _, answer = part.partition("\n")
        found[line] = answer
    return found


def test_hostile_lines_get_one_line_of_feedback_and_the_session_goes_on(tmp_path: Path):
    # The last line has a byte that isn't UTF-8: it must not take the whole script down.
    result = run_script(tmp_path, [*HOSTILE, *IGNORED, "!legday after all that", b"bad \xff"])
    replies = list(answers(result.stdout).values())
    assert len(replies) == len(HOSTILE) + len(IGNORED) + 2
    for line, reply in zip(HOSTILE, replies, strict=False):
        assert reply.count("\n") == 1 and reply.startswith("! "), (line, reply)
    for line, reply in zip(IGNORED, replies[len(HOSTILE) :], strict=False):
        assert reply == "  (no answer: legday reacts to !legday … and /legday …)\n", (line, reply)
    assert "Leg day logged" in replies[len(HOSTILE) + len(IGNORED)]
    assert replies[-1] == "! that line is not valid text (UTF-8); nothing was sent\n"
    assert "\x00" not in result.stdout and "\x1b" not in result.stdout  # echoed harmlessly
    for internal in ("Error", "Exception", "object at", "<User", "<Channel", "codec"):
        assert internal not in result.stdout


def test_a_kept_database_is_the_same_server_next_time(tmp_path: Path):
    db = tmp_path / "keep.db"
    first = run_script(
        tmp_path,
        [":as zoe", "!legday my very first", ":remind-in 30", "/legday top period:all"],
        "--db",
        str(db),
        name="first.txt",
    )
    second = run_script(
        tmp_path,
        [
            ":as zoe",
            "!legday again",
            "/legday top period:all",
            ":as alice",
            "!legday schedule list",
        ],
        "--db",
        str(db),
        name="second.txt",
    )
    once, again = answers(first.stdout), answers(second.stdout)
    assert "Total: 1 leg day" in once["!legday my very first"]
    assert "Total: 1 leg day" in again["!legday again"]  # the same zoe
    assert "Leg day logged" not in again["!legday again"]
    schedules = again["!legday schedule list"]
    assert "#1 Mon, Thu at 18:00 (UTC) in #gym, pings @lifters" in schedules
    assert "#2 " in schedules and "#3" not in schedules  # kept, and not seeded twice
    board = "/legday top period:all"
    assert once[board] == again[board]  # same members, same history, nothing added


async def test_a_message_the_bot_ignores_does_not_hold_up_the_next_line(
    tmp_path: Path, make_config: Callable[..., Config]
):
    took: dict[str, float] = {}

    async def lines() -> AsyncIterator[str]:
        # The second is a paste of two lines at the prompt: each is handled on its own.
        for line in ["hello everyone", "!legday why\n:who"]:
            started = time.monotonic()
            yield line
            took[line] = time.monotonic() - started

    out = io.StringIO()
    sandbox = Sandbox(make_config(), out, None, tmp_path)
    assert await sandbox.run(lines(), echo=True) == 0
    # The old sandbox waited REPLY_TIMEOUT for an answer that never came.
    assert took["hello everyone"] < REPLY_TIMEOUT / 2, out.getvalue()
    assert "(no answer" in out.getvalue()
    assert "💡" in out.getvalue()
    assert "members (25)" in out.getvalue()


def test_a_missing_script_is_a_one_line_error(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--script", "nowhere.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == "legday sandbox: there is no script file nowhere.txt\n"


async def test_a_bot_that_dies_ends_the_session_and_keeps_its_log(
    tmp_path: Path, make_config: Callable[..., Config]
):
    out = io.StringIO()
    sandbox = Sandbox(make_config(), out, None, tmp_path)

    async def lines() -> AsyncIterator[str]:
        assert sandbox.stage is not None
        await sandbox.stage.kill_bot()  # as if it crashed
        yield "!legday squats"
        yield "!legday never reached"

    assert await sandbox.run(lines(), echo=True) == 1
    assert f"! the bot stopped unexpectedly; its log: {tmp_path}" in out.getvalue()
    assert "never reached" not in out.getvalue()
    assert sandbox.keep_folder and (tmp_path / "bot.log").exists()
