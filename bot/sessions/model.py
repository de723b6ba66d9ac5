"""The session as the rest of the app sees it: plain, immutable, storage-agnostic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.sessions.status import SessionStatus


class SessionKind(StrEnum):
    ATTENDED = "attended"
    UNATTENDED = "unattended"


class CreationState(StrEnum):
    """Where the GoToAssist ``POST /sessions`` for this row stands."""

    PENDING = "pending"  # row stored, POST not answered yet
    CREATED = "created"  # GoToAssist answered 200
    FAILED = "failed"  # GoToAssist refused or never answered; nothing is live


@dataclass(frozen=True, slots=True)
class SessionRequest:
    """What a technician asked for, validated (from slash text or the modal)."""

    kind: SessionKind
    customer_name: str | None = None
    customer_email: str | None = None
    partner_object: str | None = None
    partner_object_url: str | None = None
    machine_uuid: str | None = None
    machine_name: str | None = None  # from the machine directory, when found by name
    machine_company: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    """One remote-support session, as stored."""

    id: str
    team_id: str
    channel_id: str
    requester_id: str
    kind: SessionKind
    status: SessionStatus
    creation: CreationState
    created_at: datetime
    customer_name: str | None = None
    customer_email: str | None = None
    partner_object: str | None = None
    partner_object_url: str | None = None
    machine_uuid: str | None = None
    machine_name: str | None = None
    machine_company: str | None = None
    goto_session_id: str | None = None
    session_token_enc: str | None = None  # GoToAssist's sessionToken, encrypted
    customer_join_url: str | None = None
    expert_name: str | None = None
    started_at: datetime | None = None
    customer_joined_at: datetime | None = None
    ended_at: datetime | None = None
    notes: str | None = None
    recording_url: str | None = None
    collaborators: tuple[str, ...] = field(default_factory=tuple)
    card_channel: str | None = None
    card_ts: str | None = None
    thread_ts: str | None = None  # the message whose thread holds the card (a shortcut)
    expired: bool = False
    shared_account: bool = False
    tracking_lost: bool = False  # its GoTo account was unlinked or revoked: no more updates
    poll_failures: int = 0  # polls that failed in a row (they stretch the poll interval)
    next_poll_at: datetime | None = None  # None: not polled any more
    updated_at: datetime | None = None
    details_removed_at: datetime | None = None  # RETENTION_DAYS after the end: erased

    @property
    def card_thread(self) -> str | None:
        """The thread the card's replies go in: the card's own, or, for a card posted as a
        reply in a message's thread (a message shortcut), that message's thread."""
        if self.thread_ts and self.card_channel == self.channel_id:
            return self.thread_ts
        return self.card_ts

    @property
    def ran_for(self) -> timedelta | None:
        """From started to ended, once both are known (None for a clock that went back)."""
        return ran_between(self.started_at, self.ended_at)


def ran_between(started_at: datetime | None, ended_at: datetime | None) -> timedelta | None:
    """How long a session ran, once both ends are known; a naive time is taken as UTC."""
    if started_at is None or ended_at is None:
        return None
    delta = in_utc(ended_at) - in_utc(started_at)
    return delta if delta >= timedelta(0) else None


def in_utc(when: datetime) -> datetime:
    """``when`` with its UTC offset; a naive time (as SQLite returns it) is taken as UTC."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when
