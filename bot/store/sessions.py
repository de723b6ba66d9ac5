"""Reading and writing sessions. Every state change and the Slack writes it owes share one
transaction: callers pass the AsyncSession and commit."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import Connection, Update, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sessions.lifecycle import Change
from bot.sessions.model import CreationState, Session, SessionKind, SessionRequest
from bot.sessions.status import SessionStatus
from bot.store import outbox
from bot.store.tables import SESSIONS, SessionRow


def to_domain(row: SessionRow | Mapping[str, Any]) -> Session:
    """The domain session from a loaded row or a Core row's mapping (column -> value)."""
    value: Callable[[str], Any] = (
        row.__getitem__ if isinstance(row, Mapping) else partial(getattr, row)
    )
    collaborators = value("collaborators")
    return Session(
        id=value("id"),
        team_id=value("team_id"),
        channel_id=value("channel_id"),
        requester_id=value("requester_id"),
        kind=SessionKind(value("kind")),
        status=SessionStatus(value("status")),
        creation=CreationState(value("creation")),
        created_at=value("created_at"),
        customer_name=value("customer_name"),
        customer_email=value("customer_email"),
        partner_object=value("partner_object"),
        partner_object_url=value("partner_object_url"),
        machine_uuid=value("machine_uuid"),
        machine_name=value("machine_name"),
        goto_session_id=value("goto_session_id"),
        session_token=value("session_token"),
        customer_join_url=value("customer_join_url"),
        expert_name=value("expert_name"),
        started_at=value("started_at"),
        customer_joined_at=value("customer_joined_at"),
        ended_at=value("ended_at"),
        notes=value("notes"),
        recording_url=value("recording_url"),
        collaborators=tuple(json.loads(collaborators)) if collaborators else (),
        card_channel=value("card_channel"),
        card_ts=value("card_ts"),
        expired=value("expired"),
        shared_account=value("goto_account") is None,
        tracking_lost=bool(value("tracking_lost")),
    )


def new_pending(
    *,
    session_id: str,
    team_id: str,
    channel_id: str,
    requester_id: str,
    request: SessionRequest,
    callback_token_hash: str | None,
    goto_account: str | None,
    now: datetime,
) -> SessionRow:
    """A row stored before GoToAssist is asked, so that nothing started is ever lost."""
    return SessionRow(
        id=session_id,
        team_id=team_id,
        channel_id=channel_id,
        requester_id=requester_id,
        kind=request.kind.value,
        status=SessionStatus.NOT_STARTED.value,
        creation=CreationState.PENDING.value,
        expired=False,
        created_at=now,
        updated_at=now,
        goto_account=goto_account,
        customer_name=request.customer_name,
        customer_email=request.customer_email,
        partner_object=request.partner_object,
        partner_object_url=request.partner_object_url,
        machine_uuid=request.machine_uuid,
        callback_token_hash=callback_token_hash,
        poll_failures=0,
        tracking_lost=False,
    )


async def get(db: AsyncSession, session_id: str, *, lock: bool = False) -> SessionRow | None:
    query = select(SessionRow).where(SessionRow.id == session_id)
    if lock:
        query = query.with_for_update()
    return (await db.execute(query)).scalar_one_or_none()


def values_of(conn: Connection, session_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Sessions as column -> value mappings (a Core read, for ``to_domain``)."""
    query = select(SESSIONS).where(SESSIONS.c.id.in_(session_ids))
    return [dict(row) for row in conn.execute(query).mappings()]


async def find_for_user(db: AsyncSession, team_id: str, ref: str) -> SessionRow | None:
    """A session of this workspace by our id (or its prefix) or GoToAssist's session id."""
    query = (
        select(SessionRow)
        .where(SessionRow.team_id == team_id)
        .where(SessionRow.creation == CreationState.CREATED.value)
        .where(
            or_(
                SessionRow.id == ref,
                SessionRow.goto_session_id == ref,
                SessionRow.id.startswith(ref if len(ref) >= 6 else ref + "\0", autoescape=True),
            )
        )
        .order_by(SessionRow.created_at.desc())
        .limit(1)
    )
    return (await db.execute(query)).scalar_one_or_none()


async def recent_for(
    db: AsyncSession, team_id: str, requester_id: str, limit: int = 10
) -> Sequence[SessionRow]:
    query = (
        select(SessionRow)
        .where(SessionRow.team_id == team_id, SessionRow.requester_id == requester_id)
        .where(SessionRow.creation == CreationState.CREATED.value)
        .order_by(SessionRow.created_at.desc())
        .limit(limit)
    )
    return (await db.execute(query)).scalars().all()


@dataclass(frozen=True, slots=True)
class Effects:
    """What storing a change does: column values to write and Slack writes owed, in order."""

    columns: dict[str, Any]
    writes: tuple[tuple[str, dict[str, Any] | None], ...]


def effects_of(change: Change, stored_status: str, now: datetime) -> Effects:
    """The columns and Slack writes (card edit, thread replies) ``change`` costs."""
    if change.empty:
        return Effects({}, ())
    columns: dict[str, Any] = {}
    for name, value in change.values.items():
        if name == "collaborators":
            columns[name] = json.dumps(list(value))
        elif name == "status":
            columns[name] = SessionStatus(value).value
        else:
            columns[name] = value
    columns["updated_at"] = now
    writes: list[tuple[str, dict[str, Any] | None]] = []
    # A detail learned between status changes (expert name, a collaborator) waits for the
    # next status edit instead of costing a Slack write of its own; once the session has
    # ended there is no next edit, so late details (notes, recording) are shown at once.
    if (
        change.new_status is not None
        or SessionStatus(columns.get("status", stored_status)).is_terminal
    ):
        writes.append((outbox.CARD, None))
    if change.join_url_learned:
        writes.append((outbox.JOIN_URL, None))
    if change.new_status is not None:
        writes.append((outbox.STATUS_REPLY, {"status": change.new_status}))
        if change.new_status.is_terminal:
            columns["next_poll_at"] = None
            columns["launch_url_enc"] = (
                None  # a start link for an ended session is only a liability
            )
    return Effects(columns, tuple(writes))


def apply_change(db: AsyncSession, row: SessionRow, change: Change, now: datetime) -> None:
    """Store ``change`` on a loaded row and queue the Slack writes it owes."""
    effects = effects_of(change, row.status, now)
    for name, value in effects.columns.items():
        setattr(row, name, value)
    for kind, payload in effects.writes:
        outbox.enqueue(db, row.id, kind, payload, now=now)


# -- hot paths: Core statements on a Connection, run by Database.run_write ----------------------


_BY_CALLBACK_HASHES = (
    select(SESSIONS)
    .where(SESSIONS.c.callback_token_hash.in_(bindparam("hashes", expanding=True)))
    .where(SESSIONS.c.creation == CreationState.CREATED.value)
    .order_by(SESSIONS.c.id)  # two replicas lock overlapping groups in one order: no deadlock
    .with_for_update()
)


def lock_by_callback_hashes(conn: Connection, hashes: set[str]) -> dict[str, dict[str, Any]]:
    """Created sessions (column -> value) by the hash of their callback token, locked for the
    update (FOR UPDATE on PostgreSQL; on SQLite the write transaction holds the lock)."""
    result = conn.execute(_BY_CALLBACK_HASHES, {"hashes": list(hashes)})
    return {row["callback_token_hash"]: dict(row) for row in result.mappings()}


@lru_cache(maxsize=64)
def _update_columns(names: tuple[str, ...]) -> Update:
    """UPDATE sessions SET <names> WHERE id = :key_id, for executemany (built once per set)."""
    return (
        update(SESSIONS)
        .where(SESSIONS.c.id == bindparam("key_id"))
        .values({name: bindparam(f"new_{name}", type_=SESSIONS.c[name].type) for name in names})
    )


def save_columns(
    conn: Connection, sessions: Sequence[Mapping[str, Any]], columns: Iterable[str]
) -> None:
    """Write ``columns`` of each session as it stands in its mapping: one executemany."""
    names = tuple(sorted(set(columns)))
    if not sessions or not names:
        return
    params = [
        {"key_id": session["id"], **{f"new_{name}": session[name] for name in names}}
        for session in sessions
    ]
    conn.execute(_update_columns(names), params)


async def pending_before(db: AsyncSession, cutoff: datetime) -> Sequence[SessionRow]:
    """Creations still pending since before ``cutoff``: their request was cut off."""
    query = (
        select(SessionRow)
        .where(SessionRow.creation == CreationState.PENDING.value)
        .where(SessionRow.created_at < cutoff)
        .limit(100)
    )
    return (await db.execute(query)).scalars().all()


async def claim_polls(
    db: AsyncSession, now: datetime, lease: timedelta, limit: int
) -> list[SessionRow]:
    """Sessions due a poll, leased to this replica (SKIP LOCKED on PostgreSQL)."""
    query = (
        select(SessionRow)
        .where(SessionRow.next_poll_at.is_not(None), SessionRow.next_poll_at <= now)
        .where(or_(SessionRow.poll_lease_until.is_(None), SessionRow.poll_lease_until < now))
        .order_by(SessionRow.next_poll_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await db.execute(query)).scalars().all())
    if rows:
        await db.execute(
            update(SessionRow)
            .where(SessionRow.id.in_([r.id for r in rows]))
            .values(poll_lease_until=now + lease)
        )
    return rows
