"""The outbox: Slack writes owed, stored in the transaction of the change they reflect."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.tables import OUTBOX, SESSIONS, OutboxRow

# The worker's bookkeeping runs per delivery: Core statements on a Connection, run by
# Database.run_write (no unit of work, no identity map, one trip per transaction on SQLite).

# Kinds of write. The card and thread replies are rendered from the stored session when sent.
CARD = "card"  # post the card, or edit it to the latest stored state
JOIN_URL = "join_url"  # thread reply with the customer join link
STATUS_REPLY = "status_reply"  # thread reply for one status change; payload {"status": ...}
START_LINK = "start_link"  # the technician's private start link (ephemeral in thread + DM)
NOTICE = "notice"  # a private message to the requester; payload {"text": ..., "blocks": ...}

PENDING = "pending"
PARKED = "parked"


@dataclass(frozen=True, slots=True)
class OwedWrite:
    """One outbox row as the worker reads it."""

    id: int
    session_id: str
    kind: str
    payload: str
    state: str
    attempts: int
    created_at: datetime
    due_at: datetime


def write_values(
    session_id: str, kind: str, payload: dict[str, Any] | None, *, now: datetime
) -> dict[str, Any]:
    """The column values of a new outbox row."""
    return {
        "session_id": session_id,
        "kind": kind,
        "payload": json.dumps(payload or {}),
        "state": PENDING,
        "attempts": 0,
        "created_at": now,
        "due_at": now,
    }


def enqueue(
    db: AsyncSession,
    session_id: str,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    now: datetime,
) -> None:
    """Queue one write in the unit of work of ``db`` (flushed in queue order)."""
    db.add(OutboxRow(**write_values(session_id, kind, payload, now=now)))


def enqueue_many(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Queue writes given as ``write_values`` in one statement (ids follow the list order)."""
    if rows:
        conn.execute(insert(OUTBOX), list(rows))


def _with_due_work(now: datetime) -> Any:
    """Sessions with writes due, found from the (small) owed part of the outbox."""
    return (
        select(OUTBOX.c.session_id)
        .where(OUTBOX.c.state.in_((PENDING, PARKED)), OUTBOX.c.due_at <= now)
        .scalar_subquery()
    )


def claim(conn: Connection, now: datetime, held_until: datetime, limit: int) -> list[str]:
    """Lease up to ``limit`` sessions with due writes to this replica until ``held_until``.

    One replica at a time holds a session's writes, so they go out in order; a replica that
    dies holding a lease has the work re-claimed by another once the lease runs out. The
    lease's exact time is the holder's proof: ``renew`` and ``settle`` act only while the
    stored lease is still the one it was given.
    """
    lease = SESSIONS.c.outbox_lease_until
    query = (
        select(SESSIONS.c.id)
        .where(SESSIONS.c.id.in_(_with_due_work(now)))
        .where(or_(lease.is_(None), lease < now))
        .limit(limit)
        .with_for_update(skip_locked=True, of=SESSIONS)
    )
    ids = list(conn.execute(query).scalars().all())
    if ids:
        conn.execute(
            update(SESSIONS).where(SESSIONS.c.id.in_(ids)).values(outbox_lease_until=held_until)
        )
    return ids


def renew(conn: Connection, session_id: str, held: datetime, until: datetime) -> bool:
    """Extend a lease still held; False when it ran out and another replica took it."""
    result = conn.execute(
        update(SESSIONS)
        .where(SESSIONS.c.id == session_id, SESSIONS.c.outbox_lease_until == held)
        .values(outbox_lease_until=until)
    )
    return bool(result.rowcount)


_LEASE_TYPE = SESSIONS.c.outbox_lease_until.type
_RELEASE = (
    update(SESSIONS)
    .where(
        and_(
            SESSIONS.c.id == bindparam("key_id"),
            SESSIONS.c.outbox_lease_until == bindparam("key_held", type_=_LEASE_TYPE),
        )
    )
    .values(outbox_lease_until=bindparam("new_until", type_=_LEASE_TYPE))
)


def settle(
    conn: Connection,
    done: Sequence[int],
    releases: Sequence[tuple[str, datetime, datetime | None]],
) -> None:
    """Delete delivered rows and give sessions back: ``releases`` holds (session id, the lease
    held, not to be claimed before or None); a lease another replica holds now is left alone."""
    if done:
        conn.execute(delete(OUTBOX).where(OUTBOX.c.id.in_(done)))
    if releases:
        # In id order, as the callback group locks them: two transactions that lock the same
        # sessions in different orders deadlock on PostgreSQL (the benchmark found one).
        params = [
            {"key_id": session_id, "key_held": held, "new_until": until}
            for session_id, held, until in sorted(releases, key=lambda release: release[0])
        ]
        conn.execute(_RELEASE, params)


def owed_by(conn: Connection, session_ids: Sequence[str]) -> list[OwedWrite]:
    """Every write still owed to these sessions, due or not, in the order they were queued."""
    query = (
        select(*(OUTBOX.c[name] for name in OwedWrite.__dataclass_fields__))
        .where(OUTBOX.c.session_id.in_(session_ids), OUTBOX.c.state.in_((PENDING, PARKED)))
        .order_by(OUTBOX.c.id)
    )
    return [OwedWrite(**row) for row in conn.execute(query).mappings()]


def reschedule(
    conn: Connection,
    row_id: int,
    *,
    due_at: datetime,
    attempts: int,
    error: str,
    park: bool = False,
) -> None:
    """Try a write again at ``due_at``; ``park`` marks it parked (a parked write stays so)."""
    values: dict[str, Any] = {"attempts": attempts, "due_at": due_at, "last_error": error[:200]}
    if park:
        values["state"] = PARKED
    conn.execute(update(OUTBOX).where(OUTBOX.c.id == row_id).values(values))


async def depth(db: AsyncSession) -> dict[str, int]:
    query = select(OUTBOX.c.state, func.count()).group_by(OUTBOX.c.state)
    counts = {PENDING: 0, PARKED: 0}
    for state, count in (await db.execute(query)).all():
        counts[str(state)] = int(count)
    return counts
