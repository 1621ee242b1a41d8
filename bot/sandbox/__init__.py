"""`legday sandbox`: try the bot locally with no Discord account and no token."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from pathlib import Path

from bot.settings import Settings


def run_sandbox(settings: Settings, *, script: Path | None, database: Path | None) -> int:
    from bot.sandbox.chat import Sandbox, prompt_lines, script_lines

    logging.basicConfig(level=logging.ERROR)
    sandbox = Sandbox(settings, sys.stdout, database)
    interactive = script is None and sys.stdin.isatty()
    lines = prompt_lines(sandbox) if interactive else script_lines(script)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(sandbox.run(lines, interactive=interactive))
    return 0
