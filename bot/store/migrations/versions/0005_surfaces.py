"""App Home, shortcuts and workflow steps: the card's thread, per-user Home state

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 03:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable and added in place: old replicas keep working while new ones start.
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_ts", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_sessions_team_created", ["team_id", "created_at"])
    op.create_table(
        "home_users",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("join_dm", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("end_dm", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "user_id", name="pk_home_users"),
    )


def downgrade() -> None:
    op.drop_table("home_users")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sessions_team_created")
        batch_op.drop_column("thread_ts")
