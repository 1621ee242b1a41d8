"""The weekly loop: the server's group goal, shield and pause rules, the streak-at-risk
moment and the weekly recap; how a member wants to be reached; paused weeks; shields on
the summary rows; and two ledgers that make weekly posts and personal nudges exactly-once.

The summary rows gain shields at the bot's next start: the summaries version changes, so
they are rebuilt from the check-ins (`legday db rebuild-summaries` does the same).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("guilds") as batch:
        batch.add_column(sa.Column("goal", sa.Integer, nullable=True))
        batch.add_column(
            sa.Column("shield_every", sa.SmallInteger, nullable=False, server_default="4")
        )
        batch.add_column(
            sa.Column("pause_cap", sa.SmallInteger, nullable=False, server_default="6")
        )
        batch.add_column(sa.Column("risk_day", sa.SmallInteger, nullable=True, server_default="5"))
        batch.add_column(
            sa.Column("risk_time", sa.String(5), nullable=False, server_default="18:00")
        )
        batch.add_column(sa.Column("recap_channel_id", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("recap_day", sa.SmallInteger, nullable=True))
        batch.add_column(sa.Column("recap_time", sa.String(5), nullable=True))
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("remind_via", sa.String(8), nullable=False, server_default="channel")
        )
    with op.batch_alter_table("member_stats") as batch:
        batch.add_column(sa.Column("shields", sa.SmallInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("in_row", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "member_pauses",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("week_start", sa.Date, primary_key=True),
    )
    op.create_table(
        "weekly_posts",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("week_start", sa.Date, primary_key=True),
        sa.Column("channel_id", sa.BigInteger, nullable=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.BigInteger, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "member_nudges",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("ref", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("occurrence", sa.Date, primary_key=True),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("message_id", sa.BigInteger, nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("member_nudges")
    op.drop_table("weekly_posts")
    op.drop_table("member_pauses")
    with op.batch_alter_table("member_stats") as batch:
        batch.drop_column("in_row")
        batch.drop_column("shields")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("remind_via")
    with op.batch_alter_table("guilds") as batch:
        for column in (
            "recap_time",
            "recap_day",
            "recap_channel_id",
            "risk_time",
            "risk_day",
            "pause_cap",
            "shield_every",
            "goal",
        ):
            batch.drop_column(column)
