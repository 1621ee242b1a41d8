"""Command line: `python -m bot [run | db upgrade | db backup FILE | health | sandbox]`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bot.settings import Settings, SettingsError, load_settings

EXIT_CONFIG = 2

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="legday", description="The leg-day Discord bot.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="connect to Discord and serve (the default)")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations and exit")
    backup = db_sub.add_parser("backup", help="copy a SQLite database safely while the bot runs")
    backup.add_argument("target", type=Path, help="file to write the copy to")
    sub.add_parser("health", help="exit 0 when the running bot reported in recently")
    sandbox = sub.add_parser("sandbox", help="try the bot locally, no Discord account needed")
    sandbox.add_argument("--script", type=Path, help="run the commands in FILE, print the chat")
    sandbox.add_argument("--db", type=Path, help="SQLite file to keep (default: a throw-away one)")
    return parser


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # discord.py's gateway chatter and Alembic's plugin list are noise at INFO.
    quiet = max(logging.getLevelName(level), logging.WARNING)
    for name in ("discord.gateway", "alembic"):
        logging.getLogger(name).setLevel(quiet)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "sandbox":
            from bot.sandbox import run_sandbox

            database = args.db.absolute() if args.db else None
            return run_sandbox(settings, script=args.script, database=database)
        configure_logging(settings.log_level)
        if args.command == "db":
            from bot import runner

            if args.db_command == "upgrade":
                return asyncio.run(runner.upgrade_only(settings))
            return asyncio.run(runner.backup(settings, args.target))
        if args.command == "health":
            return _health(settings)
        settings.require_token()  # fail fast, before anything is opened or logged
        from bot import runner

        with contextlib.suppress(KeyboardInterrupt):
            return asyncio.run(runner.run(settings))
        return 0
    except SettingsError as exc:
        print(f"legday: {exc}", file=sys.stderr)
        return EXIT_CONFIG


def _health(settings: Settings, max_age: float = 120.0) -> int:
    if not settings.health_file:
        print("legday: LEGDAY_HEALTH_FILE is not set", file=sys.stderr)
        return EXIT_CONFIG
    try:
        age = time.time() - Path(settings.health_file).stat().st_mtime
    except FileNotFoundError:
        print("unhealthy: the bot has not reported in yet", file=sys.stderr)
        return 1
    if age > max_age:
        print(f"unhealthy: last report {age:.0f}s ago", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
