"""`/remote-support Jane Doe jane@example.com #4521`: start a session at once."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot.listeners.deps import ListenerDeps
from bot.listeners.session_start import BUSY, start_in_background, tell_refusal
from bot.metrics import COMMANDS
from bot.sessions.model import SessionRequest
from bot.slack import blocks


async def start_session(
    ack: AsyncAck,
    respond: AsyncRespond,
    deps: ListenerDeps,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    request: SessionRequest,
) -> None:
    """Ack with "Starting…" at once; then either start in the background or tell the
    technician privately why not (with the sign-in button when linking would fix it)."""
    if not deps.tasks.has_room:
        COMMANDS.labels(command="start", outcome="busy").inc()
        await ack(text=BUSY)
        return
    message = blocks.render_starting(request)
    await ack(text=message.text, blocks=message.blocks)
    refusal = await deps.starter.refusal(team_id, user_id, request.kind)
    if refusal is not None:
        await tell_refusal(respond, refusal)
        return
    start_in_background(
        deps, team_id=team_id, channel_id=channel_id, user_id=user_id, request=request
    )
