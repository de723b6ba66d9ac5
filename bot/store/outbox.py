"""The outbox: Slack writes owed, stored in the transaction of the change they reflect.

Each row carries one typed intent (bot.sessions.intents): its ``kind`` and a small JSON
payload. Nothing here renders: the outbox worker turns an intent into Block Kit when it sends.
Rows written by earlier versions (a notice stored already rendered, ``{"expired": true}``)
decode too, so an upgrade delivers what was owed before it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sessions.intents import (
    Card,
    CreationFailed,
    CreationInterrupted,
    DmKind,
    HomeRefresh,
    Intent,
    JoinLink,
    Notice,
    NotInChannel,
    StartLink,
    StatusReply,
    TechnicianDm,
    TrackingLost,
)
from bot.sessions.status import SessionStatus
from bot.store.tables import OUTBOX, SESSIONS

# The worker's bookkeeping runs per delivery: Core statements on a Connection, run by
# Database.run_write (no unit of work, no identity map, one trip per transaction on SQLite).

# Kinds of write, as stored in the ``kind`` column.
CARD = "card"  # post the card, or edit it to the latest stored state
JOIN_URL = "join_url"  # thread reply with the customer join link
STATUS_REPLY = "status_reply"  # thread reply for one status change; payload {"status": ...}
START_LINK = "start_link"  # the technician's private start link (ephemeral in thread + DM)
NOTICE = "notice"  # a private message to the requester; payload {"reason": ..., "dm": ...}
HOME = "home"  # publish a user's App Home again; payload {"user": ...}
DM = "dm"  # a DM to the technician (customer joined, session ended); payload {"dm": ...}

PENDING = "pending"
PARKED = "parked"


@dataclass(frozen=True, slots=True)
class RenderedNotice:
    """A notice stored already rendered, by a version before typed intents."""

    text: str
    blocks: list[dict[str, Any]] | None
    dm: bool


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A row whose kind or payload this version does not know."""

    why: str


Owed = Intent | RenderedNotice | Unreadable


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

    def intent(self) -> Owed:
        return decode(self.kind, self.payload)


_REASONS = {
    CreationFailed: "creation_failed",
    CreationInterrupted: "creation_interrupted",
    TrackingLost: "tracking_lost",
    NotInChannel: "not_in_channel",
}


def encode(intent: Intent) -> tuple[str, dict[str, Any]]:
    """The ``kind`` and payload that store ``intent``."""
    match intent:
        case Card():
            return CARD, {}
        case JoinLink():
            return JOIN_URL, {}
        case StartLink():
            return START_LINK, {}
        case StatusReply(status=status):
            return STATUS_REPLY, {"status": status.value}
        case HomeRefresh(user_id=user_id):
            return HOME, {"user": user_id}
        case TechnicianDm(kind=dm_kind):
            return DM, {"dm": dm_kind.value}
        case Notice(reason=reason, dm=dm):
            payload: dict[str, Any] = {"reason": _REASONS[type(reason)], "dm": dm}
            if isinstance(reason, CreationFailed):
                payload["detail"] = reason.reason
            elif isinstance(reason, NotInChannel):
                payload.update(channel=reason.channel_id, archived=reason.archived)
            return NOTICE, payload
    raise AssertionError(f"unknown intent {intent!r}")


def decode(kind: str, payload_json: str) -> Owed:
    """The intent a stored row carries (rows from earlier versions included)."""
    try:
        payload = json.loads(payload_json or "{}")
        return _decode(kind, payload)
    except (ValueError, KeyError, TypeError) as exc:
        return Unreadable(f"{kind}: {exc}")


def _decode(kind: str, payload: dict[str, Any]) -> Owed:
    if kind == CARD:
        return Card()
    if kind == JOIN_URL:
        return JoinLink()
    if kind == START_LINK:
        return StartLink()
    if kind == STATUS_REPLY:
        # Earlier versions stored an expiry as {"expired": true}: the never-started reply.
        return StatusReply(SessionStatus(payload.get("status", SessionStatus.NOT_STARTED)))
    if kind == HOME:
        return HomeRefresh(str(payload["user"]))
    if kind == DM:
        return TechnicianDm(DmKind(payload["dm"]))
    if kind == NOTICE:
        dm = bool(payload.get("dm"))
        reason = payload.get("reason")
        if reason is None:  # rendered by an earlier version
            return RenderedNotice(str(payload.get("text", "")), payload.get("blocks") or None, dm)
        if reason == "creation_failed":
            return Notice(CreationFailed(str(payload["detail"])), dm=dm)
        if reason == "creation_interrupted":
            return Notice(CreationInterrupted(), dm=dm)
        if reason == "tracking_lost":
            return Notice(TrackingLost(), dm=dm)
        if reason == "not_in_channel":
            where = NotInChannel(str(payload["channel"]), archived=bool(payload["archived"]))
            return Notice(where, dm=dm)
        return Unreadable(f"notice reason {reason!r}")
    return Unreadable(f"kind {kind!r}")


def row_values(session_id: str, intent: Intent, now: datetime) -> dict[str, Any]:
    """The column values of a new outbox row owing ``intent``."""
    kind, payload = encode(intent)
    return {
        "session_id": session_id,
        "kind": kind,
        "payload": json.dumps(payload),
        "state": PENDING,
        "attempts": 0,
        "created_at": now,
        "due_at": now,
    }


def insert_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Queue writes given as ``row_values`` in one statement (ids follow the list order)."""
    if rows:
        conn.execute(insert(OUTBOX), list(rows))


def enqueue(conn: Connection, session_id: str, intents: Sequence[Intent], now: datetime) -> None:
    """Queue Slack intents for a session outside any change of its state."""
    insert_rows(conn, [row_values(session_id, intent, now) for intent in intents])


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


async def depth(tx: AsyncSession) -> dict[str, int]:
    query = select(OUTBOX.c.state, func.count()).group_by(OUTBOX.c.state)
    counts = {PENDING: 0, PARKED: 0}
    for state, count in (await tx.execute(query)).all():
        counts[str(state)] = int(count)
    return counts
