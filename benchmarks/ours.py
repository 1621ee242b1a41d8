"""Every call the benchmarks make into legday's own code, one small function each.

The benchmarks measure the bot as it is; after a rewrite, point these functions at the
new API and re-run them. Apart from these, `benchmarks/` uses the bot's code only where the
naive side is told to (`naive.py` rebuilds streaks with `bot.core.streaks`).
"""

from __future__ import annotations

import sqlite3
import sys
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from fakediscord import FakeDiscord, Message

# -- the bot process (throughput, memory) ------------------------------------------------------


def ours_bot_command() -> list[str]:
    """How production starts the bot."""
    return [sys.executable, "-m", "bot", "run"]


def ours_bot_env(
    fd: FakeDiscord, database_url: str, *, dev_guild_id: int | None, burst: bool = False
) -> dict[str, str]:
    """The bot's settings for a run against the local Discord: the defaults but logging at
    WARNING, plus for a `burst` no per-member cooldown and no wait for servers after
    connecting."""
    env = {
        "DISCORD_API_BASE": fd.api_base,
        "DISCORD_GATEWAY_URL": fd.gateway_url,
        "DISCORD_TOKEN": fd.bot_token,
        "DATABASE_URL": database_url,
        "LEGDAY_LOG_LEVEL": "WARNING",
    }
    if dev_guild_id is not None:
        env["LEGDAY_DEV_GUILD_ID"] = str(dev_guild_id)  # syncs the slash commands at start
    if burst:
        env["LEGDAY_COOLDOWN_RATE"] = "1000000"
        env["LEGDAY_GUILD_READY_TIMEOUT"] = "0.05"
    return env


def ours_sync_global_command() -> str:
    """What the application's owner types to publish the slash commands everywhere."""
    return "!legday sync global"


def ours_checkin_reply_ok(message: Message) -> bool:
    """Whether a reply is the bot's answer to a first check-in of the day."""
    return bool(message.embeds) and str(message.embeds[0].get("title", "")).startswith(
        "Leg day logged"
    )


def ours_stored_checkins(db_path: Path, guild_id: int) -> dict[int, list[str]]:
    """Every check-in stored in `guild_id`: user id -> how each was made (one entry each).
    Read with sqlite3 after the bot has stopped."""
    found: dict[int, list[str]] = defaultdict(list)
    with closing(sqlite3.connect(db_path)) as conn:
        for user_id, source in conn.execute(
            "SELECT user_id, source FROM checkins WHERE guild_id = ?", (guild_id,)
        ):
            found[int(user_id)].append(str(source))
    return dict(found)


def ours_checkin_sources() -> tuple[str, str]:
    """The `source` the bot records for a `!legday` and for a `/legday checkin`."""
    return "command", "slash"


# -- the store (leaderboard) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckinAnswer:
    """What a member is told after checking in: the numbers on the reply."""

    this_week: int
    streak_weeks: int
    total: int


async def ours_open_store(database_url: str) -> Any:
    """Open the database the way the bot does: the real migrations run first."""
    from bot.config import load_config
    from bot.runner import open_store

    return await open_store(load_config(database_url=database_url, _env_file=None))


async def ours_close_store(store: Any) -> None:
    await store.close()


async def ours_bulk_load(
    store: Any,
    guild_rows: Sequence[dict[str, Any]],
    member_rows: Sequence[dict[str, Any]],
    checkin_rows: Iterable[Sequence[dict[str, Any]]],
) -> None:
    """Seed data straight into the tables in big transactions (executemany).

    `guild_rows`: guild_id, timezone, weekly_target. `member_rows`: guild_id, user_id,
    timezone, hidden. `checkin_rows`: batches of guild_id, user_id, day, created_at
    (and source, "seed" when absent).
    """

    def settings(tx: Any) -> None:
        tx.execute_many(
            "INSERT INTO guilds (guild_id, timezone, weekly_target) "
            "VALUES (:guild_id, :timezone, :weekly_target)",
            guild_rows,
        )
        tx.execute_many(
            "INSERT INTO members (guild_id, user_id, timezone, hidden, reminders_opt_in) "
            "VALUES (:guild_id, :user_id, :timezone, :hidden, false)",
            member_rows,
        )

    await store.run(settings)
    for batch in checkin_rows:
        rows = [{"note": None, "source": "seed", **row} for row in batch]
        await store.run(
            lambda tx, rows=rows: tx.execute_many(
                "INSERT INTO checkins (guild_id, user_id, day, created_at, note, source) "
                "VALUES (:guild_id, :user_id, :day, :created_at, :note, :source)",
                rows,
            )
        )


async def ours_build_summaries(store: Any, guild_id: int, weekly_target: int) -> None:
    """Build whatever summaries the bot keeps beside the check-ins for one server: the
    same recomputation as `legday db rebuild-summaries`, for that server."""
    from bot.store.sql import settings
    from bot.usecases import summaries

    def rebuild(tx: Any) -> None:
        settings.set_weekly_target(tx, guild_id, weekly_target)
        summaries.rebuild_guild(tx, guild_id, "UTC")

    await store.run(rebuild)


class _Clock:
    def __init__(self) -> None:
        self.now = datetime.now().astimezone()

    def __call__(self) -> datetime:
        return self.now


_services: dict[int, tuple[Any, _Clock]] = {}


def _services_at(store: Any, now: datetime) -> Any:
    """The use cases' services on `store`, one set per store (so its caches stay warm, as in
    the running bot), with the clock at `now`."""
    from bot.usecases.cache import SettingsCache
    from bot.usecases.quote_book import QuoteBook
    from bot.usecases.services import Services

    if id(store) not in _services:
        clock = _Clock()
        services = Services(
            store=store,
            cache=SettingsCache(),
            quotes=QuoteBook(store),
            timers=None,  # type: ignore[arg-type]  # leaderboards and check-ins arm nothing
            now=clock,
            default_zone="UTC",
            weekly=None,  # type: ignore[arg-type]  # servers without a goal celebrate nothing
            roles=None,  # type: ignore[arg-type]  # servers without milestones change no roles
        )
        _services[id(store)] = (services, clock)
    services, clock = _services[id(store)]
    clock.now = now
    return services


@dataclass(frozen=True, slots=True)
class PageSeen:
    """A leaderboard answer as the member reads it."""

    rows: list[tuple[int, int, str]]  # (rank, user id, score text) in page order
    own: tuple[int, str] | None  # the "You" line: (rank, score text), when shown
    footer: str


async def ours_leaderboard_page(
    store: Any, guild_id: int, period: str, caller_id: int, now: datetime
) -> PageSeen:
    """Page 1 of the board exactly as the cog builds it: the board, then the embed."""
    from bot import replies
    from bot.core.days import Period
    from bot.usecases.leaderboards import leaderboard_page

    services = _services_at(store, now)
    board = await leaderboard_page(services, guild_id, Period(period), 0, caller_id)
    return read_board_embed(replies.leaderboard_reply(board).to_dict())


def read_board_embed(embed: Mapping[str, Any]) -> PageSeen:
    """Read the ranks, members and scores back out of a leaderboard embed."""
    medals = {"🥇": 1, "🥈": 2, "🥉": 3}
    rows = []
    for line in str(embed.get("description") or "").splitlines():
        if "<@" not in line:
            continue
        head, _, rest = line.partition(" <@")
        user_text, _, score = rest.partition("> · ")
        rank = medals.get(head) or int(head.strip("*.").strip())
        rows.append((rank, int(user_text), score))
    own = None
    for item in embed.get("fields", []):
        if item.get("name") == "You":
            rank_text, _, score = str(item["value"]).partition(" · ")
            own = (int(rank_text.lstrip("#")), score)
    return PageSeen(rows, own, str((embed.get("footer") or {}).get("text", "")))


async def ours_checkin(store: Any, guild_id: int, user_id: int, now: datetime) -> CheckinAnswer:
    """A member checks in today: the use case the command and the reminder button call."""
    from bot.usecases.checkins import check_in

    outcome = await check_in(_services_at(store, now), guild_id, user_id, source="bench")
    if not outcome.created:
        raise RuntimeError(f"member {user_id} had already checked in on {outcome.day}")
    return CheckinAnswer(outcome.this_week, outcome.current_streak, outcome.stats.total)


async def ours_undo_checkin(store: Any, guild_id: int, user_id: int, now: datetime) -> date:
    """Undo today's check-in (restores the member's summaries); returns the day removed."""
    from bot.usecases.checkins import undo_today

    outcome = await undo_today(_services_at(store, now), guild_id, user_id)
    if outcome is None:
        raise RuntimeError(f"member {user_id} had no check-in to undo")
    return outcome.day


# -- reminders (fan-out, start-up) --------------------------------------------------------------

# What the bot logs at INFO, as its log handler formats it (bot/logs.py).
LOG_TIME_FORMAT = "%Y-%m-%d %H:%M:%S,%f"
# Logged when every enabled schedule has its timer: the engine's "ready to remind".
ARMED_LINE = r"reminders armed for (\d+) schedules"
# discord.py's line as the bot logs in, just before the reminders start.
LOGIN_LINE = r"logging in using static token"
# Logged by on_ready: the gateway's READY and every server have arrived.
CONNECTED_LINE = r"connected as .* in (\d+) servers"
# Logged by the loop-lag monitor for each stall longer than LEGDAY_LOOP_LAG_WARN_MS.
LOOP_LAG_LINE = r"the event loop was blocked for (\d+) ms"
# The line a reminder picked up after its time carries.
LATE_MARK = "A bit late"
REMINDER_MARK = "It's leg day!"


def project_bot_command(project: str) -> list[str]:
    """`python -m bot run` from another checkout of legday, with that checkout's venv."""
    return [str(Path(project) / ".venv" / "bin" / "python"), "-m", "bot", "run"]


def ours_reminder_bot_env(fd: FakeDiscord, database_url: str, **extra: str) -> dict[str, str]:
    """Default settings (INFO logging included), pointed at the local Discord; `extra`
    are LEGDAY_* settings the benchmark changes on purpose."""
    return {
        "DISCORD_API_BASE": fd.api_base,
        "DISCORD_GATEWAY_URL": fd.gateway_url,
        "DISCORD_TOKEN": fd.bot_token,
        "DATABASE_URL": database_url,
        **extra,
    }


@dataclass(frozen=True, slots=True)
class ScheduleSeed:
    """One daily schedule, as `/legday-admin schedule add` would store it (every day)."""

    id: int
    guild_id: int
    channel_id: int
    at: str  # "HH:MM", UTC
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DeliverySeed:
    """One row of the deliveries ledger, as the engine leaves a reminder it sent."""

    schedule_id: int
    day: date
    fire_at: datetime
    message_id: int


async def ours_seed_reminders(
    store: Any,
    schedules: Sequence[ScheduleSeed],
    opted_in: Sequence[tuple[int, int]] = (),
    history: Iterable[Sequence[DeliverySeed]] = (),
) -> None:
    """Schedules, members who opted in to reminder pings (guild id, user id) and past
    deliveries straight into the tables, in big transactions."""
    guild_ids = sorted({s.guild_id for s in schedules} | {g for g, _ in opted_in})

    def settings(tx: Any) -> None:
        tx.execute_many(
            "INSERT INTO guilds (guild_id, timezone, weekly_target) VALUES (:g, 'UTC', 1)",
            [{"g": g} for g in guild_ids],
        )
        tx.execute_many(
            "INSERT INTO members (guild_id, user_id, timezone, hidden, reminders_opt_in) "
            "VALUES (:g, :u, NULL, false, true)",
            [{"g": g, "u": u} for g, u in opted_in],
        )
        _insert_schedules(tx, schedules)

    await store.run(settings)
    for batch in history:
        rows = [
            {
                "s": d.schedule_id,
                "day": d.day,
                "fire_at": d.fire_at,
                "message_id": d.message_id,
                "updated_at": d.fire_at + timedelta(seconds=1),
            }
            for d in batch
        ]
        await store.run(
            lambda tx, rows=rows: tx.execute_many(
                "INSERT INTO deliveries (schedule_id, occurrence_day, kind, state, fire_at, "
                "message_id, attempts, error, updated_at) VALUES (:s, :day, 'main', 'sent', "
                ":fire_at, :message_id, 1, NULL, :updated_at)",
                rows,
            )
        )


def _insert_schedules(tx: Any, schedules: Sequence[ScheduleSeed]) -> None:
    all_days = ",".join(str(day) for day in range(7))
    tx.execute_many(
        "INSERT INTO schedules (id, guild_id, channel_id, role_id, broadcast, days, time, "
        "timezone, nudge_hours, enabled, created_at) VALUES (:id, :guild_id, :channel_id, "
        "NULL, NULL, :days, :at, 'UTC', NULL, true, :created_at)",
        [
            {
                "id": s.id,
                "guild_id": s.guild_id,
                "channel_id": s.channel_id,
                "days": all_days,
                "at": s.at,
                "created_at": s.created_at,
            }
            for s in schedules
        ],
    )


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    schedule_id: int
    day: str
    kind: str
    state: str
    message_id: int | None
    updated_at: str


def ours_deliveries_since(db_path: Path, since: datetime) -> list[DeliveryRow]:
    """Delivery rows written or changed at or after `since` (read with sqlite3 after the
    bot has stopped; times are stored as UTC text)."""
    cutoff = since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    with closing(sqlite3.connect(db_path)) as conn:
        rows = conn.execute(
            "SELECT schedule_id, occurrence_day, kind, state, message_id, updated_at "
            "FROM deliveries WHERE updated_at >= ? ORDER BY schedule_id",
            (cutoff,),
        ).fetchall()
    return [DeliveryRow(int(r[0]), str(r[1]), str(r[2]), str(r[3]), r[4], str(r[5])) for r in rows]


# -- the weekly loop (fan-out of recaps and streak-at-risk calls) ------------------------------

# What the bot's weekly recap and its channel call to members at risk carry.
RECAP_MARK = "Leg day recap"
RISK_MARK = "Streak check"


@dataclass(frozen=True, slots=True)
class WeeklyServerSeed:
    """A server of the weekly loop (zone UTC): its members' check-ins, the members who
    opted in to reminders in the channel, and its reminder schedules."""

    guild_id: int
    weekly_target: int
    days_by_member: Mapping[int, Sequence[date]]
    opted_in: Sequence[int] = ()
    schedules: Sequence[ScheduleSeed] = ()


async def ours_seed_weekly(
    store: Any, servers: Sequence[WeeklyServerSeed], now: datetime, *, batch: int = 200
) -> None:
    """The servers with neither a recap nor a streak-at-risk moment (see
    `ours_set_weekly_moment`), then each member's check-ins through the bot's history
    import, so every summary is what live check-ins would have left, stamped current
    (the bot's default zone, UTC)."""
    from bot.usecases import summaries
    from bot.usecases.history import PastCheckin, record_history

    def settings(tx: Any) -> None:
        tx.execute_many(
            "INSERT INTO guilds (guild_id, timezone, weekly_target, risk_day) "
            "VALUES (:g, 'UTC', :target, NULL)",
            [{"g": s.guild_id, "target": s.weekly_target} for s in servers],
        )
        tx.execute_many(
            "INSERT INTO members (guild_id, user_id, timezone, hidden, reminders_opt_in, "
            "remind_via) VALUES (:g, :u, NULL, false, true, 'channel')",
            [{"g": s.guild_id, "u": user} for s in servers for user in s.opted_in],
        )
        _insert_schedules(tx, [schedule for s in servers for schedule in s.schedules])

    await store.run(settings)
    members = [(s.guild_id, user, days) for s in servers for user, days in s.days_by_member.items()]

    def record(tx: Any, chunk: Sequence[tuple[int, int, Sequence[date]]]) -> None:
        for guild_id, user_id, days in chunk:
            checkins = [
                PastCheckin(day, min(datetime.combine(day, time(18), UTC), now), source="seed")
                for day in days
            ]
            record_history(tx, guild_id, user_id, checkins, default_zone="UTC")

    for first in range(0, len(members), batch):
        chunk = members[first : first + batch]
        await store.run(lambda tx, chunk=chunk: record(tx, chunk))
    # A running bot has stamped its summaries as current; a fresh file is not, and the
    # bot would rebuild them all at start, inside the margin before the due minute.
    await summaries.ensure_current(store, "UTC")


async def ours_set_weekly_moment(
    store: Any, kind: str, channels: Mapping[int, int], due: datetime
) -> None:
    """Give each server (guild id -> channel id) its weekly `kind` ("recap" or "risk") at
    `due`'s weekday and minute (UTC), as `/legday-admin settings recap` or `risk` stores
    it; the channel matters for a recap only (the at-risk call goes where the server's
    recap or its oldest reminder schedule goes)."""
    moment = {"day": due.astimezone(UTC).weekday(), "at": due.astimezone(UTC).strftime("%H:%M")}
    if kind == "recap":
        statement = (
            "UPDATE guilds SET recap_channel_id = :channel, recap_day = :day, recap_time = :at "
            "WHERE guild_id = :g"
        )
    elif kind == "risk":
        statement = "UPDATE guilds SET risk_day = :day, risk_time = :at WHERE guild_id = :g"
    else:
        raise ValueError(f"no weekly moment called {kind!r}")
    rows = [{"g": g, "channel": c, **moment} for g, c in channels.items()]
    await store.run(lambda tx: tx.execute_many(statement, rows))


def ours_weekly_ledger(
    db_path: Path, kind: str, week: date, guild_ids: Collection[int]
) -> dict[str, int]:
    """How the bot recorded the listed servers' weekly `kind` posts of the week starting
    `week`: state -> how many (read with sqlite3 after the bot has stopped)."""
    with closing(sqlite3.connect(db_path)) as conn:
        rows = conn.execute(
            "SELECT guild_id, state FROM weekly_posts WHERE kind = ? AND week_start = ?",
            (kind, week.isoformat()),
        ).fetchall()
    found: dict[str, int] = defaultdict(int)
    for guild_id, state in rows:
        if int(guild_id) in guild_ids:
            found[str(state)] += 1
    return dict(found)


def ours_nudge_ledger(
    db_path: Path, kind: str, week: date, guild_ids: Collection[int]
) -> dict[tuple[str, str], int]:
    """How the bot recorded its nudges of `kind` ("risk") to single members of the listed
    servers in the week starting `week`: (how they were reached, state) -> how many."""
    with closing(sqlite3.connect(db_path)) as conn:
        rows = conn.execute(
            "SELECT guild_id, via, state FROM member_nudges WHERE kind = ? AND occurrence = ?",
            (kind, week.isoformat()),
        ).fetchall()
    found: dict[tuple[str, str], int] = defaultdict(int)
    for guild_id, via, state in rows:
        if int(guild_id) in guild_ids:
            found[(str(via), str(state))] += 1
    return dict(found)
