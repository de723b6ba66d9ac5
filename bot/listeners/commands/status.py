"""`/remote-support status <id>`: one session in full, fresh from GoToAssist, privately.

Only its technician (anywhere) and people asking from the channel where its card lives see
it; anyone else is told there is no such session."""

from __future__ import annotations

import math
import time

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot.gotoassist.budget import Priority
from bot.listeners.deps import ListenerDeps
from bot.sessions.access import may_see
from bot.slack import blocks
from bot.slack.command_text import COMMAND
from bot.store import sessions as store
from bot.store.types import utcnow


async def show_status(
    ack: AsyncAck,
    respond: AsyncRespond,
    deps: ListenerDeps,
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    ref: str,
) -> None:
    await ack()
    if not deps.status_window.allow(user_id, time.monotonic()):
        wait = math.ceil(deps.status_window.retry_in(user_id, time.monotonic()))
        await respond(
            text=f"You asked for {deps.status_window.limit} statuses in the last minute, the "
            f"most one person may ask (each is a call to GoToAssist). Try again in {wait} s; "
            "the card in the channel stays up to date meanwhile.",
            response_type="ephemeral",
        )
        return
    async with deps.db.read() as db:
        row = await store.find_for_user(db, team_id, ref)
        session = store.to_domain(row) if row is not None else None
    if session is not None and not may_see(
        session.requester_id,
        session.card_channel or session.channel_id,
        asker=user_id,
        asked_in=channel_id,
    ):
        session = None  # the same answer as a wrong id: no oracle, no GoToAssist call
    if session is None:
        await respond(
            text=f"No session `{ref}` was found in this workspace. "
            f"`{COMMAND} list` shows your recent ones.",
            response_type="ephemeral",
        )
        return
    if not session.status.is_terminal:
        # Fresh from GoToAssist (a person asked: ahead of background polls), stored as any poll.
        await deps.tracker.poll(session.id, Priority.ASKED)
        async with deps.db.read() as db:
            fresh = await store.get(db, session.id)
            session = store.to_domain(fresh) if fresh is not None else session
    message = blocks.render_session_status(session, utcnow())
    await respond(**message.as_kwargs(), response_type="ephemeral")
