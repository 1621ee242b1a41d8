"""Ids that are never reused (SQLite AUTOINCREMENT), and @everyone/@here reminders.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # A table becomes AUTOINCREMENT only by being rebuilt; the copy keeps every row,
        # and SQLite's sequence starts from the highest id copied. (bot.database runs
        # migrations with foreign keys off, so rebuilding `schedules` leaves its
        # deliveries alone.)
        for table in ("quotes", "schedules"):
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
            ):
                pass
    op.add_column("schedules", sa.Column("broadcast", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("broadcast")
