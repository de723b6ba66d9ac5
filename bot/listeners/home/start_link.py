"""Home's "Start link" button: the start link in a modal only the clicker sees, and only for
the session's own technician (anyone else is told whose it is)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.deps import deps_of
from bot.slack.home import render_notice_modal, render_start_link_modal
from bot.store import sessions as store

log = logging.getLogger(__name__)


async def home_start_link(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    deps = deps_of(context)
    session_id = str(body["actions"][0].get("value", ""))
    clicker = body["user"]["id"]
    async with deps.db.read() as db:
        row = await store.get(db, session_id)
        session = store.to_domain(row) if row is not None else None
        encrypted = row.launch_url_enc if row is not None else None
    if session is None or session.requester_id != clicker:
        owner = f"<@{session.requester_id}>" if session else "the technician who started it"
        view = render_notice_modal(f"Only {owner} can use this session's start link.")
    else:
        launch_url = deps.box.decrypt(encrypted) if encrypted else None
        view = render_start_link_modal(session, launch_url)
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:
        log.warning("views.open for a Home start link failed: %s", exc.response.get("error"))
