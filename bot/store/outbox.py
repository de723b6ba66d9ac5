"""The outbox: Slack writes owed, stored in the transaction of the change they reflect."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.tables import OutboxRow, SessionRow

# Kinds of write. The card and thread replies are rendered from the stored session when sent.
CARD = "card"  # post the card, or edit it to the latest stored state
JOIN_URL = "join_url"  # thread reply with the customer join link
STATUS_REPLY = "status_reply"  # thread reply for one status change; payload {"status": ...}
START_LINK = "start_link"  # the technician's private start link (ephemeral in thread + DM)
NOTICE = "notice"  # a private message to the requester; payload {"text": ..., "blocks": ...}

PENDING = "pending"
PARKED = "parked"


def enqueue(
    db: AsyncSession,
    session_id: str,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    now: datetime,
) -> None:
    db.add(
        OutboxRow(
            session_id=session_id,
            kind=kind,
            payload=json.dumps(payload or {}),
            state=PENDING,
            attempts=0,
            created_at=now,
            due_at=now,
        )
    )


def _with_due_work(now: datetime) -> Any:
    """Sessions with writes due, found from the (small) owed part of the outbox."""
    return (
        select(OutboxRow.session_id)
        .where(OutboxRow.state.in_((PENDING, PARKED)), OutboxRow.due_at <= now)
        .scalar_subquery()
    )


async def claim(db: AsyncSession, now: datetime, held_until: datetime, limit: int) -> list[str]:
    """Lease up to ``limit`` sessions with due writes to this replica until ``held_until``.

    One replica at a time holds a session's writes, so they go out in order; a replica that
    dies holding a lease has the work re-claimed by another once the lease runs out. The
    lease's exact time is the holder's proof: ``renew`` and ``settle`` act only while the
    stored lease is still the one it was given.
    """
    query = (
        select(SessionRow.id)
        .where(SessionRow.id.in_(_with_due_work(now)))
        .where(or_(SessionRow.outbox_lease_until.is_(None), SessionRow.outbox_lease_until < now))
        .limit(limit)
        .with_for_update(skip_locked=True, of=SessionRow)
    )
    ids = list((await db.execute(query)).scalars().all())
    if ids:
        await db.execute(
            update(SessionRow).where(SessionRow.id.in_(ids)).values(outbox_lease_until=held_until)
        )
    return ids


async def renew(db: AsyncSession, session_id: str, held: datetime, until: datetime) -> bool:
    """Extend a lease still held; False when it ran out and another replica took it."""
    result = await db.execute(
        update(SessionRow)
        .where(SessionRow.id == session_id, SessionRow.outbox_lease_until == held)
        .values(outbox_lease_until=until)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def settle(
    db: AsyncSession,
    done: Sequence[int],
    releases: Sequence[tuple[str, datetime, datetime | None]],
) -> None:
    """Delete delivered rows and give sessions back: ``releases`` holds (session id, the lease
    held, not to be claimed before or None); a lease another replica holds now is left alone."""
    if done:
        await db.execute(delete(OutboxRow).where(OutboxRow.id.in_(done)))
    for session_id, held, until in releases:
        await db.execute(
            update(SessionRow)
            .where(SessionRow.id == session_id, SessionRow.outbox_lease_until == held)
            .values(outbox_lease_until=until)
        )


async def owed_by(db: AsyncSession, session_ids: Sequence[str]) -> Sequence[OutboxRow]:
    """Every write still owed to these sessions, due or not, in the order they were queued."""
    query = (
        select(OutboxRow)
        .where(OutboxRow.session_id.in_(session_ids), OutboxRow.state.in_((PENDING, PARKED)))
        .order_by(OutboxRow.id)
    )
    return (await db.execute(query)).scalars().all()


async def depth(db: AsyncSession) -> dict[str, int]:
    query = select(OutboxRow.state, func.count()).group_by(OutboxRow.state)
    counts = {PENDING: 0, PARKED: 0}
    for state, count in (await db.execute(query)).all():
        counts[str(state)] = int(count)
    return counts
