"""`python -m benchmarks.checkin_paths`: what one check-in costs, by what it carries.

Times the `check_in` use case (bot/usecases/checkins.py) in-process on a real SQLite
store made by the migrations (or, with `--database postgresql`, a scratch PostgreSQL
database on the server of `--postgres-url` or LEGDAY_TEST_POSTGRES_URL), for fresh
members (their first check-in), one at a time:

- no note;
- a plain note ("felt great");
- a lifts note (three exercises, parsed and stored as sets with their records);
- the lifts note on a server with three milestone roles, where the check-in reaches the
  first one (claimed in the check-in's transaction; the role keeper's Discord side is a
  recording fake);
- no note on that milestone server (the roles' share without the lifts').

Baseline: the bare insert of the check-in row with its note, in one unit of work of the
same store (no settings read, no summaries, no lifts, no roles): the floor every
check-in pays for the trip to the database thread and the commit, so "over the floor"
is what the bot's own work adds.

Why it is fair: every case runs on the same store, on members who have never checked in
(the settings cache misses each time, as for a member's first check-in of a while), and
the cases are interleaved (one member of each case in turn, the order rotating), so a
busy moment of the shared machine falls on all of them alike. Each run checks that every
case stored what it should (one check-in each, three lift sets each for the lifts note,
one claimed role each on the milestone server, which the recording keeper was asked to
apply).

Run from an older checkout (its `bot` on the import path), the cases that checkout has
no feature for are left out: a checkout without milestone roles has no milestone cases,
and one without lifts stores the lifts note as a plain note (so that case is then the
same work as the plain note, and the comparison with the newer checkout shows what
reading the lifts adds).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import ours
from benchmarks.arguments import QUICK_NOTE, at_least
from benchmarks.measure import CheckFailed, percentile, require, table
from benchmarks.postgres import SKIP_LINE, Backends, add_database_arguments, fresh_database
from benchmarks.postgres import server_url as postgres_server
from bot.store.sql import checkins as checkins_sql
from bot.usecases.cache import SettingsCache
from bot.usecases.checkins import check_in
from bot.usecases.quote_book import QuoteBook
from bot.usecases.services import Services

NOW = datetime(2026, 12, 2, 18, 30, tzinfo=UTC)
PLAIN_NOTE = "felt great"
LIFTS_NOTE = "squat 5x5 100kg, RDL 4x10 135lb, leg press 3x12 200"
LIFTS_IN_NOTE = 3
MILESTONE_WEEKS = (1, 4, 12)  # a fresh member's first check-in makes a 1-week streak
BASELINE = "bare insert (floor)"
WARMUP = 30  # members per case before timing: statements prepared, caches of the server

HAS_LIFTS = importlib.util.find_spec("bot.store.sql.lifts") is not None
HAS_MILESTONES = importlib.util.find_spec("bot.usecases.milestones") is not None


class RecordingRoles:
    """The role keeper without Discord: remembers whom it was asked to bring in step."""

    def __init__(self) -> None:
        self.applied: list[tuple[int, int]] = []

    def apply(self, guild_id: int, user_id: int) -> None:
        self.applied.append((guild_id, user_id))

    def sweep(self) -> None:
        return None

    def take_away(self, guild_id: int, user_id: int, role_ids: list[int]) -> None:
        return None


class NoCelebrations:
    """The weekly poster: the benchmark's servers have no goal, so nothing is posted."""

    def celebrate(self, guild_id: int, monday: object, channel_id: int) -> None:
        raise CheckFailed("a server without a goal was celebrated")

    async def rearm(self, guild: object) -> None:
        return None

    async def post_test_recap(self, guild: object, channel_id: int) -> int:
        return 0


@dataclass
class Case:
    name: str
    guild_id: int
    note: str | None
    milestones: bool = False
    baseline: bool = False
    samples_us: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)  # the process's CPU time, all threads
    members: list[int] = field(default_factory=list)


def cases(milestones: bool = True) -> list[Case]:
    found = [
        Case(BASELINE, 100, LIFTS_NOTE, baseline=True),
        Case("no note", 101, None),
        Case(f"plain note ({PLAIN_NOTE!r})", 102, PLAIN_NOTE),
        Case("lifts note (3 exercises)", 103, LIFTS_NOTE),
    ]
    if HAS_MILESTONES and milestones:
        found += [
            Case("lifts note, 3 milestones, 1 reached", 104, LIFTS_NOTE, milestones=True),
            Case("no note, 3 milestones, 1 reached", 105, None, milestones=True),
        ]
    return found


def _services(store: Any, roles: RecordingRoles) -> Services:
    settings: dict[str, Any] = {
        "store": store,
        "cache": SettingsCache(),
        "quotes": QuoteBook(store),
        "timers": None,  # a check-in arms no reminder
        "now": lambda: NOW,
        "default_zone": "UTC",
        "weekly": NoCelebrations(),
    }
    if "roles" in {f.name for f in dataclasses.fields(Services)}:
        settings["roles"] = roles
    return Services(**settings)


async def _add_milestones(services: Services, guild_id: int) -> None:
    from bot.usecases import milestones

    for weeks in MILESTONE_WEEKS:
        await milestones.add(
            services,
            guild_id,
            weeks,
            role_id=guild_id * 1000 + weeks,
            remove_on_break=True,
            problem=None,
        )


def _timed_call(services: Services, case: Case, user_id: int) -> Callable[[], Awaitable[Any]]:
    if case.baseline:
        return lambda: services.store.run(
            lambda tx: checkins_sql.insert(
                tx,
                case.guild_id,
                user_id,
                NOW.date(),
                created_at=NOW,
                note=case.note,
                source="command",
            )
        )
    return lambda: check_in(services, case.guild_id, user_id, note=case.note, source="command")


async def _one(services: Services, case: Case, user_id: int, *, timed: bool) -> None:
    call = _timed_call(services, case, user_id)
    started, cpu_started = time.perf_counter(), time.process_time()
    outcome = await call()
    elapsed = (time.perf_counter() - started) * 1e6
    cpu = (time.process_time() - cpu_started) * 1e6
    if case.baseline:
        require(outcome is True, f"{case.name}: member {user_id} was not inserted")
    else:
        require(outcome.created, f"{case.name}: member {user_id}'s check-in was not new")
        if case.milestones:
            earned = [change.weeks for change in outcome.earned]
            require(earned == [1], f"{case.name}: member {user_id} earned {earned}, not [1]")
    case.members.append(user_id)
    if timed:
        case.samples_us.append(elapsed)
        case.cpu_us.append(cpu)


async def _stored(store: Any, sql: str, **params: Any) -> int:
    found: int = await store.read(lambda tx: tx.scalar(sql, params))
    return found


async def _check_stored(store: Any, all_cases: list[Case], roles: RecordingRoles) -> None:
    for case in all_cases:
        count = len(case.members)
        stored = await _stored(
            store, "SELECT COUNT(*) FROM checkins WHERE guild_id = :g", g=case.guild_id
        )
        require(stored == count, f"{case.name}: {stored} check-ins stored for {count} members")
        if HAS_LIFTS:
            sets = await _stored(
                store, "SELECT COUNT(*) FROM lift_sets WHERE guild_id = :g", g=case.guild_id
            )
            wanted = count * LIFTS_IN_NOTE if case.note == LIFTS_NOTE and not case.baseline else 0
            require(sets == wanted, f"{case.name}: {sets} lift sets stored, expected {wanted}")
        if case.milestones:
            asked = sum(1 for guild, _ in roles.applied if guild == case.guild_id)
            require(asked == count, f"{case.name}: roles applied {asked} times for {count}")
    others = [
        g for g, _ in roles.applied if g not in {c.guild_id for c in all_cases if c.milestones}
    ]
    require(not others, f"roles applied on servers without milestones: {others[:3]}")


@dataclass
class ServerSide:
    """PostgreSQL's own CPU over the timed check-ins (NaN on SQLite: it is in "CPU")."""

    cpu_seconds: float = float("nan")
    checkins: int = 0


async def run(
    members: int,
    milestones: bool = True,
    postgres: str | None = None,
    server: ServerSide | None = None,
) -> list[Case]:
    """Every case on a fresh SQLite file, or on a scratch database of the PostgreSQL
    server `postgres`; `server` gets PostgreSQL's CPU."""
    async with contextlib.AsyncExitStack() as stack:
        if postgres is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="legday-checkin-paths-"))
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bot.db'}"
        else:
            url = await stack.enter_async_context(fresh_database(postgres, "legday_paths"))
        return await _run_on(url, members, milestones, server or ServerSide(), postgres is not None)


async def _run_on(
    url: str, members: int, milestones: bool, server: ServerSide, postgres: bool
) -> list[Case]:
    async with contextlib.AsyncExitStack() as stack:
        backends = await stack.enter_async_context(Backends(url)) if postgres else None
        store = await ours.ours_open_store(url)
        try:
            roles = RecordingRoles()
            services = _services(store, roles)
            all_cases = cases(milestones)
            for case in all_cases:
                if case.milestones:
                    await _add_milestones(services, case.guild_id)
            next_user = 1
            cpu_before: dict[int, float] = {}
            for i in range(WARMUP + members):
                if i == WARMUP and backends is not None:
                    cpu_before = await backends.cpu()
                # One member of each case in turn; the order rotates so that no case is
                # always first after another's commit.
                shift = i % len(all_cases)
                for case in all_cases[shift:] + all_cases[:shift]:
                    await _one(services, case, next_user, timed=i >= WARMUP)
                    next_user += 1
                if i % 500 == 0:
                    gc.collect()  # a collection lands between members, not inside one
            if backends is not None:
                server.cpu_seconds = Backends.spent(cpu_before, await backends.cpu())
                server.checkins = members * len(all_cases)
            await _check_stored(store, all_cases, roles)
        finally:
            await ours.ours_close_store(store)
    return all_cases


def report(all_cases: list[Case]) -> str:
    floor = next(c for c in all_cases if c.baseline)
    floor_p50 = percentile(floor.samples_us, 0.5)
    floor_cpu = statistics.fmean(floor.cpu_us)
    rows = []
    for case in all_cases:
        p50 = percentile(case.samples_us, 0.5)
        p95 = percentile(case.samples_us, 0.95)
        cpu = statistics.fmean(case.cpu_us)
        rows.append(
            [
                case.name,
                f"{p50:.0f} us",
                f"{p95:.0f} us",
                "" if case.baseline else f"+{p50 - floor_p50:.0f} us",
                f"{p50 / floor_p50:.2f}x",
                f"{cpu:.0f} us",
                "" if case.baseline else f"+{cpu - floor_cpu:.0f} us",
                str(len(case.samples_us)),
            ]
        )
    headers = ["case", "p50", "p95", "p50 over floor", "p50 / floor", "CPU mean", "CPU over floor"]
    return "\n".join(
        [
            table([*headers, "members"], rows),
            "CPU: the process's CPU time (event loop and database thread) per check-in, "
            "which other processes on the machine do not inflate",
        ]
    )


def main(members: int, milestones: bool = True, postgres: str | None = None) -> int:
    features = [name for name, has in (("lifts", HAS_LIFTS), ("milestones", HAS_MILESTONES)) if has]
    import bot

    where = "SQLite" if postgres is None else "PostgreSQL (a scratch database)"
    print(
        f"check_in on a migrated {where} store, {members} fresh members per case, interleaved "
        f"(bot from {Path(bot.__file__).parent.parent}; features: {', '.join(features) or 'none'})"
    )
    server = ServerSide()
    try:
        all_cases = asyncio.run(run(members, milestones, postgres, server))
    except CheckFailed as exc:
        print(f"check failed: {exc}", file=sys.stderr)
        return 1
    print(report(all_cases))
    if postgres is not None:
        per = server.cpu_seconds * 1e6 / server.checkins if server.checkins else float("nan")
        print(
            f"PostgreSQL's server processes: {per:.0f} us CPU per timed check-in, all cases "
            "together (not in the CPU column, which is this process's)"
        )
    print("checks passed: every case stored one check-in per member", end="")
    print(", the lifts note's sets" if HAS_LIFTS else "", end="")
    print(", one claimed milestone role each" if HAS_MILESTONES and milestones else "")
    return 0


def _cli() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.checkin_paths",
        description="what one check-in costs in-process: no note, a note, lifts, milestones",
    )
    parser.add_argument(
        "--members", type=at_least(1), default=3000, help="fresh members per case (3000)"
    )
    parser.add_argument("--quick", action="store_true", help="20 members per case: checks only")
    parser.add_argument(
        "--no-milestones",
        action="store_true",
        help="leave the milestone cases out (the same writes per round as a checkout without them)",
    )
    add_database_arguments(parser, "the store to time")
    args = parser.parse_args()
    if args.quick:
        print(QUICK_NOTE, flush=True)
    postgres = None
    if args.database == "postgresql":
        postgres = postgres_server(args.postgres_url)
        if postgres is None:
            print(SKIP_LINE)
            sys.exit(0)
    members = 20 if args.quick else args.members
    sys.exit(main(members, milestones=not args.no_milestones, postgres=postgres))


if __name__ == "__main__":
    _cli()
