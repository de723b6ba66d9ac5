"""The form's machine field, as the technician types: answered from the machine directory in
memory, never waiting for GoToAssist (Slack gives up after 3 seconds). A stale or empty list is
refreshed in the background and the option list says so."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.listeners.deps import ListenerDeps, deps_of
from bot.sessions.access import PeopleUnavailable
from bot.sessions.model import SessionKind
from bot.slack.machine_blocks import machine_options

log = logging.getLogger(__name__)

BUDGET_S = 2.0  # the Slack look-ups (cached) may take this long; the directory is in memory


async def machine_suggestions(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    user = body.get("user") or {}
    user_id = str(user.get("id", ""))
    team_id = str(user.get("team_id") or (body.get("team") or {}).get("id", ""))
    query = str(body.get("value") or "")[:200]
    if deps.machines is None:
        await ack(**machine_options((), "machine names are not looked up here"))
        return
    try:
        answer = await asyncio.wait_for(_suggest(deps, team_id, user_id, query), BUDGET_S)
    except (TimeoutError, PeopleUnavailable) as exc:
        log.warning("machine suggestions for %s: %s", user_id, type(exc).__name__)
        await ack(**machine_options((), "Slack could not confirm your groups: try again"))
        return
    await ack(**answer)


async def _suggest(deps: ListenerDeps, team_id: str, user_id: str, query: str) -> dict[str, Any]:
    refusal = await deps.starter.refusal(
        team_id, user_id, SessionKind.UNATTENDED, offer_login=False
    )
    if refusal is not None or deps.machines is None:
        return machine_options((), "You cannot open unattended machines")
    found = await deps.machines.suggest(team_id, user_id, query)
    return machine_options(found.machines, found.note)
