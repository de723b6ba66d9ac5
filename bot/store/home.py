"""What App Home reads and the per-user Home state (``home_users``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sessions.model import CreationState
from bot.sessions.status import SessionStatus
from bot.sessions.surfaces import (
    CHART_DAYS,
    LIVE_SHOWN,
    RECENT_ENDED,
    HomeData,
    SessionFacts,
    Switches,
    publish_due,
)
from bot.store.sessions import to_domain
from bot.store.tables import GOTO_ACCOUNTS, HOME_USERS, SESSIONS

TERMINAL = (SessionStatus.COMPLETE.value, SessionStatus.ABANDONED.value)


_FACT_COLUMNS = (
    SESSIONS.c.requester_id,
    SESSIONS.c.status,
    SESSIONS.c.created_at,
    SESSIONS.c.started_at,
    SESSIONS.c.customer_joined_at,
    SESSIONS.c.ended_at,
    SESSIONS.c.creation,
)


async def load(tx: AsyncSession, team_id: str, user_id: str, now: datetime) -> HomeData:
    """Everything one user's Home shows: three indexed reads and two by primary key."""
    mine = (SESSIONS.c.team_id == team_id, SESSIONS.c.requester_id == user_id)
    not_failed = SESSIONS.c.creation != CreationState.FAILED.value
    live_query = (
        select(SESSIONS)
        .where(*mine, not_failed, SESSIONS.c.status.not_in(TERMINAL))
        .where(SESSIONS.c.expired.is_(False))
        .order_by(SESSIONS.c.created_at.desc())
        .limit(LIVE_SHOWN)
    )
    ended_query = (
        select(SESSIONS)
        .where(*mine, not_failed)
        .where(or_(SESSIONS.c.status.in_(TERMINAL), SESSIONS.c.expired.is_(True)))
        .order_by(SESSIONS.c.created_at.desc())
        .limit(RECENT_ENDED)
    )
    since = now - timedelta(days=CHART_DAYS)
    team_query = select(*_FACT_COLUMNS).where(
        SESSIONS.c.team_id == team_id, SESSIONS.c.created_at >= since
    )
    live = [to_domain(row) for row in (await tx.execute(live_query)).mappings()]
    ended = [to_domain(row) for row in (await tx.execute(ended_query)).mappings()]
    team = [
        SessionFacts(
            requester_id=row[0],
            status=SessionStatus(row[1]),
            created_at=row[2],
            started_at=row[3],
            customer_joined_at=row[4],
            ended_at=row[5],
            failed=row[6] == CreationState.FAILED.value,
        )
        for row in (await tx.execute(team_query)).all()
    ]
    account = (
        await tx.execute(
            select(GOTO_ACCOUNTS.c.principal, GOTO_ACCOUNTS.c.revoked).where(
                GOTO_ACCOUNTS.c.team_id == team_id, GOTO_ACCOUNTS.c.user_id == user_id
            )
        )
    ).first()
    linked_as = None
    if account is not None and not account[1]:
        linked_as = str(account[0] or "your GoTo account")
    return HomeData(
        live=live,
        ended=ended,
        team=team,
        switches=await switches_of(tx, team_id, user_id),
        linked_as=linked_as,
    )


# -- home_users: functions of a Connection, run by Database.run_write ----------------------------


def _insert_ignoring_existing(conn: Connection, values: dict[str, Any]) -> None:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(postgresql.insert(HOME_USERS).values(values).on_conflict_do_nothing())
    else:
        conn.execute(sqlite.insert(HOME_USERS).values(values).on_conflict_do_nothing())


def opened(conn: Connection, team_id: str, user_id: str, now: datetime) -> None:
    """They opened their Home: from now on their sessions' changes refresh it."""
    _insert_ignoring_existing(
        conn, {"team_id": team_id, "user_id": user_id, "join_dm": True, "end_dm": True}
    )
    conn.execute(
        update(HOME_USERS)
        .where(HOME_USERS.c.team_id == team_id, HOME_USERS.c.user_id == user_id)
        .values(opened_at=now)
    )


@dataclass(frozen=True, slots=True)
class Claim:
    """``taken``: publish now. Else ``due`` says when it may be (None: they never opened
    their Home, so there is nothing to refresh)."""

    taken: bool
    due: datetime | None = None


def claim_publish(
    conn: Connection, team_id: str, user_id: str, now: datetime, every: timedelta
) -> Claim:
    """Take the right to publish this Home now: once per ``every`` per user, across
    replicas (the row is locked while it is decided)."""
    found = conn.execute(
        select(HOME_USERS.c.published_at)
        .where(HOME_USERS.c.team_id == team_id, HOME_USERS.c.user_id == user_id)
        .with_for_update()
    ).first()
    if found is None:
        return Claim(False)
    due = publish_due(found[0], now, every)
    if due > now:
        return Claim(False, due)
    conn.execute(
        update(HOME_USERS)
        .where(HOME_USERS.c.team_id == team_id, HOME_USERS.c.user_id == user_id)
        .values(published_at=now)
    )
    return Claim(True)


def set_switch(conn: Connection, team_id: str, user_id: str, which: str, on: bool) -> None:
    if which not in ("join_dm", "end_dm"):
        raise ValueError(which)
    _insert_ignoring_existing(
        conn, {"team_id": team_id, "user_id": user_id, "join_dm": True, "end_dm": True}
    )
    conn.execute(
        update(HOME_USERS)
        .where(HOME_USERS.c.team_id == team_id, HOME_USERS.c.user_id == user_id)
        .values({which: on})
    )


async def has_opened(tx: AsyncSession, team_id: str, user_id: str) -> bool:
    """Whether this user ever opened their Home (only then is it refreshed): a read, so the
    refresh a status change owes costs no write transaction for everyone else."""
    query = select(HOME_USERS.c.opened_at).where(
        HOME_USERS.c.team_id == team_id, HOME_USERS.c.user_id == user_id
    )
    return (await tx.execute(query)).scalar() is not None


async def switches_of(tx: AsyncSession, team_id: str, user_id: str) -> Switches:
    """A technician's DM switches (both on until they set them), read outside any write
    transaction (what Home shows and what a DM being sent checks)."""
    found = (
        await tx.execute(
            select(HOME_USERS.c.join_dm, HOME_USERS.c.end_dm).where(
                HOME_USERS.c.team_id == team_id, HOME_USERS.c.user_id == user_id
            )
        )
    ).first()
    return Switches(bool(found[0]), bool(found[1])) if found is not None else Switches()
