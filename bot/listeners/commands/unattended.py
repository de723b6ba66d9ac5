"""`/remote-support unattended <name>`: find the machine, then start, list or ask.

One match starts (an offline one is asked about first); several are listed privately with a
Start button each; none names the closest names. The technician may see only the machines of
companies UNATTENDED_ACCESS gives their user groups (every company when it is unset).
"""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot.listeners.deps import ListenerDeps
from bot.listeners.machine_start import open_machine
from bot.listeners.session_start import BUSY, start_in_background, tell_refusal
from bot.metrics import COMMANDS
from bot.sessions.access import PeopleUnavailable
from bot.sessions.machines import Found, Several, is_uuid
from bot.sessions.model import SessionKind, SessionRequest
from bot.slack import blocks
from bot.slack.machine_blocks import render_choices, render_looking, render_no_match
from bot.workflows.access import UNAVAILABLE

log = logging.getLogger(__name__)


async def find_machine(
    ack: AsyncAck,
    respond: AsyncRespond,
    deps: ListenerDeps,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    query: str,
    request: SessionRequest,
) -> None:
    """Ack at once; the look-up (which may wait for GoToAssist's list) runs after."""
    if not deps.tasks.has_room:
        COMMANDS.labels(command="unattended", outcome="busy").inc()
        await ack(text=BUSY)
        return
    looking = render_looking(query) if not is_uuid(query) else blocks.render_starting(request)
    await ack(text=looking.text, blocks=looking.blocks)
    refusal = await deps.starter.refusal(team_id, user_id, SessionKind.UNATTENDED)
    if refusal is not None:
        await tell_refusal(respond, refusal)
        return
    deps.tasks.spawn(
        _answer(
            respond,
            deps,
            team_id=team_id,
            channel_id=channel_id,
            user_id=user_id,
            query=query,
            request=request,
        ),
        name=f"find-machine-{user_id}",
    )


async def _answer(
    respond: AsyncRespond,
    deps: ListenerDeps,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    query: str,
    request: SessionRequest,
) -> None:
    finder = deps.machines
    by_uuid = is_uuid(query)
    if finder is None or (by_uuid and finder.rules is None):
        # Every company is open to this technician: a UUID starts as typed (named when the
        # directory knows it), and GoToAssist's own answer says whether it exists.
        known = finder.directory.index.by_uuid(query) if finder is not None else None
        if known is not None:
            await open_machine(
                respond,
                deps,
                team_id=team_id,
                channel_id=channel_id,
                user_id=user_id,
                machine=known,
                request=request,
            )
        elif by_uuid:
            start_in_background(
                deps, team_id=team_id, channel_id=channel_id, user_id=user_id, request=request
            )
        else:
            await respond(
                text="Machine names cannot be looked up here: give the machine UUID.",
                response_type="ephemeral",
            )
        return
    try:
        lookup = await finder.find(team_id, user_id, query)
    except PeopleUnavailable as exc:
        log.warning("machine look-up for %s failed closed: %s", user_id, exc)
        await respond(text=UNAVAILABLE, response_type="ephemeral")
        return
    result = lookup.result
    if isinstance(result, Found):
        COMMANDS.labels(command="unattended", outcome="found").inc()
        await open_machine(
            respond,
            deps,
            team_id=team_id,
            channel_id=channel_id,
            user_id=user_id,
            machine=result.machine,
            request=request,
        )
    elif isinstance(result, Several):
        COMMANDS.labels(command="unattended", outcome="several").inc()
        message = render_choices(
            query, result.machines, channel_id=channel_id, request=request, note=lookup.note
        )
        await respond(**message.as_kwargs(), response_type="ephemeral")
    else:
        COMMANDS.labels(command="unattended", outcome="none").inc()
        message = render_no_match(query, result.closest, note=lookup.note)
        await respond(**message.as_kwargs(), response_type="ephemeral")
