"""What an observation of a session (callback body or GET) changes in its stored state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.sessions.model import Session
from bot.sessions.status import SessionStatus, advance


@dataclass(frozen=True, slots=True)
class Observation:
    """GoToAssist's view of a session at one moment (a callback or a GET answer)."""

    status: SessionStatus
    goto_session_id: str | None = None
    customer_join_url: str | None = None
    expert_name: str | None = None
    machine_name: str | None = None
    started_at: datetime | None = None
    customer_joined_at: datetime | None = None
    ended_at: datetime | None = None
    notes: str | None = None
    recording_url: str | None = None
    collaborators: tuple[str, ...] = ()


# Observation fields that map one-to-one onto Session attributes.
_FIELDS = (
    "goto_session_id",
    "customer_join_url",
    "expert_name",
    "machine_name",
    "started_at",
    "customer_joined_at",
    "ended_at",
    "notes",
    "recording_url",
)


@dataclass(frozen=True, slots=True)
class Change:
    """What to store, and what it means for Slack."""

    values: dict[str, Any] = field(default_factory=dict)
    new_status: SessionStatus | None = None
    join_url_learned: bool = False

    @property
    def empty(self) -> bool:
        return not self.values


def observe(session: Session, obs: Observation) -> Change:
    """Merge ``obs`` into ``session``.

    The status never moves backwards and a terminal status is final. An observation at the
    current status or later may overwrite details; an older one (a late or reordered callback)
    may only fill in details still missing, so any order of the same callbacks ends in the
    same stored state.
    """
    new_status = advance(session.status, obs.status)
    current_or_later = new_status is not None or obs.status == session.status
    values: dict[str, Any] = {}
    for name in _FIELDS:
        incoming = getattr(obs, name)
        if incoming is None or incoming == "":
            continue
        stored = getattr(session, name)
        if name == "goto_session_id" and stored is not None:
            continue  # GoToAssist's id for a session never changes once known
        if stored is None or (current_or_later and stored != incoming):
            values[name] = incoming
    if obs.collaborators and (
        not session.collaborators
        or (current_or_later and obs.collaborators != session.collaborators)
    ):
        values["collaborators"] = obs.collaborators
    if new_status is not None:
        values["status"] = new_status
    return Change(
        values=values,
        new_status=new_status,
        join_url_learned=session.customer_join_url is None and "customer_join_url" in values,
    )
