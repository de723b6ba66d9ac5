"""retention, removed workspaces, session tokens encrypted

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 23:58:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token_enc", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("details_removed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_sessions_updated_at", ["updated_at"])
    # The plain `session_token` column is no longer written. A session token is only needed
    # to follow a session GoToAssist has not given an id for yet: forget the rest now.
    op.execute(
        "UPDATE sessions SET session_token = NULL WHERE goto_session_id IS NOT NULL "
        "OR status IN ('complete', 'abandoned') OR expired OR creation = 'failed'"
    )
    op.create_table(
        "workspaces",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_because", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_workspaces")),
    )


def downgrade() -> None:
    op.drop_table("workspaces")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sessions_updated_at")
        batch_op.drop_column("details_removed_at")
        batch_op.drop_column("session_token_enc")
