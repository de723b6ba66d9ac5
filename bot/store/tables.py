"""SQLAlchemy tables. The schema is owned by the Alembic migrations in store/migrations."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SessionRow(Base):
    """One remote-support session and its card."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    requester_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    creation: Mapped[str] = mapped_column(String(16))
    expired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Whose GoToAssist account started it: None is the shared account, else a Slack user id.
    goto_account: Mapped[str | None] = mapped_column(String(32), nullable=True)

    customer_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    customer_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    partner_object: Mapped[str | None] = mapped_column(String(200), nullable=True)
    partner_object_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    machine_uuid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    machine_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    machine_company: Mapped[str | None] = mapped_column(String(200), nullable=True)

    goto_session_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    session_token: Mapped[str | None] = mapped_column(String(200), nullable=True)  # legacy, plain
    session_token_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    launch_url_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    customer_join_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    expert_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    customer_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    recording_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    collaborators: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON list

    callback_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    card_channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    card_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The message whose thread the card is posted in (a message shortcut), or None.
    thread_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # What made the start, when it may be delivered again (a workflow step's execution id):
    # unique, so a retried delivery, on any replica, starts nothing twice.
    request_key: Mapped[str | None] = mapped_column(String(120), nullable=True)

    # Work claimed by one replica at a time (outbox delivery, polling), with a lease.
    outbox_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    poll_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    poll_failures: Mapped[int] = mapped_column(Integer, default=0)
    # The next poll confirms a terminal callback: it is asked before background polls.
    confirm_poll: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The account that follows this session was unlinked or revoked: polling stopped.
    tracking_lost: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # RETENTION_DAYS after it ended, the customer's details and every link were erased.
    details_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        Index("ix_sessions_callback_token_hash", "callback_token_hash", unique=True),
        Index("ix_sessions_requester", "team_id", "requester_id", "created_at"),
        Index("ix_sessions_goto_session_id", "goto_session_id"),
        Index("ix_sessions_next_poll_at", "next_poll_at"),
        Index("ix_sessions_creation", "creation", "created_at"),
        Index("ix_sessions_updated_at", "updated_at"),
        Index("ix_sessions_team_created", "team_id", "created_at"),
        Index("ix_sessions_request_key", "request_key", unique=True),
    )


class OutboxRow(Base):
    """A Slack write owed to a session, delivered at least once by the outbox worker."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    payload: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = (
        Index("ix_outbox_pending", "state", "due_at"),
        Index("ix_outbox_session", "session_id", "state"),
    )


class GoToAccountRow(Base):
    """A technician's linked GoTo account. Tokens are Fernet-encrypted (ENCRYPTION_KEY)."""

    __tablename__ = "goto_accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    principal: Mapped[str | None] = mapped_column(String(320), nullable=True)
    access_token_enc: Mapped[str] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A refresh in progress somewhere (this replica or another) until this time.
    refresh_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_goto_accounts_user", "team_id", "user_id", unique=True),)


class OAuthStateRow(Base):
    """A GoTo OAuth ``state``: single use, bound to a Slack team and user, expiring."""

    __tablename__ = "oauth_states"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WorkspaceRow(Base):
    """A Slack workspace the app was removed from (``app_uninstalled``, or its bot token
    revoked): stored, so that every replica stops working for it."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    removed_because: Mapped[str | None] = mapped_column(String(32), nullable=True)


class HomeUserRow(Base):
    """Someone who opened the app's Home: their notification switches, and when their Home
    was last published (a refresh waits until ``HOME_REFRESH_S`` after it)."""

    __tablename__ = "home_users"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    join_dm: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    end_dm: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


# The tables themselves, for Core statements on the hot paths (Database.run_write).
SESSIONS = cast(Table, SessionRow.__table__)
OUTBOX = cast(Table, OutboxRow.__table__)
WORKSPACES = cast(Table, WorkspaceRow.__table__)
GOTO_ACCOUNTS = cast(Table, GoToAccountRow.__table__)
OAUTH_STATES = cast(Table, OAuthStateRow.__table__)
HOME_USERS = cast(Table, HomeUserRow.__table__)
