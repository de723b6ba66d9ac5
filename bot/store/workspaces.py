"""Workspaces the app was removed from: stored, so that every replica acts on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from bot.store.tables import GOTO_ACCOUNTS, OAUTH_STATES, SESSIONS, WORKSPACES


@dataclass(frozen=True, slots=True)
class Removed:
    """What removing a workspace stopped: polls, callbacks, linked GoTo accounts."""

    polls_stopped: int
    accounts_erased: int


def remove(conn: Connection, team_id: str, because: str, now: datetime) -> Removed:
    """The app was uninstalled from ``team_id`` (or its bot token revoked): record it; stop
    polling its sessions and accepting their callbacks (on every replica: the poller and the
    callback route read the database); erase its technicians' GoTo tokens and sign-in
    states. Slack writes already owed stay queued, as for any refused token."""
    found = conn.execute(select(WORKSPACES.c.team_id).where(WORKSPACES.c.team_id == team_id))
    if found.first() is None:
        conn.execute(
            WORKSPACES.insert().values(team_id=team_id, removed_at=now, removed_because=because)
        )
    else:
        conn.execute(
            update(WORKSPACES)
            .where(WORKSPACES.c.team_id == team_id)
            .values(removed_at=now, removed_because=because)
        )
    live = SESSIONS.c.team_id == team_id
    stopped = conn.execute(
        update(SESSIONS)
        .where(live, SESSIONS.c.next_poll_at.is_not(None))
        .values(next_poll_at=None, poll_lease_until=None)
    ).rowcount
    conn.execute(
        update(SESSIONS)
        .where(live, SESSIONS.c.callback_token_hash.is_not(None))
        .values(callback_token_hash=None)
    )
    erased = conn.execute(delete(GOTO_ACCOUNTS).where(GOTO_ACCOUNTS.c.team_id == team_id)).rowcount
    conn.execute(delete(OAUTH_STATES).where(OAUTH_STATES.c.team_id == team_id))
    return Removed(polls_stopped=stopped or 0, accounts_erased=erased or 0)
