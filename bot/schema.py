"""Table definitions shared by the storage layer and the migration tests.

Ids are Discord snowflakes (64-bit), so every id column is BIGINT.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData()


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and hands them back aware on every backend."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite keeps no offset
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


guilds = sa.Table(
    "guilds",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("timezone", sa.String(64), nullable=True),
    sa.Column("weekly_target", sa.SmallInteger, nullable=False, server_default="1"),
    # The group's weekly total of leg days (None: no goal).
    sa.Column("goal", sa.Integer, nullable=True),
    # Met weeks in a row that earn a streak shield (0: shields are off).
    sa.Column("shield_every", sa.SmallInteger, nullable=False, server_default="4"),
    sa.Column("pause_cap", sa.SmallInteger, nullable=False, server_default="6"),
    # When members whose streak is at risk are nudged (weekday 0-6, None: never).
    sa.Column("risk_day", sa.SmallInteger, nullable=True, server_default="5"),
    sa.Column("risk_time", sa.String(5), nullable=False, server_default="18:00"),
    # Where and when the weekly recap is posted (no channel: no recap).
    sa.Column("recap_channel_id", sa.BigInteger, nullable=True),
    sa.Column("recap_day", sa.SmallInteger, nullable=True),
    sa.Column("recap_time", sa.String(5), nullable=True),
    # Leaderboards answer with a picture unless the member asks for text.
    sa.Column("board_images", sa.Boolean, nullable=False, server_default=sa.false()),
)

members = sa.Table(
    "members",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("timezone", sa.String(64), nullable=True),
    sa.Column("reminders_opt_in", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
    # How reminders and nudges reach an opted-in member: "channel" or "dm".
    sa.Column("remind_via", sa.String(8), nullable=False, server_default="channel"),
    # The unit a lift without one is read in: "kg" or "lb".
    sa.Column("weight_unit", sa.String(2), nullable=False, server_default="kg"),
)

# The weeks (their Mondays, in the member's days) a member paused their streak.
member_pauses = sa.Table(
    "member_pauses",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("week_start", sa.Date, primary_key=True),
)

checkins = sa.Table(
    "checkins",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("note", sa.String(200), nullable=True),
    sa.Column("source", sa.String(16), nullable=False),
    # Covers windowed leaderboards: WHERE guild_id = ? AND day >= ? GROUP BY user_id.
    sa.Index("ix_checkins_guild_day_user", "guild_id", "day", "user_id"),
)

# A member's running totals and streak in one server, kept in the same transaction as
# every check-in change. `hidden` mirrors members.hidden so a leaderboard page is one
# indexed range; `alive_until` is the instant the current streak breaks unless the week
# is met (the member's own time zone is applied when it is written).
member_stats = sa.Table(
    "member_stats",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("last_day", sa.Date, nullable=True),
    sa.Column("week", sa.Integer, nullable=True),
    sa.Column("week_count", sa.Integer, nullable=False),
    sa.Column("run", sa.Integer, nullable=False),
    sa.Column("run_week", sa.Integer, nullable=True),
    sa.Column("best", sa.Integer, nullable=False),
    sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("alive_until", UTCDateTime, nullable=True),
    sa.Column("shields", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("in_row", sa.Integer, nullable=False, server_default="0"),
)
# Leaderboard pages walk these in order: most first, ties by user id, stopping at LIMIT.
_stats = member_stats.c
sa.Index(
    "ix_member_stats_total", _stats.guild_id, _stats.hidden, _stats.total.desc(), _stats.user_id
)
sa.Index(
    "ix_member_stats_streak",
    _stats.guild_id,
    _stats.hidden,
    _stats.run.desc(),
    _stats.best.desc(),
    _stats.total.desc(),
    _stats.user_id,
    _stats.alive_until,
)
# The live streaks: a range of expiries later than now, with what ranks them.
sa.Index(
    "ix_member_stats_alive",
    _stats.guild_id,
    _stats.hidden,
    _stats.alive_until,
    _stats.run,
    _stats.best,
    _stats.total,
)
sa.Index(
    "ix_member_stats_best",
    _stats.guild_id,
    _stats.hidden,
    _stats.best.desc(),
    _stats.total.desc(),
    _stats.user_id,
    _stats.alive_until,
)

# Check-ins per member and calendar period ("w" ISO week, "m" month, "y" year, keyed by
# the period's first day), so "this week" is an indexed ORDER BY ... LIMIT, not a GROUP BY.
member_periods = sa.Table(
    "member_periods",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(1), primary_key=True),
    sa.Column("start", sa.Date, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
)
_periods = member_periods.c
sa.Index(
    "ix_member_periods_board",
    _periods.guild_id,
    _periods.kind,
    _periods.start,
    _periods.hidden,
    _periods.count.desc(),
    _periods.user_id,
)

# How many visible members have each score on a board: (board, start) is a period ("w",
# "m", "y" and its first day), all-time totals ("t") or best streaks ("b", start 0001-01-01).
# A board's size and a member's rank are sums over a few dozen rows here instead of counts
# over every member.
board_scores = sa.Table(
    "board_scores",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("board", sa.String(1), primary_key=True),
    sa.Column("start", sa.Date, primary_key=True),
    sa.Column("score", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("members", sa.Integer, nullable=False),
)

# Facts about the derived data itself, e.g. which default time zone the summaries were
# computed with, so a change of LEGDAY_DEFAULT_TIMEZONE rebuilds them.
meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

# Ids a server sees are never handed out twice: SQLite reuses the highest rowid after a
# delete unless the table is AUTOINCREMENT; PostgreSQL's sequences never go back.
quotes = sa.Table(
    "quotes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("guild_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("text", sa.String(300), nullable=False),
    sa.Column("added_by", sa.BigInteger, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sqlite_autoincrement=True,
)

schedules = sa.Table(
    "schedules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("guild_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("channel_id", sa.BigInteger, nullable=False),
    sa.Column("role_id", sa.BigInteger, nullable=True),
    # "everyone" or "here": the reminder pings the channel that way instead of a role.
    sa.Column("broadcast", sa.String(8), nullable=True),
    sa.Column("days", sa.String(32), nullable=False),
    sa.Column("time", sa.String(5), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("nudge_hours", sa.SmallInteger, nullable=True),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("disabled_reason", sa.String(200), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sqlite_autoincrement=True,
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column(
        "schedule_id",
        sa.Integer,
        sa.ForeignKey("schedules.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("occurrence_day", sa.Date, primary_key=True),
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("fire_at", UTCDateTime, nullable=False),
    sa.Column("message_id", sa.BigInteger, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error", sa.String(200), nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# A server's weekly posts, claimed before they are sent, one per (kind, week): the goal
# celebration ("goal"), the recap ("recap") and the streak-at-risk call ("risk").
weekly_posts = sa.Table(
    "weekly_posts",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("week_start", sa.Date, primary_key=True),
    sa.Column("channel_id", sa.BigInteger, nullable=True),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("fire_at", UTCDateTime, nullable=False),
    sa.Column("message_id", sa.BigInteger, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error", sa.String(200), nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# Messages to one member, each exactly once: a streak-at-risk nudge ("risk", `ref` 0, the
# week's Monday) or a reminder sent by DM ("remind", `ref` the schedule, its day). A DM
# that failed is recorded here and never retried.
member_nudges = sa.Table(
    "member_nudges",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("ref", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("occurrence", sa.Date, primary_key=True),
    sa.Column("via", sa.String(8), nullable=False),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("message_id", sa.BigInteger, nullable=True),
    sa.Column("error", sa.String(200), nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# Sets parsed from a check-in's note, in the order written (`seq`): removed with the
# check-in. The weight is kept as typed, in hundredths of `unit`, so nothing is rounded.
lift_sets = sa.Table(
    "lift_sets",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("seq", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("exercise", sa.String(40), nullable=False),
    sa.Column("sets", sa.SmallInteger, nullable=False),
    sa.Column("reps", sa.SmallInteger, nullable=False),
    sa.Column("weight_centi", sa.Integer, nullable=False),
    sa.Column("unit", sa.String(2), nullable=False),
    sa.Index("ix_lift_sets_exercise", "guild_id", "exercise", "user_id"),
)

# The role a streak of `weeks` earns. `problem` is why the bot could not grant it last
# time, told to the admins once and kept until the milestone works again.
milestone_roles = sa.Table(
    "milestone_roles",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("weeks", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("role_id", sa.BigInteger, nullable=False),
    sa.Column("remove_on_break", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("problem", sa.String(200), nullable=True),
    sa.UniqueConstraint("guild_id", "role_id", name="uq_milestone_roles_role"),
)

# The milestone roles the bot gave or took, one row per (member, role): claimed before the
# call to Discord so that concurrent check-ins and restarts change a role once.
member_roles = sa.Table(
    "member_roles",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("role_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("error", sa.String(200), nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
