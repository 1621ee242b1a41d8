"""Command line: `legday [run | commands sync | db upgrade|backup|rebuild-summaries | health |
sandbox]`.

Every failure the admin can act on is one line on stderr and an exit code from
`bot.failures.ExitCode`; the codes are listed in `legday --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, entry_points, version
from pathlib import Path

from bot.config import Config, ConfigError, load_config
from bot.failures import EXIT_CODES_HELP, ExitCode, StartupFailure, os_reason
from bot.logs import configure_logging

log = logging.getLogger("bot")

SANDBOX_MISSING = (
    "the sandbox is not installed here: it comes with a source checkout of legday, not "
    "with the bot (the Docker image has only the bot). In a checkout, run `make sandbox`."
)


def _find_sandbox() -> Callable[..., int] | None:
    """The sandbox's entry, found by its entry point: the bot itself never imports the
    sandbox or the emulator it drives, so an install can leave both out."""
    for entry in entry_points(group="legday.sandbox", name="run"):
        try:
            run: Callable[..., int] = entry.load()
        except ImportError:  # declared, but its package was left out of this install
            return None
        return run
    return None


def _version() -> str:
    try:
        return version("legday")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown (not installed)"


def _server_id(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(
            f"expected a server id (a number, e.g. 123456789012345678), got {text!r}"
        )
    return int(text)


def _run_overrides(args: argparse.Namespace) -> dict[str, str]:
    """`run`'s flags, checked like the settings they stand for."""
    given = {
        "shard_count": getattr(args, "shard_count", None),
        "shard_ids": getattr(args, "shard_ids", None),
    }
    return {name: value for name, value in given.items() if value is not None}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="legday",
        description="The leg-day Discord bot. Config come from the environment or .env.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"legday {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="connect to Discord and serve (the default)")
    run.add_argument(
        "--shard-count",
        metavar="N",
        help="the bot's number of shards (LEGDAY_SHARD_COUNT)",
    )
    run.add_argument(
        "--shard-ids",
        metavar="IDS",
        help="the shards this process holds, e.g. 0,1 or 0-3 (LEGDAY_SHARD_IDS)",
    )
    commands = sub.add_parser("commands", help="sync [--guild ID]: publish the slash commands")
    commands_sub = commands.add_subparsers(dest="commands_command", required=True)
    sync = commands_sub.add_parser(
        "sync",
        help="publish the slash commands over HTTP (no gateway) and exit",
        description="Publish the slash commands globally, or instantly to one server.",
    )
    sync.add_argument(
        "--guild", type=_server_id, metavar="ID", help="publish to this server only (instant)"
    )
    db = sub.add_parser(
        "db", help="upgrade | backup PATH | rebuild-summaries: database maintenance"
    )
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations and exit")
    db_sub.add_parser(
        "rebuild-summaries",
        help="recompute every leaderboard and streak summary from the check-ins",
    )
    backup = db_sub.add_parser(
        "backup", help="a verified copy of the SQLite database, safe while the bot runs"
    )
    backup.add_argument("target", type=Path, metavar="PATH", help="file to write the copy to")
    copy = db_sub.add_parser(
        "copy-to",
        help="copy every row of the SQLite database into an empty PostgreSQL one "
        "(stop the bot first)",
    )
    copy.add_argument("target_url", metavar="URL", help="postgresql://USER:PASSWORD@HOST/DB")
    sub.add_parser(
        "health",
        help="exit 0 when the running bot is healthy (its /healthz with LEGDAY_HTTP_PORT, "
        "else its health file)",
    )
    sandbox = sub.add_parser("sandbox", help="try the bot locally, no Discord account needed")
    sandbox.add_argument("--script", type=Path, help="run the commands in FILE, print the chat")
    sandbox.add_argument("--db", type=Path, help="SQLite file to keep (default: a throw-away one)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_config(**_run_overrides(args))
        if args.command == "sandbox":
            run_sandbox = _find_sandbox()
            if run_sandbox is None:
                return _fail(SANDBOX_MISSING, ExitCode.CONFIGURATION)
            database = args.db.absolute() if args.db else None
            return run_sandbox(settings, script=args.script, database=database)
        configure_logging(settings.log_level)
        return _dispatch(args, settings)
    except ConfigError as exc:
        return _fail(str(exc), ExitCode.CONFIGURATION)
    except StartupFailure as exc:
        return _fail(str(exc), exc.exit_code)
    except Exception as exc:
        # A bug, not the admin's doing: the details are in the log at DEBUG.
        log.debug("unexpected error", exc_info=exc)
        return _fail(
            f"unexpected error ({type(exc).__name__}); run with LEGDAY_LOG_LEVEL=DEBUG "
            "for the details",
            ExitCode.UNEXPECTED,
        )


def _dispatch(args: argparse.Namespace, settings: Config) -> int:
    if args.command == "db":
        if args.db_command == "upgrade":
            from bot import runner

            return asyncio.run(runner.upgrade_only(settings))
        if args.db_command == "copy-to":
            from bot.copy_database import copy_to

            print(asyncio.run(copy_to(settings, args.target_url)))
            return ExitCode.OK
        if args.db_command == "rebuild-summaries":
            from bot import runner

            print(asyncio.run(runner.rebuild_summaries(settings)))
            return ExitCode.OK
        from bot.backup import backup

        print(backup(settings, args.target))
        return ExitCode.OK
    if args.command == "commands":
        from bot.publish import sync_commands

        # A one-shot command answers with its one line; discord.py's "logging in" is noise.
        quiet = max(logging.getLevelName(settings.log_level), logging.WARNING)
        logging.getLogger("discord").setLevel(quiet)

        print(asyncio.run(sync_commands(settings, args.guild)))
        return ExitCode.OK
    if args.command == "health":
        return _health(settings)
    settings.require_token()  # fail fast, before anything is opened or logged
    from bot import runner

    # The runner handles SIGINT itself; this covers a Ctrl-C before it is listening.
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(runner.run(settings))
    return ExitCode.OK


def _fail(message: str, code: ExitCode) -> int:
    print(f"legday: {message}", file=sys.stderr)
    return code


def _health(settings: Config, max_age: float = 120.0) -> int:
    if settings.http_port is not None:
        return _health_over_http(settings)
    if not settings.health_file:
        return _fail("LEGDAY_HEALTH_FILE is not set", ExitCode.CONFIGURATION)
    try:
        age = time.time() - Path(settings.health_file).stat().st_mtime
    except FileNotFoundError:
        print("unhealthy: the bot has not reported in yet", file=sys.stderr)
        return ExitCode.UNEXPECTED
    if age > max_age:
        print(f"unhealthy: last report {age:.0f}s ago", file=sys.stderr)
        return ExitCode.UNEXPECTED
    return ExitCode.OK


def _health_over_http(settings: Config, timeout: float = 5.0) -> int:
    """Ask the running bot's /healthz (LEGDAY_HTTP_PORT): 200 is healthy."""
    import json
    import urllib.error
    import urllib.request

    host = settings.http_host
    if host in ("0.0.0.0", "::", "[::]"):  # listening everywhere: loopback reaches it
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    url = f"http://{host}:{settings.http_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
        return ExitCode.OK
    except urllib.error.HTTPError as error:
        try:
            report = json.loads(error.read())
        except ValueError:
            report = {}
        print(f"unhealthy: {_health_problems(report) or f'HTTP {error.code}'}", file=sys.stderr)
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        why = os_reason(reason) if isinstance(reason, OSError) else "no answer"
        print(f"unhealthy: {url} does not answer ({why})", file=sys.stderr)
    return ExitCode.UNEXPECTED


def _health_problems(report: object) -> str:
    """What /healthz says is wrong, in a few words."""
    if not isinstance(report, dict):
        return ""
    problems = []
    if report.get("ready") is False:
        problems.append("not connected to Discord")
    if report.get("scheduler_running") is False:
        problems.append("reminders not running")
    database = report.get("database")
    if isinstance(database, dict) and database.get("reachable") is False:
        problems.append(f"database unreachable: {database.get('problem', 'no answer')}")
    return "; ".join(problems)


if __name__ == "__main__":
    sys.exit(main())
