"""Status callbacks, stored by group commit: one write transaction for every callback that
arrived while the previous group was being committed (duplicates and bursts are common)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Connection

from bot.clock import utcnow
from bot.sessions.lifecycle import Observation
from bot.sessions.transition import CallbackArrived, PollSchedule, transition
from bot.store import sessions as session_store
from bot.store.database import Database
from bot.store.group_commit import GroupCommit


class CallbackResult(Enum):
    UNKNOWN_TOKEN = "unknown_token"  # noqa: S105 - an outcome name, not a secret
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class _Arrival:
    token_hash: str
    obs: Observation


class CallbackInbox:
    def __init__(self, db: Database, schedule: PollSchedule, on_queued: Callable[[], None]) -> None:
        self._schedule = schedule
        self._on_queued = on_queued
        self._group = GroupCommit(db, self._store, name="callback-inbox")

    async def put(self, token_hash: str, obs: Observation) -> CallbackResult:
        """Store one callback's observation; returns once it is committed."""
        result = await self._group.put(_Arrival(token_hash, obs))
        if result is CallbackResult.CHANGED:
            self._on_queued()
        return result

    def _store(self, conn: Connection, group: Sequence[_Arrival]) -> list[CallbackResult]:
        """Each observation is a transition of its session, in arrival order; then one UPDATE
        of every changed session's final state and one INSERT of every Slack intent owed."""
        now = utcnow()
        found = session_store.lock_by_callback_hashes(conn, {a.token_hash for a in group})
        writes = session_store.Writes(now)
        results: list[CallbackResult] = []
        for arrival in group:
            row = found.get(arrival.token_hash)
            if row is None:
                results.append(CallbackResult.UNKNOWN_TOKEN)
                continue
            event = CallbackArrived(arrival.obs)
            change = transition(session_store.to_domain(row), event, now, self._schedule)
            writes.add(row, change)
            changed = change.changes_session
            results.append(CallbackResult.CHANGED if changed else CallbackResult.UNCHANGED)
        writes.save(conn)
        return results
