"""What the unattended command, its buttons and the form share once a machine is chosen."""

from __future__ import annotations

from slack_bolt.async_app import AsyncRespond

from bot.listeners.deps import ListenerDeps
from bot.listeners.session_start import start_in_background
from bot.sessions.machines import MachineEntry
from bot.sessions.model import SessionRequest
from bot.slack import blocks
from bot.slack.machine_blocks import render_offline_question, with_machine


async def open_machine(
    respond: AsyncRespond,
    deps: ListenerDeps,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    machine: MachineEntry,
    request: SessionRequest,
    ask_if_offline: bool = True,
    replace_original: bool = False,
) -> None:
    """Start a session on ``machine``; one that is not online is first asked about, privately."""
    if ask_if_offline and not machine.online:
        question = render_offline_question(machine, channel_id=channel_id, request=request)
        await respond(
            **question.as_kwargs(), response_type="ephemeral", replace_original=replace_original
        )
        return
    aimed = with_machine(request, machine)
    starting = blocks.render_starting(aimed)
    await respond(
        **starting.as_kwargs(), response_type="ephemeral", replace_original=replace_original
    )
    start_in_background(
        deps, team_id=team_id, channel_id=channel_id, user_id=user_id, request=aimed
    )
