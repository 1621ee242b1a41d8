"""Which legday the reminder benchmarks run: this checkout, or another one (`--bot-project`),
so that the same benchmark code measures an older engine and the new one."""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import ours
from benchmarks.processes import PROJECT
from fakediscord import FakeDiscord

RATE_LIMIT_KINDS = ("global_rate_limit_exceeded", "rate_limit_exceeded")


@dataclass(frozen=True, slots=True)
class BotUnderTest:
    project: str  # the checkout whose `bot` package runs, with its own .venv
    settings: dict[str, str] = field(default_factory=dict)  # LEGDAY_* set on purpose

    def command(self) -> list[str]:
        if Path(self.project).resolve() == Path(PROJECT).resolve():
            return ours.ours_bot_command()
        return ours.project_bot_command(self.project)

    def label(self) -> str:
        done = subprocess.run(
            ["git", "-C", self.project, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
        commit = done.stdout.strip() or "unknown commit"
        where = "this checkout" if Path(self.project).resolve() == Path(PROJECT) else self.project
        changed = " ".join(f"{k}={v}" for k, v in sorted(self.settings.items()))
        return f"legday {commit} ({where}){', ' + changed if changed else ''}"


def add_bot_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bot-project",
        metavar="DIR",
        default=PROJECT,
        help="run the bot from this legday checkout (its .venv); default: this one",
    )
    parser.add_argument(
        "--bot-env",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="one more setting for the bot, e.g. LEGDAY_LOOP_LAG_WARN_MS=20 (repeatable)",
    )
    parser.add_argument(
        "--sends-per-second",
        metavar="N",
        help="set LEGDAY_REMINDER_SENDS_PER_SECOND for the bot (default: the bot's own)",
    )


def bot_from_arguments(args: argparse.Namespace, **settings: str) -> BotUnderTest:
    if not (Path(args.bot_project) / "bot").is_dir():
        raise SystemExit(f"--bot-project {args.bot_project}: no bot/ package there")
    for pair in args.bot_env:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--bot-env {pair!r}: expected KEY=VALUE")
        settings[key] = value
    if args.sends_per_second is not None:
        settings["LEGDAY_REMINDER_SENDS_PER_SECOND"] = args.sends_per_second
    return BotUnderTest(str(Path(args.bot_project).resolve()), settings)


def rate_limited_since(fd: FakeDiscord, violations_before: int) -> dict[str, int]:
    """429s the local Discord answered since then, by kind (global, per route)."""
    found = dict.fromkeys(RATE_LIMIT_KINDS, 0)
    for violation in fd.violations[violations_before:]:
        if violation.kind in found:
            found[violation.kind] += 1
    return found


async def wait_until(condition: Callable[[], bool], within: float, step: float = 0.05) -> bool:
    """Poll `condition` until it holds (True) or `within` seconds pass (False)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(step)
    return True


async def gateway_drained(fd: FakeDiscord, within: float) -> bool:
    """Whether every event queued for the connected bot (READY, the GUILD_CREATEs) has
    been written to its socket within `within` seconds."""
    hub = fd.emulator.hub

    def drained() -> bool:
        sessions = hub.connected_sessions()
        return bool(sessions) and all(
            s.connection is not None and s.connection.queue.empty() for s in sessions
        )

    return await wait_until(drained, within)
