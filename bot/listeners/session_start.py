"""What the two ways of starting a session (the command and the form) share."""

from __future__ import annotations

from slack_bolt.async_app import AsyncRespond

from bot.listeners.deps import ListenerDeps
from bot.sessions.model import SessionRequest
from bot.slack.account_blocks import render_login_prompt
from bot.workflows.starting import StartRefusal

BUSY = (
    "remote-support is busy starting other sessions (or restarting): nothing was started. "
    "Please try again in a moment."
)


def start_in_background(
    deps: ListenerDeps,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    request: SessionRequest,
    thread_ts: str | None = None,
) -> None:
    """``thread_ts``: the card goes in that message's thread (a message shortcut)."""
    deps.tasks.spawn(
        deps.starter.start(
            team_id=team_id,
            channel_id=channel_id,
            user_id=user_id,
            request=request,
            thread_ts=thread_ts,
        ),
        name=f"start-session-{user_id}",
    )


async def tell_refusal(respond: AsyncRespond, refusal: StartRefusal) -> None:
    """The private answer to a refused start: the sign-in button when linking would fix it."""
    if refusal.login_url is None:
        await respond(text=refusal.reason, response_type="ephemeral")
        return
    message = render_login_prompt(refusal.login_url, refusal.reason)
    await respond(**message.as_kwargs(), response_type="ephemeral")
