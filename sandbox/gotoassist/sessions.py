"""Driving sessions from a test: the technician starts, the customer joins, the session ends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.sessions.status import SessionStatus
from sandbox.gotoassist.records import StandInSession
from sandbox.gotoassist.state import GoToAssistState


class SessionControl(GoToAssistState):
    """Sessions as the people in them move them along."""

    def find(self, ref: str) -> StandInSession:
        """The session with this session token or id (any owner); KeyError if none."""
        session = self.sessions.get(ref)
        if session is None:
            session = next((s for s in self.sessions.values() if s.session_id == ref), None)
        if session is None:
            raise KeyError(f"no stand-in session {ref!r}")
        return session

    def list_sessions(self) -> list[StandInSession]:
        return list(self.sessions.values())

    def start_session(self, ref: str) -> StandInSession:
        """The technician starts the session: waiting, with a session id."""
        session = self._expect(ref, SessionStatus.NOT_STARTED)
        session.session_id = self._new_session_id()
        session.started_at = datetime.now(UTC)
        return self._move(session, SessionStatus.WAITING)

    def join_session(self, ref: str) -> StandInSession:
        """The customer joins: active."""
        session = self._expect(ref, SessionStatus.WAITING)
        session.customer_joined_at = datetime.now(UTC)
        return self._move(session, SessionStatus.ACTIVE)

    def end_session(
        self,
        ref: str,
        *,
        notes: str | None = None,
        recording_url: str | None = None,
        collaborators: list[Any] | None = None,
    ) -> StandInSession:
        """The session ends: complete if the customer joined, else abandoned."""
        session = self._expect(ref, SessionStatus.WAITING, SessionStatus.ACTIVE)
        session.ended_at = datetime.now(UTC)
        session.notes = notes
        session.recording_url = recording_url
        session.collaborators = list(collaborators or [])
        joined = session.customer_joined_at is not None
        return self._move(session, SessionStatus.COMPLETE if joined else SessionStatus.ABANDONED)

    def _expect(self, ref: str, *allowed: SessionStatus) -> StandInSession:
        session = self.find(ref)
        if session.status not in allowed:
            raise ValueError(f"session is {session.status.value}, not {allowed[0].value}")
        return session

    def _move(self, session: StandInSession, status: SessionStatus) -> StandInSession:
        session.status = status
        self._emit_callback(session)
        return session

    def _new_session_id(self) -> str:
        taken = {s.session_id for s in self.sessions.values()}
        while (candidate := str(self._rng.randrange(10**8, 10**9))) in taken:
            pass
        return candidate
