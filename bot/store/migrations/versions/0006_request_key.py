"""A start's own key (a workflow step's execution id), so a retried request starts nothing
twice; and a flag for a poll that confirms a terminal callback (it goes ahead of the rest)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 04:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable and added in place: old replicas keep working while new ones start.
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_key", sa.String(length=120), nullable=True))
        batch_op.create_index("ix_sessions_request_key", ["request_key"], unique=True)
        batch_op.add_column(
            sa.Column("confirm_poll", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("confirm_poll")
        batch_op.drop_index("ix_sessions_request_key")
        batch_op.drop_column("request_key")
