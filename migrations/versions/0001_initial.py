"""Check-ins, members, guild settings, streak summaries and quotes.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guilds",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("weekly_target", sa.SmallInteger, nullable=False, server_default="1"),
    )
    op.create_table(
        "members",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("reminders_opt_in", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "checkins",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
    )
    op.create_index("ix_checkins_guild_day_user", "checkins", ["guild_id", "day", "user_id"])
    op.create_table(
        "member_stats",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("last_day", sa.Date, nullable=True),
        sa.Column("week", sa.Integer, nullable=True),
        sa.Column("week_count", sa.Integer, nullable=False),
        sa.Column("run", sa.Integer, nullable=False),
        sa.Column("run_week", sa.Integer, nullable=True),
        sa.Column("best", sa.Integer, nullable=False),
    )
    op.create_index("ix_member_stats_guild_total", "member_stats", ["guild_id", "total"])
    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("added_by", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_quotes_guild_id", "quotes", ["guild_id"])


def downgrade() -> None:
    op.drop_index("ix_quotes_guild_id", table_name="quotes")
    op.drop_table("quotes")
    op.drop_index("ix_member_stats_guild_total", table_name="member_stats")
    op.drop_table("member_stats")
    op.drop_index("ix_checkins_guild_day_user", table_name="checkins")
    op.drop_table("checkins")
    op.drop_table("members")
    op.drop_table("guilds")
