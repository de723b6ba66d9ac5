"""`/remote-support logout`: unlink the technician's GoTo account and forget its tokens."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot.listeners.deps import ListenerDeps
from bot.slack.account_blocks import LINKING_NOT_CONFIGURED, render_unlinked


async def logout(
    ack: AsyncAck, respond: AsyncRespond, deps: ListenerDeps, *, team_id: str, user_id: str
) -> None:
    await ack()
    if deps.login is None:
        await respond(text=LINKING_NOT_CONFIGURED, response_type="ephemeral")
        return
    unlinked = await deps.login.accounts.unlink(team_id, user_id)
    message = render_unlinked(unlinked.was_linked, unlinked.revoked_at_goto)
    await respond(**message.as_kwargs(), response_type="ephemeral")
