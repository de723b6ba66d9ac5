"""`/remote-support login`: a private sign-in button that links the technician's GoTo account."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot.listeners.deps import ListenerDeps
from bot.slack.account_blocks import LINKING_NOT_CONFIGURED, render_login_prompt


async def login(
    ack: AsyncAck, respond: AsyncRespond, deps: ListenerDeps, *, team_id: str, user_id: str
) -> None:
    await ack()
    if deps.login is None:
        await respond(text=LINKING_NOT_CONFIGURED, response_type="ephemeral")
        return
    url = await deps.login.issue(team_id, user_id)
    principal = await deps.login.accounts.principal(team_id, user_id)
    reason = (
        f"Your GoTo account is linked as {principal}. Sign in again to replace it."
        if principal
        else None
    )
    message = render_login_prompt(url, reason)
    await respond(**message.as_kwargs(), response_type="ephemeral")
