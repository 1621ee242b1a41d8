"""Keeping the summary rows exact: the rules every check-in change goes through.

A member's `member_stats` row (total, weekly streak, best, when the streak expires) and
their `member_periods` rows (check-ins per week, month and year) are derived from their
check-ins. Each change of check-ins, time zone or target updates them in the same unit of
work, and `rebuild_all` recomputes every one of them from history (`legday db
rebuild-summaries`; run automatically when the summaries are older than the code).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from bot.core import days, pauses, streaks
from bot.core.streaks import NO_SHIELDS, ShieldRule, StreakState
from bot.store import GuildConfig, Store, Summary, Tx
from bot.store.sql import checkins as checkins_sql
from bot.store.sql import meta as meta_sql
from bot.store.sql import scores as scores_sql
from bot.store.sql import settings as settings_sql
from bot.store.sql import summaries as summaries_sql

log = logging.getLogger(__name__)

# Bump when what the summary rows hold changes: the next start rebuilds them all.
SUMMARIES_VERSION = "2"  # 2: shields and paused weeks
_VERSION_KEY = "summaries_version"
_ZONE_KEY = "summaries_default_zone"

Period = tuple[str, date]


def periods_of(day: date) -> list[Period]:
    """The (kind, first day) of the week, month and year a check-in day counts in."""
    return [("w", days.week_start(day)), ("m", days.month_start(day)), ("y", days.year_start(day))]


def to_state(summary: Summary | None) -> StreakState:
    return StreakState() if summary is None else StreakState(**asdict(summary))


def to_summary(state: StreakState) -> Summary:
    return Summary(**asdict(state))


def alive_until(
    state: StreakState, zone: ZoneInfo, paused: Collection[int] = ()
) -> datetime | None:
    """The instant the current streak breaks unless another week is met (see
    `streaks.alive_until`): what the live-streak leaderboard ranges over."""
    return streaks.alive_until(state, zone, paused)


def shield_rule(guild: GuildConfig) -> ShieldRule:
    return ShieldRule(every=guild.shield_every)


@dataclass(frozen=True, slots=True)
class Rules:
    """What a member's streak is judged by: the server's target and shield rule, and the
    member's own paused weeks."""

    target: int
    shields: ShieldRule = NO_SHIELDS
    paused: frozenset[int] = frozenset()

    @classmethod
    def of(cls, guild: GuildConfig, paused_mondays: Iterable[date]) -> Rules:
        return cls(guild.weekly_target, shield_rule(guild), pauses.weeks_of(paused_mondays))

    def rebuild(self, history: Iterable[date]) -> StreakState:
        return streaks.rebuild(history, self.target, self.shields, self.paused)


def member_zone(
    tx: Tx, guild_id: int, user_id: int, default_zone: str | None, guild_zone: str | None
) -> ZoneInfo:
    member = settings_sql.member_config(tx, guild_id, user_id)
    return days.effective_zone(member.timezone, guild_zone, default_zone)


def _write(
    tx: Tx,
    guild_id: int,
    user_id: int,
    state: StreakState,
    zone: ZoneInfo,
    hidden: bool,
    paused: Collection[int],
) -> None:
    summaries_sql.write(
        tx,
        guild_id,
        user_id,
        to_summary(state),
        hidden=hidden,
        alive_until=alive_until(state, zone, paused),
    )


def _hidden(tx: Tx, guild_id: int, user_id: int) -> bool:
    # Straight from the members table, never a cache: a summary row carries the flag
    # that decides whether a leaderboard shows the member.
    return settings_sql.member_config(tx, guild_id, user_id).hidden


def _rescore(
    tx: Tx,
    guild_id: int,
    before: StreakState,
    after: StreakState,
    periods: list[Period],
    counts: list[int],
    delta: int,
) -> None:
    """Move one visible member's scores on every board their change touched."""
    moves = [
        (kind, start, count - delta, count)
        for (kind, start), count in zip(periods, counts, strict=True)
    ]
    moves.append(("t", scores_sql.TIMELESS, before.total, after.total))
    moves.append(("b", scores_sql.TIMELESS, before.best, after.best))
    scores_sql.move(tx, guild_id, moves)


def record_day(
    tx: Tx, guild_id: int, user_id: int, day: date, *, rules: Rules, zone: ZoneInfo
) -> StreakState:
    """After a new check-in on `day`: the summaries count it. Returns the new state."""
    summary, flag = summaries_sql.read_with_flag(tx, guild_id, user_id, lock=True)
    state = to_state(summary)
    if state.last_day is None or day > state.last_day:
        updated = streaks.add_day(state, day, rules.target, rules.shields, rules.paused)
    else:  # a backfilled day changes history behind the running totals
        updated = rules.rebuild(checkins_sql.days(tx, guild_id, user_id))
    hidden = _hidden(tx, guild_id, user_id) if flag is None else flag
    _write(tx, guild_id, user_id, updated, zone, hidden, rules.paused)
    periods = periods_of(day)
    counts = summaries_sql.bump_periods(tx, guild_id, user_id, periods, +1, hidden=hidden)
    if not hidden:
        _rescore(tx, guild_id, state, updated, periods, counts, +1)
    return updated


def unrecord_day(
    tx: Tx, guild_id: int, user_id: int, day: date, *, rules: Rules, zone: ZoneInfo
) -> StreakState:
    """After a check-in on `day` was removed."""
    summary, flag = summaries_sql.read_with_flag(tx, guild_id, user_id, lock=True)
    state = to_state(summary)
    updated = rules.rebuild(checkins_sql.days(tx, guild_id, user_id))
    # The removed check-in was counted, so the member has a summary row carrying the flag.
    hidden = bool(flag)
    _write(tx, guild_id, user_id, updated, zone, hidden, rules.paused)
    periods = periods_of(day)
    counts = summaries_sql.bump_periods(tx, guild_id, user_id, periods, -1, hidden=hidden)
    if not hidden:
        _rescore(tx, guild_id, state, updated, periods, counts, -1)
    return updated


def set_visibility(tx: Tx, guild_id: int, user_id: int, hidden: bool) -> None:
    """The member leaves (or rejoins) every board: the flag on their summary rows, and
    their scores out of (or back into) the boards' counts."""
    if _hidden(tx, guild_id, user_id) == hidden:
        return
    settings_sql.set_member(tx, guild_id, user_id, "hidden", hidden)
    summaries_sql.set_hidden(tx, guild_id, user_id, hidden)
    state = to_state(summaries_sql.read(tx, guild_id, user_id))
    scores = [
        (kind, start, count)
        for kind, start, count in summaries_sql.member_periods(tx, guild_id, user_id)
    ]
    scores += [("t", scores_sql.TIMELESS, state.total), ("b", scores_sql.TIMELESS, state.best)]
    scores_sql.move(
        tx,
        guild_id,
        [
            (board, start, score, 0) if hidden else (board, start, 0, score)
            for board, start, score in scores
        ],
    )


def drop_member(tx: Tx, guild_id: int, user_id: int) -> None:
    """The member's data is about to go: their scores leave the boards first (nothing
    moves for a member who is hidden already)."""
    set_visibility(tx, guild_id, user_id, True)


def retime_member(tx: Tx, guild_id: int, user_id: int, zone: ZoneInfo) -> None:
    """The member's time zone changed: their streak expires at another instant."""
    state = to_state(summaries_sql.read(tx, guild_id, user_id))
    paused = pauses.weeks_of(settings_sql.paused_weeks(tx, guild_id, user_id))
    summaries_sql.set_alive_until(tx, guild_id, [(user_id, alive_until(state, zone, paused))])


def retime_guild(tx: Tx, guild_id: int, default_zone: str | None) -> None:
    """The server's zone (or the bot's default) changed: every member following it gets
    new streak expiries."""
    guild_zone = settings_sql.guild_config(tx, guild_id).timezone
    own = settings_sql.member_zones(tx, guild_id)
    paused_by_member = settings_sql.pauses_by_member(tx, guild_id)
    expiries = []
    for user_id, summary in summaries_sql.all_of_guild(tx, guild_id).items():
        zone = days.effective_zone(own.get(user_id), guild_zone, default_zone)
        paused = pauses.weeks_of(paused_by_member.get(user_id, ()))
        expiries.append((user_id, alive_until(to_state(summary), zone, paused)))
    summaries_sql.set_alive_until(tx, guild_id, expiries)


def restreak_guild(tx: Tx, guild_id: int, default_zone: str | None) -> int:
    """The weekly target or the shield rule changed: every member's streak is recomputed
    from history. Returns how many members have check-ins."""
    config = settings_sql.guild_config(tx, guild_id)
    own = settings_sql.member_zones(tx, guild_id)
    hidden = settings_sql.hidden_members(tx, guild_id)
    paused_by_member = settings_sql.pauses_by_member(tx, guild_id)
    history = checkins_sql.days_by_member(tx, guild_id)
    for user_id, member_days in history.items():
        zone = days.effective_zone(own.get(user_id), config.timezone, default_zone)
        rules = Rules.of(config, paused_by_member.get(user_id, ()))
        state = rules.rebuild(member_days)
        _write(tx, guild_id, user_id, state, zone, user_id in hidden, rules.paused)
    scores_sql.recount(tx, guild_id)  # best streaks moved on every board of the server
    return len(history)


def restreak_member(
    tx: Tx, guild_id: int, user_id: int, guild: GuildConfig, zone: ZoneInfo
) -> StreakState:
    """The member's paused weeks changed: their streak is recomputed from history, and
    their best streak moves on the board."""
    summary, flag = summaries_sql.read_with_flag(tx, guild_id, user_id, lock=True)
    before = to_state(summary)
    rules = Rules.of(guild, settings_sql.paused_weeks(tx, guild_id, user_id))
    after = rules.rebuild(checkins_sql.days(tx, guild_id, user_id))
    # No row means no check-ins: the write then drops PostgreSQL's lock-holding row.
    hidden = bool(flag)
    _write(tx, guild_id, user_id, after, zone, hidden, rules.paused)
    if flag is not None and not hidden:
        _rescore(tx, guild_id, before, after, [], [], 0)
    return after
    _write(tx, guild_id, user_id, after, zone, flag, rules.paused)
    if not flag:
        _rescore(tx, guild_id, before, after, [], [], 0)
    return after


Expected = tuple[
    dict[int, tuple[Summary, bool, datetime | None]],
    set[tuple[int, str, date, int, bool]],
    set[tuple[str, date, int, int]],
]


def expected_guild(tx: Tx, guild_id: int, default_zone: str | None) -> Expected:
    """Every summary row and board count of a server as it should be, from history alone."""
    config = settings_sql.guild_config(tx, guild_id)
    own = settings_sql.member_zones(tx, guild_id)
    hidden = settings_sql.hidden_members(tx, guild_id)
    paused_by_member = settings_sql.pauses_by_member(tx, guild_id)
    members: dict[int, tuple[Summary, bool, datetime | None]] = {}
    periods: set[tuple[int, str, date, int, bool]] = set()
    for user_id, member_days in checkins_sql.days_by_member(tx, guild_id).items():
        zone = days.effective_zone(own.get(user_id), config.timezone, default_zone)
        rules = Rules.of(config, paused_by_member.get(user_id, ()))
        state = rules.rebuild(member_days)
        is_hidden = user_id in hidden
        members[user_id] = (to_summary(state), is_hidden, alive_until(state, zone, rules.paused))
        counts = Counter(period for day in member_days for period in periods_of(day))
        periods |= {
            (user_id, kind, start, count, is_hidden) for (kind, start), count in counts.items()
        }
    on_boards = Counter(
        (kind, start, count) for _, kind, start, count, is_hidden in periods if not is_hidden
    )
    for summary, is_hidden, _ in members.values():
        if not is_hidden:
            on_boards.update([("t", scores_sql.TIMELESS, summary.total)])
            if summary.best:
                on_boards.update([("b", scores_sql.TIMELESS, summary.best)])
    board_counts = {(board, start, score, n) for (board, start, score), n in on_boards.items()}
    return members, periods, board_counts


def rebuild_guild(tx: Tx, guild_id: int, default_zone: str | None) -> int:
    members, periods, _ = expected_guild(tx, guild_id, default_zone)
    summaries_sql.replace_guild(
        tx,
        guild_id,
        ((user_id, *row) for user_id, row in members.items()),
        periods,
    )
    scores_sql.recount(tx, guild_id)
    return len(members)


async def rebuild_all(store: Store, default_zone: str) -> tuple[int, int]:
    """Recompute every summary row from the check-ins; one transaction per server.
    Returns (servers, members)."""
    guild_ids: list[int] = await store.read(settings_sql.guild_ids)
    members = 0
    for guild_id in guild_ids:
        members += await store.run(
            partial(rebuild_guild, guild_id=guild_id, default_zone=default_zone)
        )
    await store.run(lambda tx: _stamp(tx, default_zone))
    return len(guild_ids), members


async def retime_all(store: Store, default_zone: str) -> int:
    guild_ids: list[int] = await store.read(settings_sql.guild_ids)
    for guild_id in guild_ids:
        await store.run(partial(retime_guild, guild_id=guild_id, default_zone=default_zone))
    await store.run(lambda tx: _stamp(tx, default_zone))
    return len(guild_ids)


def _stamp(tx: Tx, default_zone: str) -> None:
    meta_sql.put(tx, _VERSION_KEY, SUMMARIES_VERSION)
    meta_sql.put(tx, _ZONE_KEY, default_zone)


async def ensure_current(store: Store, default_zone: str) -> str | None:
    """At start-up: rebuild the summaries if they predate this code, re-time streak
    expiries if the bot's default time zone changed. Returns what was done, if anything."""

    def stamps(tx: Tx) -> tuple[str | None, str | None]:
        return meta_sql.get(tx, _VERSION_KEY), meta_sql.get(tx, _ZONE_KEY)

    version, zone = await store.read(stamps)
    if version != SUMMARIES_VERSION:
        servers, members = await rebuild_all(store, default_zone)
        log.info("rebuilt leaderboard summaries: %d servers, %d members", servers, members)
        return "rebuilt"
    if zone != default_zone:
        servers = await retime_all(store, default_zone)
        log.info(
            "default time zone is now %s: re-timed streaks in %d servers", default_zone, servers
        )
        return "retimed"
    return None
