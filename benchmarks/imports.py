"""What importing each dependency costs in resident memory, each in a fresh interpreter.

`python -m benchmarks.imports` prints the breakdown on its own; `benchmarks.memory` prints
it after the bots' figures.
"""

from __future__ import annotations

import subprocess
import sys

from benchmarks.measure import table
from benchmarks.processes import PROJECT

# (what, the import statement); the statements name what the serving code really imports.
DEPENDENCIES = (
    ("discord.py (discord.ext.commands)", "import discord.ext.commands"),
    ("sqlite3 (standard library)", "import sqlite3"),
)
# Installed, but never imported by a SQLite bot: a due migration runs in a child process,
# and SQLAlchemy carries the store only on PostgreSQL.
NOT_LOADED = (
    ("SQLAlchemy + its asyncio extension", "import sqlalchemy, sqlalchemy.ext.asyncio"),
    ("Alembic (command, config)", "import alembic.command, alembic.config"),
)
ALL_DEPENDENCIES = "\n".join(statement for _, statement in DEPENDENCIES)
# Everything `python -m bot run` imports before it connects (the cogs load in setup_hook).
LEGDAY = "import bot.__main__, bot.runner, cogs.legday, cogs.admin, cogs.errors"

_REPORT = (
    "\nfor _line in open('/proc/self/status'):\n"
    "    if _line.startswith('VmRSS:'):\n"
    "        print(_line.split()[1])\n"
)


def rss_after(statement: str) -> int:
    """KiB resident in a fresh `python -c` after running `statement`."""
    done = subprocess.run(
        [sys.executable, "-c", statement + _REPORT],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT,
    )
    return int(done.stdout.split()[-1])


def breakdown() -> str:
    bare = rss_after("pass")
    rows = [["python itself", f"{bare / 1024:.1f}", ""]]

    def row(name: str, statement: str) -> None:
        kib = rss_after(statement)
        rows.append([name, f"{kib / 1024:.1f}", f"+{(kib - bare) / 1024:.1f}"])

    for name, statement in DEPENDENCIES:
        row(name, statement)
    row("all of the above together", ALL_DEPENDENCIES)
    row("legday: everything `bot run` imports", LEGDAY)
    for name, statement in NOT_LOADED:
        row(f"(not loaded by legday on SQLite) {name}", statement)
    row("a default discord.py bot (import discord)", "import discord, discord.ext.commands")
    note = (
        "legday's own modules (and what only they pull in) = the legday row minus 'all of "
        "the above together'.\nRows overlap: a shared library (libssl, libsqlite3, aiohttp) "
        "counts in every row that loads it."
    )
    return table(["import, fresh interpreter", "RSS MiB", "over python"], rows) + "\n" + note


if __name__ == "__main__":
    print(breakdown())
