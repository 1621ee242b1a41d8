"""`legday sandbox`: try the bot locally with no Discord account and no token."""

from __future__ import annotations

import asyncio
import io
import logging
import shutil
import sys
import tempfile
from pathlib import Path

from bot.config import Config


def run_sandbox(settings: Config, *, script: Path | None, database: Path | None) -> int:
    if script is not None and not script.is_file():
        print(f"legday sandbox: there is no script file {script}", file=sys.stderr)
        return 2
    if isinstance(sys.stdout, io.TextIOWrapper):
        # Whatever the terminal's encoding, a character it can't show is no crash.
        sys.stdout.reconfigure(errors="replace")
    folder = Path(tempfile.mkdtemp(prefix="legday-sandbox-"))
    # Library logs go to a file: the terminal shows the chat and the sandbox's own words.
    logging.basicConfig(
        level=logging.WARNING, filename=folder / "sandbox.log", format="%(name)s: %(message)s"
    )
    interactive = script is None and sys.stdin.isatty() and sys.stdout.isatty()
    code, keep = 0, False
    try:
        code, keep = asyncio.run(
            _session(settings, script, database, folder, interactive=interactive)
        )
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C or kill: all was stopped
        print("\n(interrupted; the bot has stopped; bye)", flush=True)
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return code


async def _session(
    settings: Config,
    script: Path | None,
    database: Path | None,
    folder: Path,
    *,
    interactive: bool,
) -> tuple[int, bool]:
    """One session: its exit code, and whether to keep its logs."""
    from sandbox.chat import Sandbox
    from sandbox.lines import open_history, prompt_lines, script_lines

    if not interactive:
        sandbox = Sandbox(settings, sys.stdout, database, folder)
        code = await sandbox.run(script_lines(script), echo=True)
        return code, sandbox.keep_folder
    from prompt_toolkit.patch_stdout import patch_stdout

    with patch_stdout(raw=True):  # the bot's messages print above the prompt being edited
        sandbox = Sandbox(settings, sys.stdout, database, folder)
        code = await sandbox.run(prompt_lines(sandbox.prompt, open_history()), echo=False)
        sandbox.transcript.say("(the bot has stopped; bye)")
        return code, sandbox.keep_folder
