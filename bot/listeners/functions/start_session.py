"""The "Start a remote support session" workflow step.

Inputs: customer name, customer e-mail, ticket, the channel for the card, the technician.
Outputs: our session id, the customer join URL, the card's permalink. The start link is the
technician's alone: it goes to them privately, as for every start, never into the outputs
(every later step of the workflow, and its author, could read them). The session runs on the
team's shared GoToAssist account, never on the technician's own linked one: the workflow's
author, not the technician, chose to start it. A step that cannot start fails with a sentence
the workflow's author can act on.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncBoltContext
from slack_bolt.context.complete.async_complete import AsyncComplete
from slack_bolt.context.fail.async_fail import AsyncFail

from bot.listeners.deps import ListenerDeps, deps_of
from bot.sessions.model import SessionKind, SessionRequest
from bot.slack.validators import (
    InvalidInput,
    clean_customer_name,
    clean_email,
    clean_ticket_id,
    clean_ticket_url,
    is_http_url,
    ticket_id_from_url,
)
from bot.store import sessions as store

log = logging.getLogger(__name__)

FUNCTION_CALLBACK_ID = "start_remote_support_session"
CARD_WAIT_S = 20.0  # how long the step waits for the card to be posted (for its permalink)


def request_from_inputs(inputs: dict[str, Any]) -> SessionRequest:
    """The session the step asks for; InvalidInput names what is wrong."""
    name = clean_customer_name(str(inputs.get("customer_name") or ""), required=True)
    raw_email = str(inputs.get("customer_email") or "").strip()
    email = clean_email(raw_email) if raw_email else None
    raw_ticket = str(inputs.get("ticket") or "").strip()
    ticket: str | None = None
    url: str | None = None
    if raw_ticket and is_http_url(raw_ticket):
        url = clean_ticket_url(raw_ticket)
        ticket = ticket_id_from_url(url)
    elif raw_ticket:
        ticket = clean_ticket_id(raw_ticket)
    return SessionRequest(
        kind=SessionKind.ATTENDED,
        customer_name=name,
        customer_email=email,
        partner_object=ticket,
        partner_object_url=url,
    )


async def start_session_step(
    inputs: dict[str, Any],
    body: dict[str, Any],
    complete: AsyncComplete,
    fail: AsyncFail,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
    event = body.get("event") or {}
    execution_id = str(event.get("function_execution_id") or "")
    # Slack delivers an event again when it thinks it unanswered, to any replica: the
    # execution id is the start's key, stored with the session (unique), so it starts once.
    request_key = f"function:{execution_id}" if execution_id else None
    if request_key is not None:
        async with deps.db.read() as tx:
            taken = await store.started_by(tx, request_key)
        if taken is not None:
            log.info("workflow step %s delivered again; already taken on", execution_id)
            return
    team_id = str(body.get("team_id") or context.team_id or "")
    technician = str(inputs.get("technician") or "")
    channel_id = str(inputs.get("channel") or "")
    if not technician or not channel_id:
        await fail("The step needs a technician and a channel for the session card.")
        return
    try:
        request = request_from_inputs(inputs)
    except InvalidInput as exc:
        await fail(f"The step's inputs were not accepted: {exc.message}")
        return
    # Whoever built the workflow chose the technician: never their own linked GoTo account.
    refusal = await deps.starter.refusal(
        team_id, technician, SessionKind.ATTENDED, offer_login=False, shared_account=True
    )
    if refusal is not None:
        await fail(f"<@{technician}> cannot start a remote support session: {refusal.reason}")
        return
    report = await deps.starter.start_reporting(
        team_id=team_id,
        channel_id=channel_id,
        user_id=technician,
        request=request,
        request_key=request_key,
        shared_account=True,
    )
    if report.repeated:
        log.info("workflow step %s delivered again; already taken on", execution_id)
        return
    if report.failure is not None:
        await fail(f"No remote support session was started: {report.failure}")
        return
    permalink = await _card_permalink(deps, report.session_id)
    await complete(
        {
            "session_id": report.session_id,
            "customer_join_url": report.customer_join_url or "",
            "card_permalink": permalink or "",
        }
    )


async def _card_permalink(deps: ListenerDeps, session_id: str) -> str | None:
    """The card's permalink once the outbox has posted it (None if it takes too long)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CARD_WAIT_S
    while loop.time() < deadline:
        async with deps.db.read() as tx:
            row = await store.get(tx, session_id)
        if row is not None and row.card_ts is not None and row.card_channel is not None:
            result = await deps.writer.call(
                "chat.getPermalink", channel=row.card_channel, message_ts=row.card_ts
            )
            return str(result.data.get("permalink")) if result.ok else None
        await asyncio.sleep(0.2)
    log.warning("session %s: card not posted within %.0f s of the step", session_id, CARD_WAIT_S)
    return None
