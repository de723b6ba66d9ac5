"""Status callbacks, stored by group commit: one write transaction for every callback that
arrived while the previous group was being committed (duplicates and bursts are common)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection

from bot.sessions.lifecycle import Observation, observe
from bot.sessions.status import SessionStatus
from bot.store import outbox
from bot.store import sessions as store
from bot.store.database import Database
from bot.store.group_commit import GroupCommit
from bot.store.types import utcnow


class CallbackResult(Enum):
    UNKNOWN_TOKEN = "unknown_token"  # noqa: S105 - an outcome name, not a secret
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class _Arrival:
    token_hash: str
    obs: Observation


class CallbackInbox:
    def __init__(
        self,
        db: Database,
        next_poll: Callable[[SessionStatus, datetime], datetime],
        on_queued: Callable[[], None],
    ) -> None:
        self._next_poll = next_poll
        self._on_queued = on_queued
        self._group = GroupCommit(db, self._store, name="callback-inbox")

    async def put(self, token_hash: str, obs: Observation) -> CallbackResult:
        """Store one callback's observation; returns once it is committed."""
        result = await self._group.put(_Arrival(token_hash, obs))
        if result is CallbackResult.CHANGED:
            self._on_queued()
        return result

    def _store(self, conn: Connection, group: Sequence[_Arrival]) -> list[CallbackResult]:
        """Each observation merged into its session, in arrival order; then one UPDATE per
        changed session with its final state and one INSERT of every Slack write owed."""
        now = utcnow()
        found = store.lock_by_callback_hashes(conn, {a.token_hash for a in group})
        changed: dict[str, dict[str, Any]] = {}
        columns: set[str] = set()
        writes: list[dict[str, Any]] = []
        results: list[CallbackResult] = []
        for arrival in group:
            session = found.get(arrival.token_hash)
            if session is None:
                results.append(CallbackResult.UNKNOWN_TOKEN)
                continue
            change = observe(store.to_domain(session), arrival.obs)
            effects = store.effects_of(change, session["status"], now)
            if change.new_status is not None:
                effects.columns["next_poll_at"] = self._next_poll(change.new_status, now)
            session.update(effects.columns)
            columns.update(effects.columns)
            writes.extend(
                outbox.write_values(session["id"], kind, payload, now=now)
                for kind, payload in effects.writes
            )
            if not change.empty:
                changed[session["id"]] = session
            results.append(CallbackResult.UNCHANGED if change.empty else CallbackResult.CHANGED)
        store.save_columns(conn, list(changed.values()), columns)
        outbox.enqueue_many(conn, writes)
        return results
