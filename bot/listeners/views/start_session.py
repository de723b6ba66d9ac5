"""The "start a session" form submitted: the same checks as the command, answered in the form.

Slack waits 3 seconds for the answer to a submission, and only that answer can keep the form
open: invalid fields get errors on the fields, a technician who cannot start (no GoTo account)
sees the form turn into the reason, with the sign-in button when linking would fix it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.listeners.deps import ListenerDeps, deps_of
from bot.listeners.session_start import BUSY, start_in_background
from bot.metrics import COMMANDS
from bot.sessions.access import PeopleUnavailable
from bot.sessions.machines import MachineEntry
from bot.sessions.model import SessionKind, SessionRequest
from bot.slack.machine_blocks import build_offline_view, read_choice, with_machine
from bot.slack.modal import (
    MACHINE_BLOCK,
    NAME_BLOCK,
    build_refused_view,
    parse_modal_submission,
    read_target,
)
from bot.workflows.access import UNAVAILABLE
from bot.workflows.starting import StartRefusal

log = logging.getLogger(__name__)

# How long the account check may hold the answer. It is a database read, unless the
# technician's GoTo token must be refreshed first (a call to GoTo): then the form closes
# and the start waits for the refresh, failing with a private "not created" if it fails.
ACCOUNT_CHECK_BUDGET_S = 2.0


async def start_session_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    parsed = parse_modal_submission(view["state"]["values"])
    if isinstance(parsed, dict):
        COMMANDS.labels(command="modal", outcome="invalid").inc()
        await ack(response_action="errors", errors=parsed)
        return
    if not deps.tasks.has_room:
        COMMANDS.labels(command="modal", outcome="busy").inc()
        await ack(response_action="errors", errors={NAME_BLOCK: BUSY})
        return
    user = body["user"]
    team_id = user.get("team_id") or body["team"]["id"]
    user_id = user["id"]
    target, thread_ts = read_target(view)
    channel_id = target or user_id
    if parsed.machine_uuid is not None and deps.machines is not None:
        chosen = await _chosen_machine(deps, team_id, user_id, parsed)
        if isinstance(chosen, str):
            await ack(response_action="errors", errors={MACHINE_BLOCK: chosen})
            return
        if chosen is not None:
            if not chosen.online:
                question = build_offline_view(
                    chosen, channel_id=channel_id, request=parsed, thread_ts=thread_ts
                )
                await ack(response_action="update", view=question)
                return
            parsed = with_machine(parsed, chosen)
    check = asyncio.create_task(deps.starter.refusal(team_id, user_id, parsed.kind))
    done, _pending = await asyncio.wait({check}, timeout=ACCOUNT_CHECK_BUDGET_S)
    if not done:
        await ack()
        COMMANDS.labels(command="modal", outcome="received").inc()
        deps.tasks.spawn(
            _start_after(
                check,
                deps,
                team_id=team_id,
                channel_id=channel_id,
                user_id=user_id,
                request=parsed,
                thread_ts=thread_ts,
            ),
            name=f"start-session-{user_id}",
        )
        return
    if check.exception() is not None:  # start() asks again, and tells the technician privately
        log.error("account check failed", exc_info=check.exception())
    refusal = None if check.exception() is not None else check.result()
    if refusal is not None:
        COMMANDS.labels(command="modal", outcome="refused").inc()
        await ack(
            response_action="update", view=build_refused_view(refusal.reason, refusal.login_url)
        )
        return
    await ack()
    COMMANDS.labels(command="modal", outcome="received").inc()
    start_in_background(
        deps,
        team_id=team_id,
        channel_id=channel_id,
        user_id=user_id,
        request=parsed,
        thread_ts=thread_ts,
    )


async def _chosen_machine(
    deps: ListenerDeps, team_id: str, user_id: str, request: SessionRequest
) -> MachineEntry | str | None:
    """The machine picked, checked again (it may have gone, or not be this technician's to
    open); None when the directory does not know it and every company is open (the UUID is
    then sent as is, and GoToAssist's answer says whether it exists). A string: why not."""
    assert deps.machines is not None and request.machine_uuid is not None
    try:
        machine = await asyncio.wait_for(
            deps.machines.recheck(team_id, user_id, request.machine_uuid), ACCOUNT_CHECK_BUDGET_S
        )
    except (TimeoutError, PeopleUnavailable):
        return UNAVAILABLE
    if machine is None and deps.machines.rules is not None:
        return "That machine is not one you may open (or it is no longer offered)."
    return machine


async def offline_confirmed(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    """ "Start anyway" on the form's offline question: checked again, then started."""
    deps = deps_of(context)
    choice = read_choice(str(view.get("private_metadata") or ""))
    user = body["user"]
    team_id = user.get("team_id") or body["team"]["id"]
    user_id = user["id"]
    if choice is None or deps.machines is None or not deps.tasks.has_room:
        await ack(response_action="update", view=build_refused_view(BUSY, None))
        return
    refusal = await deps.starter.refusal(team_id, user_id, SessionKind.UNATTENDED)
    chosen = await _chosen_machine(deps, team_id, user_id, choice.request)
    if refusal is not None or isinstance(chosen, str):
        reason = refusal.reason if refusal is not None else str(chosen)
        await ack(response_action="update", view=build_refused_view(reason, None))
        return
    await ack()
    request = with_machine(choice.request, chosen) if chosen is not None else choice.request
    start_in_background(
        deps,
        team_id=team_id,
        channel_id=choice.channel_id or user_id,
        user_id=user_id,
        request=request,
        thread_ts=choice.thread_ts if choice.channel_id else None,
    )


async def _start_after(
    check: asyncio.Task[StartRefusal | None],
    deps: ListenerDeps,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    request: SessionRequest,
    thread_ts: str | None = None,
) -> None:
    """A slow account check (a token refresh) ends before the start asks for the account;
    if the technician turns out to have none, the start says so privately ("not created")."""
    await asyncio.wait({check})  # its outcome does not matter: start() asks again
    await deps.starter.start(
        team_id=team_id,
        channel_id=channel_id,
        user_id=user_id,
        request=request,
        thread_ts=thread_ts,
    )
