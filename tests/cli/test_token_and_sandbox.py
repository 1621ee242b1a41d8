"""The token never reaches a log, and the newcomer's sandbox works end to end."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import open_stage

pytestmark = pytest.mark.e2e


async def test_token_never_appears_in_debug_logs(tmp_path: Path):
    async for e2e in open_stage(tmp_path, env={"LEGDAY_LOG_LEVEL": "DEBUG"}):
        member = e2e.member("lifter")
        await e2e.fd.say(member, e2e.gym, "!legday squats")
        await e2e.fd.next_message(e2e.gym)
        await e2e.fd.slash(member, e2e.gym, "legday top")
        token = e2e.fd.bot_token
        log_path = e2e.stage.bot.log_path
    log = log_path.read_text()
    assert "DEBUG" in log  # the check means something only if debug logging was on
    assert token not in log
    assert token.split(".")[0] not in log  # not even the id part


def test_sandbox_script_prints_a_readable_transcript(tmp_path: Path):
    script = tmp_path / "demo.txt"
    script.write_text(
        "\n".join(
            [
                "# a comment line is skipped",
                ":as bob",
                "!legday stats @alice",
                "!legday forget",
                ":click 1",
                ":as alice",
                "!legday front squats",
                "/legday top period:week",
                "!legday schedule list",
            ]
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--script", str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr + out
    assert "a comment line" not in out
    assert "alice in #gym> !legday front squats" in out
    assert "Leg day logged" in out
    # The demo server has history: the board is full of members, shown by name.
    board = re.findall(r"^  │ (?:🥇|🥈|🥉|\*?\*?\d+\.) @(\w+) · (\d+) days?$", out, re.MULTILINE)
    assert len(board) >= 5 and "alice" in dict(board)
    assert "<@" not in out  # mentions rendered as names
    assert "[1] Delete my data   [2] Cancel" in out  # buttons as numbered choices
    assert re.search(r"Done: deleted your settings and [1-9]\d* check-ins", out)  # the click
    assert "Mon, Thu at 18:00 (UTC) in #gym, pings @lifters" in out  # the demo schedule
    assert "Traceback" not in out + result.stderr


def test_the_sandbox_missing_from_an_install_says_where_to_get_it():
    """As in the Docker image: the sandbox's entry point is declared, its package absent."""
    hide = (
        "import sys; sys.modules['sandbox'] = None; "  # None makes `import sandbox` fail
        "from bot.__main__ import main; sys.exit(main(['sandbox']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", hide], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "the sandbox is not installed here" in done.stderr
    assert "make sandbox" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
