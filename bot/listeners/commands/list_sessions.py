"""`/remote-support list`: the technician's recent sessions, privately."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot.listeners.deps import ListenerDeps
from bot.slack import blocks
from bot.store import sessions as store
from bot.store.types import utcnow


async def list_sessions(
    ack: AsyncAck, respond: AsyncRespond, deps: ListenerDeps, *, team_id: str, user_id: str
) -> None:
    await ack()
    async with deps.db.read() as db:
        rows = await store.recent_for(db, team_id, user_id)
        found = [store.to_domain(row) for row in rows]
    message = blocks.render_session_list(found, utcnow())
    await respond(**message.as_kwargs(), response_type="ephemeral")
