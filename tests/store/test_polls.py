"""Claiming polls on SQLite and PostgreSQL: a poll confirming a terminal callback is claimed
apart from background polls (it is asked ahead of them); and a start's request key (a
workflow step's execution id) is stored once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection, update

from bot.clock import utcnow
from bot.sessions.lifecycle import Observation
from bot.sessions.limits import StartLimits
from bot.sessions.model import SessionKind, SessionRequest
from bot.sessions.status import SessionStatus
from bot.sessions.transition import CallbackArrived, PollSchedule
from bot.store import sessions as store
from bot.store.database import Database
from bot.store.tables import SESSIONS

LEASE = timedelta(seconds=30)


def pending(session_id: str, request_key: str | None = None) -> store.Values:
    return store.new_pending(
        session_id=session_id,
        team_id="T1",
        channel_id="C1",
        requester_id="U1",
        request=SessionRequest(kind=SessionKind.ATTENDED, customer_name="Jane"),
        callback_token_hash=None,
        goto_account=None,
        now=utcnow(),
        request_key=request_key,
    )


def due_now(conn: Connection, ids: list[str]) -> None:
    moment = utcnow() - timedelta(seconds=1)
    conn.execute(update(SESSIONS).where(SESSIONS.c.id.in_(ids)).values(next_poll_at=moment))


async def test_a_terminal_callbacks_confirmation_is_claimed_apart(db: Database) -> None:
    for sid in ("background", "confirming"):
        await db.run_write(store.insert_session, pending(sid))
    ended = CallbackArrived(Observation(SessionStatus.COMPLETE))
    schedule = PollSchedule(
        young=timedelta(seconds=10),
        active=timedelta(seconds=30),
        idle=timedelta(seconds=300),
        young_for=timedelta(minutes=10),
        expire_after=timedelta(hours=24),
        confirm_after=timedelta(0),
    )
    await db.run_write(store.write_event, "confirming", ended, schedule, utcnow())
    await db.run_write(due_now, ["background"])

    later = utcnow() + timedelta(seconds=1)
    async with db.read() as tx:
        assert await store.confirm_due(tx, later)
    assert await db.run_write(store.claim_polls, later, LEASE, 10) == ["background"]
    assert await db.run_write(store.claim_polls, later, LEASE, 10, confirms=True) == ["confirming"]
    # Claimed once; its lease lapsed (the poll failed), it is an ordinary poll again.
    async with db.read() as tx:
        assert not await store.confirm_due(tx, later)
    lapsed = later + LEASE + timedelta(seconds=1)
    assert await db.run_write(store.claim_polls, lapsed, LEASE, 10, confirms=True) == []
    again = await db.run_write(store.claim_polls, lapsed, LEASE, 10)
    assert sorted(again) == ["background", "confirming"]


async def test_a_request_key_starts_once(db: Database) -> None:
    since = utcnow() - timedelta(minutes=1)
    limits = StartLimits(0, 0)
    first = pending("first", request_key="function:Fx1")
    assert await db.run_write(store.insert_within_limits, first, limits, since) is None
    with pytest.raises(store.AlreadyStarted) as raised:
        await db.run_write(
            store.insert_within_limits, pending("second", "function:Fx1"), limits, since
        )
    assert raised.value.session_id == "first"
    async with db.read() as tx:
        assert await store.started_by(tx, "function:Fx1") == "first"
        assert await store.get(tx, "second") is None
    # Starts without a key are never taken for one another.
    for sid in ("a", "b"):
        assert await db.run_write(store.insert_within_limits, pending(sid), limits, since) is None
