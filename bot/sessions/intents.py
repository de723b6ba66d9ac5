"""The Slack writes a session's change owes, as typed intents.

A transition names what is owed; the outbox stores it; only the outbox worker turns an intent
into Block Kit, rendering from the session as stored when it is sent (so a card edit always
shows the latest state, however many changes it stands for).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.sessions.status import SessionStatus


@dataclass(frozen=True, slots=True)
class Card:
    """Post the card, or edit it to the stored state."""


@dataclass(frozen=True, slots=True)
class StatusReply:
    """One thread reply under the card for a status change (``NOT_STARTED``: it expired)."""

    status: SessionStatus


@dataclass(frozen=True, slots=True)
class JoinLink:
    """The customer join link as a thread reply under the card."""


@dataclass(frozen=True, slots=True)
class StartLink:
    """The technician's private start link (ephemeral in the thread, and a DM)."""


@dataclass(frozen=True, slots=True)
class HomeRefresh:
    """Publish ``user_id``'s App Home again (one of their sessions changed); sent no sooner
    than ``HOME_REFRESH_S`` after their last publish, and only if they ever opened it."""

    user_id: str


class DmKind(StrEnum):
    JOINED = "joined"  # the customer joined
    ENDED = "ended"  # the session ended (duration, notes, recording)


@dataclass(frozen=True, slots=True)
class TechnicianDm:
    """A DM to the technician about their session, unless they switched it off in Home."""

    kind: DmKind


SurfaceIntent = HomeRefresh | TechnicianDm


# -- why the requester is sent a private notice -------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreationFailed:
    """GoToAssist refused or never answered the create; ``reason`` is for the technician."""

    reason: str


@dataclass(frozen=True, slots=True)
class CreationInterrupted:
    """The app stopped while the create was in flight; it is never sent twice."""


@dataclass(frozen=True, slots=True)
class TrackingLost:
    """The GoTo account that follows the session was unlinked or revoked."""


@dataclass(frozen=True, slots=True)
class NotInChannel:
    """The bot cannot write in ``channel_id`` (not a member, or archived): the card moved."""

    channel_id: str
    archived: bool = False


NoticeReason = CreationFailed | CreationInterrupted | TrackingLost | NotInChannel


@dataclass(frozen=True, slots=True)
class Notice:
    """A private message to the requester: ephemeral where they are, else (``dm``) a DM."""

    reason: NoticeReason
    dm: bool = False


Intent = Card | StatusReply | JoinLink | StartLink | Notice | HomeRefresh | TechnicianDm
