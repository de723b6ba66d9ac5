"""Session status ordering: a status never moves backwards and a terminal one is final."""

from __future__ import annotations

from enum import StrEnum


class SessionStatus(StrEnum):
    """GoToAssist session status, in the service's own spelling."""

    NOT_STARTED = "notStarted"
    WAITING = "waiting"
    ACTIVE = "active"
    COMPLETE = "complete"
    ABANDONED = "abandoned"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def is_terminal(self) -> bool:
        return self in (SessionStatus.COMPLETE, SessionStatus.ABANDONED)

    @property
    def words(self) -> str:
        """The status as a technician reads it."""
        return _WORDS[self]


_RANK = {
    SessionStatus.NOT_STARTED: 0,
    SessionStatus.WAITING: 1,
    SessionStatus.ACTIVE: 2,
    SessionStatus.COMPLETE: 3,
    SessionStatus.ABANDONED: 3,
}

_WORDS = {
    SessionStatus.NOT_STARTED: "not started",
    SessionStatus.WAITING: "waiting",
    SessionStatus.ACTIVE: "active",
    SessionStatus.COMPLETE: "complete",
    SessionStatus.ABANDONED: "abandoned",
}


def advance(current: SessionStatus, incoming: SessionStatus) -> SessionStatus | None:
    """The status after seeing ``incoming``, or None when nothing changes.

    A status never moves backwards, a duplicate changes nothing, and the first terminal
    status is final (a later ``abandoned`` does not overwrite ``complete`` or vice versa).
    """
    if current.is_terminal:
        return None
    if incoming.rank <= current.rank:
        return None
    return incoming
