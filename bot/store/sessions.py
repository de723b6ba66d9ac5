"""Reading and writing sessions. Every state change and the Slack writes it owes share one
transaction: callers pass the AsyncSession and commit."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sessions.lifecycle import Change
from bot.sessions.model import CreationState, Session, SessionKind, SessionRequest
from bot.sessions.status import SessionStatus
from bot.store import outbox
from bot.store.tables import SessionRow


def to_domain(row: SessionRow) -> Session:
    return Session(
        id=row.id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        requester_id=row.requester_id,
        kind=SessionKind(row.kind),
        status=SessionStatus(row.status),
        creation=CreationState(row.creation),
        created_at=row.created_at,
        customer_name=row.customer_name,
        customer_email=row.customer_email,
        partner_object=row.partner_object,
        partner_object_url=row.partner_object_url,
        machine_uuid=row.machine_uuid,
        machine_name=row.machine_name,
        goto_session_id=row.goto_session_id,
        session_token=row.session_token,
        customer_join_url=row.customer_join_url,
        expert_name=row.expert_name,
        started_at=row.started_at,
        customer_joined_at=row.customer_joined_at,
        ended_at=row.ended_at,
        notes=row.notes,
        recording_url=row.recording_url,
        collaborators=tuple(json.loads(row.collaborators)) if row.collaborators else (),
        card_channel=row.card_channel,
        card_ts=row.card_ts,
        expired=row.expired,
        shared_account=row.goto_account is None,
        tracking_lost=bool(row.tracking_lost),
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


async def get_many(db: AsyncSession, session_ids: Sequence[str]) -> list[SessionRow]:
    query = select(SessionRow).where(SessionRow.id.in_(session_ids))
    return list((await db.execute(query)).scalars().all())


async def by_callback_hashes(db: AsyncSession, hashes: set[str]) -> dict[str, SessionRow]:
    """Created sessions by the hash of their callback token, locked for the update."""
    query = (
        select(SessionRow)
        .where(SessionRow.callback_token_hash.in_(hashes))
        .where(SessionRow.creation == CreationState.CREATED.value)
        .with_for_update()
    )
    rows = (await db.execute(query)).scalars().all()
    return {row.callback_token_hash: row for row in rows if row.callback_token_hash}


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


def apply_change(db: AsyncSession, row: SessionRow, change: Change, now: datetime) -> None:
    """Store ``change`` and queue the Slack writes it owes (card edit, thread replies)."""
    if change.empty:
        return
    for name, value in change.values.items():
        if name == "collaborators":
            row.collaborators = json.dumps(list(value))
        elif name == "status":
            row.status = SessionStatus(value).value
        else:
            setattr(row, name, value)
    row.updated_at = now
    # A detail learned between status changes (expert name, a collaborator) waits for the
    # next status edit instead of costing a Slack write of its own; once the session has
    # ended there is no next edit, so late details (notes, recording) are shown at once.
    if change.new_status is not None or SessionStatus(row.status).is_terminal:
        outbox.enqueue(db, row.id, outbox.CARD, now=now)
    if change.join_url_learned:
        outbox.enqueue(db, row.id, outbox.JOIN_URL, now=now)
    if change.new_status is not None:
        outbox.enqueue(db, row.id, outbox.STATUS_REPLY, {"status": change.new_status}, now=now)
        if change.new_status.is_terminal:
            row.next_poll_at = None
            row.launch_url_enc = None  # a start link for an ended session is only a liability


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
