"""Leaderboard summaries: per-period counts, the hidden flag and streak expiry on the
summary rows, how many members have each score, and indexes that serve a page as one
ordered range.

The rows are filled by the bot itself at its next start (`meta` has no summaries
version yet), with the same code as `legday db rebuild-summaries`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member_stats") as batch:
        batch.add_column(sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("alive_until", sa.DateTime(timezone=True), nullable=True))
    op.drop_index("ix_member_stats_guild_total", table_name="member_stats")
    op.create_index(
        "ix_member_stats_total",
        "member_stats",
        ["guild_id", "hidden", sa.text("total DESC"), "user_id"],
    )
    op.create_index(
        "ix_member_stats_streak",
        "member_stats",
        [
            "guild_id",
            "hidden",
            sa.text("run DESC"),
            sa.text("best DESC"),
            sa.text("total DESC"),
            "user_id",
            "alive_until",
        ],
    )
    op.create_index(
        "ix_member_stats_alive",
        "member_stats",
        ["guild_id", "hidden", "alive_until", "run", "best", "total"],
    )
    op.create_index(
        "ix_member_stats_best",
        "member_stats",
        [
            "guild_id",
            "hidden",
            sa.text("best DESC"),
            sa.text("total DESC"),
            "user_id",
            "alive_until",
        ],
    )
    op.create_table(
        "member_periods",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(1), primary_key=True),
        sa.Column("start", sa.Date, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "ix_member_periods_board",
        "member_periods",
        ["guild_id", "kind", "start", "hidden", sa.text("count DESC"), "user_id"],
    )
    op.create_table(
        "board_scores",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("board", sa.String(1), primary_key=True),
        sa.Column("start", sa.Date, primary_key=True),
        sa.Column("score", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("members", sa.Integer, nullable=False),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("meta")
    op.drop_table("board_scores")
    op.drop_index("ix_member_periods_board", table_name="member_periods")
    op.drop_table("member_periods")
    op.drop_index("ix_member_stats_best", table_name="member_stats")
    op.drop_index("ix_member_stats_alive", table_name="member_stats")
    op.drop_index("ix_member_stats_streak", table_name="member_stats")
    op.drop_index("ix_member_stats_total", table_name="member_stats")
    op.create_index("ix_member_stats_guild_total", "member_stats", ["guild_id", "total"])
    with op.batch_alter_table("member_stats") as batch:
        batch.drop_column("alive_until")
        batch.drop_column("hidden")
