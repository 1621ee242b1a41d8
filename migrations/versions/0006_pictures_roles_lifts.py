"""Pictures, milestone roles and lifts: the server's choice of leaderboard cards, a
member's weight unit, the sets parsed from check-in notes, the roles a streak earns and a
ledger of the roles the bot granted or removed (so each change happens once).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # --- pictures ---
    with op.batch_alter_table("guilds") as batch:
        batch.add_column(
            sa.Column("board_images", sa.Boolean, nullable=False, server_default=sa.false())
        )
    # --- lifts ---
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("weight_unit", sa.String(2), nullable=False, server_default="kg")
        )
    op.create_table(
        "lift_sets",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("seq", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("exercise", sa.String(40), nullable=False),
        sa.Column("sets", sa.SmallInteger, nullable=False),
        sa.Column("reps", sa.SmallInteger, nullable=False),
        sa.Column("weight_centi", sa.Integer, nullable=False),
        sa.Column("unit", sa.String(2), nullable=False),
    )
    op.create_index("ix_lift_sets_exercise", "lift_sets", ["guild_id", "exercise", "user_id"])
    # --- milestone roles ---
    op.create_table(
        "milestone_roles",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("weeks", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("role_id", sa.BigInteger, nullable=False),
        sa.Column("remove_on_break", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("problem", sa.String(200), nullable=True),
        sa.UniqueConstraint("guild_id", "role_id", name="uq_milestone_roles_role"),
    )
    op.create_table(
        "member_roles",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("role_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("member_roles")
    op.drop_table("milestone_roles")
    op.drop_index("ix_lift_sets_exercise", table_name="lift_sets")
    op.drop_table("lift_sets")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("weight_unit")
    with op.batch_alter_table("guilds") as batch:
        batch.drop_column("board_images")
