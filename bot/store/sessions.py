"""The sessions repository: Core statements, one write path.

Reads for the listeners (``get``, ``find_for_user``, ``recent_for``) take an AsyncSession from
``Database.read()`` and return Core rows (``row.launch_url_enc`` and the other columns by
attribute; ``to_domain(row)`` for the domain session). Every change to a session (a start,
a poll, a callback, a card's message id) is a function of a Connection run by
``Database.run_write``: the session's row is locked, the domain's ``Transition`` is stored
with the Slack intents it owes, all in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Select,
    Update,
    and_,
    bindparam,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sessions.limits import StartLimits, is_open, start_refusal
from bot.sessions.model import CreationState, Session, SessionKind, SessionRequest
from bot.sessions.status import SessionStatus
from bot.sessions.surfaces import owed_on_change
from bot.sessions.transition import KEEP, Event, PollSchedule, Transition, transition
from bot.store import outbox
from bot.store.tables import SESSIONS

Values = dict[str, Any]  # one sessions row, column -> value


def to_domain(row: Row[Any] | Mapping[Any, Any]) -> Session:
    """The domain session from a row (as ``get`` returns it) or its column -> value mapping."""
    value: Mapping[Any, Any] = row._mapping if isinstance(row, Row) else row
    collaborators = value["collaborators"]
    return Session(
        id=value["id"],
        team_id=value["team_id"],
        channel_id=value["channel_id"],
        requester_id=value["requester_id"],
        kind=SessionKind(value["kind"]),
        status=SessionStatus(value["status"]),
        creation=CreationState(value["creation"]),
        created_at=value["created_at"],
        customer_name=value["customer_name"],
        customer_email=value["customer_email"],
        partner_object=value["partner_object"],
        partner_object_url=value["partner_object_url"],
        machine_uuid=value["machine_uuid"],
        machine_name=value["machine_name"],
        machine_company=value["machine_company"],
        goto_session_id=value["goto_session_id"],
        session_token_enc=value["session_token_enc"],
        customer_join_url=value["customer_join_url"],
        expert_name=value["expert_name"],
        started_at=value["started_at"],
        customer_joined_at=value["customer_joined_at"],
        ended_at=value["ended_at"],
        notes=value["notes"],
        recording_url=value["recording_url"],
        collaborators=tuple(json.loads(collaborators)) if collaborators else (),
        card_channel=value["card_channel"],
        card_ts=value["card_ts"],
        thread_ts=value.get("thread_ts"),
        expired=bool(value["expired"]),
        shared_account=value["goto_account"] is None,
        tracking_lost=bool(value["tracking_lost"]),
        poll_failures=int(value["poll_failures"] or 0),
        next_poll_at=value["next_poll_at"],
        updated_at=value["updated_at"],
        details_removed_at=value["details_removed_at"],
    )


def request_of(session: Session) -> SessionRequest:
    """What the technician asked for, as stored with the session."""
    return SessionRequest(
        kind=session.kind,
        customer_name=session.customer_name,
        customer_email=session.customer_email,
        partner_object=session.partner_object,
        partner_object_url=session.partner_object_url,
        machine_uuid=session.machine_uuid,
        machine_name=session.machine_name,
        machine_company=session.machine_company,
    )


# -- reads ---------------------------------------------------------------------------------------


async def get(tx: AsyncSession, session_id: str) -> Row[Any] | None:
    query = select(SESSIONS).where(SESSIONS.c.id == session_id)
    return (await tx.execute(query)).one_or_none()


async def started_by(tx: AsyncSession, request_key: str) -> str | None:
    """The session a start with this ``request_key`` stored, if any (a retried delivery)."""
    query = select(SESSIONS.c.id).where(SESSIONS.c.request_key == request_key)
    found = (await tx.execute(query)).scalar()
    return None if found is None else str(found)


async def find_for_user(tx: AsyncSession, team_id: str, ref: str) -> Row[Any] | None:
    """A session of this workspace by our id (or its prefix) or GoToAssist's session id."""
    query = (
        select(SESSIONS)
        .where(SESSIONS.c.team_id == team_id)
        .where(SESSIONS.c.creation == CreationState.CREATED.value)
        .where(
            or_(
                SESSIONS.c.id == ref,
                SESSIONS.c.goto_session_id == ref,
                SESSIONS.c.id.startswith(ref if len(ref) >= 6 else ref + "\0", autoescape=True),
            )
        )
        .order_by(SESSIONS.c.created_at.desc())
        .limit(1)
    )
    return (await tx.execute(query)).first()


async def recent_for(
    tx: AsyncSession, team_id: str, requester_id: str, limit: int = 10
) -> Sequence[Row[Any]]:
    query = (
        select(SESSIONS)
        .where(SESSIONS.c.team_id == team_id, SESSIONS.c.requester_id == requester_id)
        .where(SESSIONS.c.creation == CreationState.CREATED.value)
        .order_by(SESSIONS.c.created_at.desc())
        .limit(limit)
    )
    return (await tx.execute(query)).all()


def _load_query(team_id: str, user_id: str, since: datetime) -> Select[Any]:
    """One technician's sessions that count against their limits: started since ``since``,
    or not ended yet."""
    terminal = [status.value for status in SessionStatus if status.is_terminal]
    return (
        select(
            SESSIONS.c.created_at,
            SESSIONS.c.creation,
            SESSIONS.c.status,
            SESSIONS.c.expired,
            SESSIONS.c.tracking_lost,
        )
        .where(SESSIONS.c.team_id == team_id, SESSIONS.c.requester_id == user_id)
        .where(
            or_(
                SESSIONS.c.created_at >= since,
                and_(
                    SESSIONS.c.creation != CreationState.FAILED.value,
                    SESSIONS.c.status.not_in(terminal),
                ),
            )
        )
    )


def _load(rows: Iterable[Row[Any]], since: datetime) -> tuple[int, int]:
    """(sessions started since ``since``, sessions open now)."""
    started = opened = 0
    for row in rows:
        started += row.created_at >= since
        opened += is_open(
            CreationState(row.creation),
            SessionStatus(row.status),
            bool(row.expired),
            bool(row.tracking_lost),
        )
    return started, opened


async def load_of(tx: AsyncSession, team_id: str, user_id: str, since: datetime) -> tuple[int, int]:
    """How many sessions the technician started since ``since``, and how many are open."""
    return _load((await tx.execute(_load_query(team_id, user_id, since))).all(), since)


async def past_retention(tx: AsyncSession, cutoff: datetime, limit: int) -> list[str]:
    """Ids of sessions that ended (or never started) before ``cutoff`` and still hold
    their customer's details; ``transition`` decides each one again under its lock."""
    terminal = [status.value for status in SessionStatus if status.is_terminal]
    query = (
        select(SESSIONS.c.id)
        .where(SESSIONS.c.details_removed_at.is_(None), SESSIONS.c.updated_at < cutoff)
        .where(
            or_(
                SESSIONS.c.status.in_(terminal),
                SESSIONS.c.creation == CreationState.FAILED.value,
                SESSIONS.c.expired.is_(True),
                SESSIONS.c.tracking_lost.is_(True),
            )
        )
        .order_by(SESSIONS.c.updated_at)
        .limit(limit)
    )
    return list((await tx.execute(query)).scalars().all())


async def pending_before(tx: AsyncSession, cutoff: datetime) -> list[Session]:
    """Creations still pending since before ``cutoff``: their request was cut off."""
    query = (
        select(SESSIONS)
        .where(SESSIONS.c.creation == CreationState.PENDING.value)
        .where(SESSIONS.c.created_at < cutoff)
        .limit(100)
    )
    return [to_domain(row) for row in (await tx.execute(query)).all()]


# -- writes: functions of a Connection, run by Database.run_write ---------------------------------


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
    thread_ts: str | None = None,
    request_key: str | None = None,
) -> Values:
    """A row stored before GoToAssist is asked, so that nothing started is ever lost.
    ``request_key``: what made the start when it may be delivered again (unique)."""
    return {
        "id": session_id,
        "team_id": team_id,
        "channel_id": channel_id,
        "requester_id": requester_id,
        "kind": request.kind.value,
        "status": SessionStatus.NOT_STARTED.value,
        "creation": CreationState.PENDING.value,
        "expired": False,
        "created_at": now,
        "updated_at": now,
        "goto_account": goto_account,
        "customer_name": request.customer_name,
        "customer_email": request.customer_email,
        "partner_object": request.partner_object,
        "partner_object_url": request.partner_object_url,
        "machine_uuid": request.machine_uuid,
        "machine_name": request.machine_name,
        "machine_company": request.machine_company,
        "callback_token_hash": callback_token_hash,
        "poll_failures": 0,
        "tracking_lost": False,
        "thread_ts": thread_ts,
        "request_key": request_key,
    }


def insert_session(conn: Connection, values: Values) -> None:
    conn.execute(insert(SESSIONS).values(values))


def insert_within_limits(
    conn: Connection, values: Values, limits: StartLimits, since: datetime
) -> str | None:
    """Store the pending session and say whether its technician was already over a start
    limit (counted and inserted in one write transaction, so two starts racing past the
    check each listener makes first are still caught: the second is then failed, in words,
    rather than lost)."""
    key = values.get("request_key")
    if key is not None:
        found = conn.execute(select(SESSIONS.c.id).where(SESSIONS.c.request_key == key))
        existing = found.scalar()
        if existing is not None:
            raise AlreadyStarted(str(existing))
    query = _load_query(values["team_id"], values["requester_id"], since)
    started, opened = _load(conn.execute(query).all(), since)
    try:
        insert_session(conn, values)
    except IntegrityError:
        if key is None:
            raise
        raise AlreadyStarted(None) from None  # another replica stored it a moment ago
    return start_refusal(started, opened, limits)


class AlreadyStarted(Exception):
    """The start's ``request_key`` is stored already: this is a retried delivery of a start
    that was taken on (``session_id``, when known); nothing is stored or started again."""

    def __init__(self, session_id: str | None) -> None:
        super().__init__(session_id)
        self.session_id = session_id


def _column_values(transition: Transition) -> Values:
    """The stored form of a transition's values (and its next poll time, unless kept)."""
    columns: Values = {}
    for name, value in transition.values.items():
        if name == "collaborators":
            columns[name] = json.dumps(list(value))
        elif isinstance(value, SessionStatus | CreationState):
            columns[name] = value.value
        else:
            columns[name] = value
    if transition.next_poll_at is not KEEP:
        columns["next_poll_at"] = transition.next_poll_at
    if transition.confirm:
        columns["confirm_poll"] = True
    return columns


class Writes:
    """Transitions of locked sessions, stored together: one UPDATE (an executemany) of every
    changed session's final state and one INSERT of every Slack intent owed, in order."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self._changed: dict[str, Values] = {}
        self._columns: set[str] = set()
        self._owed: list[Values] = []

    def add(self, row: Values, transition: Transition) -> None:
        """Apply ``transition`` to ``row`` (updated in place, so a later transition of the
        same session in this transaction sees it) and queue what it owes."""
        columns = _column_values(transition)
        if columns:
            row.update(columns)
            self._columns.update(columns)
            self._changed[row["id"]] = row
        intents = [*transition.intents]
        intents += owed_on_change(
            SessionKind(row["kind"]),
            row["requester_id"],
            transition.intents,
            expired=bool(row.get("expired")),
        )
        self._owed.extend(outbox.row_values(row["id"], intent, self._now) for intent in intents)

    @property
    def owes_slack(self) -> bool:
        return bool(self._owed)

    def save(self, conn: Connection) -> None:
        _save_columns(conn, list(self._changed.values()), self._columns)
        outbox.insert_rows(conn, self._owed)


def write_event(
    conn: Connection, session_id: str, event: Event, schedule: PollSchedule, now: datetime
) -> Transition | None:
    """Lock one session, work out what ``event`` does to it (``sessions.transition``), store
    that and the intents it owes. None when there is no such session."""
    query = select(SESSIONS).where(SESSIONS.c.id == session_id).with_for_update()
    found = conn.execute(query).mappings().one_or_none()
    if found is None:
        return None
    row = dict(found)
    done = transition(to_domain(row), event, now, schedule)
    writes = Writes(now)
    writes.add(row, done)
    writes.save(conn)
    return done


def store_card(conn: Connection, session_id: str, channel: str, ts: str) -> Session | None:
    """Record where the session's card now is; the session as it stands after."""
    conn.execute(
        update(SESSIONS).where(SESSIONS.c.id == session_id).values(card_channel=channel, card_ts=ts)
    )
    found = conn.execute(select(SESSIONS).where(SESSIONS.c.id == session_id)).mappings()
    row = found.one_or_none()
    return to_domain(row) if row is not None else None


def by_ids(conn: Connection, session_ids: Sequence[str]) -> list[Session]:
    """Sessions by id (the outbox worker reads what it claimed)."""
    query = select(SESSIONS).where(SESSIONS.c.id.in_(session_ids))
    return [to_domain(row) for row in conn.execute(query).mappings()]


# -- hot paths: Core statements on a Connection, run by Database.run_write ----------------------


_BY_CALLBACK_HASHES = (
    select(SESSIONS)
    .where(SESSIONS.c.callback_token_hash.in_(bindparam("hashes", expanding=True)))
    .where(SESSIONS.c.creation == CreationState.CREATED.value)
    .order_by(SESSIONS.c.id)  # two replicas lock overlapping groups in one order: no deadlock
    .with_for_update()
)


def lock_by_callback_hashes(conn: Connection, hashes: set[str]) -> dict[str, Values]:
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


def _save_columns(
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


async def confirm_due(tx: AsyncSession, now: datetime) -> bool:
    """Whether a poll confirming a terminal callback is due (a read: the confirmation loop
    asks often, and only takes a write transaction when there is one to claim)."""
    query = (
        select(SESSIONS.c.id)
        .where(SESSIONS.c.confirm_poll == True)  # noqa: E712 (a SQL expression)
        .where(SESSIONS.c.next_poll_at <= now)
        .limit(1)
    )
    return (await tx.execute(query)).first() is not None


def claim_polls(
    conn: Connection, now: datetime, lease: timedelta, limit: int, *, confirms: bool = False
) -> list[str]:
    """Sessions due a poll, longest overdue first, leased to this replica (SKIP LOCKED on
    PostgreSQL). ``confirms``: only polls confirming a terminal callback (then no longer
    marked: should this one fail, the retry is an ordinary poll); else only the others."""
    query = (
        select(SESSIONS.c.id)
        .where(SESSIONS.c.next_poll_at.is_not(None), SESSIONS.c.next_poll_at <= now)
        .where(or_(SESSIONS.c.poll_lease_until.is_(None), SESSIONS.c.poll_lease_until < now))
        .where(SESSIONS.c.confirm_poll == confirms)
        .order_by(SESSIONS.c.next_poll_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(conn.execute(query).scalars().all())
    if ids:
        conn.execute(
            update(SESSIONS)
            .where(SESSIONS.c.id.in_(ids))
            .values(poll_lease_until=now + lease, confirm_poll=False)
        )
    return ids
