"""Buttons of the unattended machine messages: Start (one of several), Start anyway (an
offline machine), Don't start. A click is checked again: the technician may still start
unattended sessions, and the machine is still offered to them."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond

from bot.listeners.deps import deps_of
from bot.listeners.machine_start import open_machine
from bot.listeners.session_start import BUSY, tell_refusal
from bot.sessions.access import PeopleUnavailable
from bot.sessions.model import SessionKind
from bot.slack.machine_blocks import PICK_ACTION_PREFIX, read_choice, render_not_started
from bot.workflows.access import UNAVAILABLE

GONE = (
    "That machine is no longer offered to you (removed or blocked in GoToAssist, or not in a "
    "company you may open). Nothing was started."
)


async def machine_chosen(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    await ack()
    deps = deps_of(context)
    action = body["actions"][0]
    user = body["user"]
    user_id = user["id"]
    team_id = user.get("team_id") or body["team"]["id"]
    choice = read_choice(str(action.get("value", "")))
    if choice is None or deps.machines is None:
        await respond(**render_not_started(GONE).as_kwargs(), response_type="ephemeral")
        return
    if not deps.tasks.has_room:
        await respond(text=BUSY, response_type="ephemeral", replace_original=False)
        return
    refusal = await deps.starter.refusal(team_id, user_id, SessionKind.UNATTENDED)
    if refusal is not None:
        await tell_refusal(respond, refusal)
        return
    try:
        machine = await deps.machines.recheck(team_id, user_id, choice.uuid)
    except PeopleUnavailable:
        await respond(text=UNAVAILABLE, response_type="ephemeral", replace_original=False)
        return
    if machine is None:
        message = render_not_started(GONE)
        await respond(**message.as_kwargs(), response_type="ephemeral", replace_original=True)
        return
    channel = choice.channel_id or (body.get("channel") or {}).get("id") or user_id
    await open_machine(
        respond,
        deps,
        team_id=team_id,
        channel_id=channel,
        user_id=user_id,
        machine=machine,
        request=choice.request,
        ask_if_offline=str(action.get("action_id", "")).startswith(PICK_ACTION_PREFIX),
        replace_original=True,
    )


async def machine_not_started(ack: AsyncAck, respond: AsyncRespond) -> None:
    await ack()
    message = render_not_started("Nothing was started.")
    await respond(**message.as_kwargs(), response_type="ephemeral", replace_original=True)
