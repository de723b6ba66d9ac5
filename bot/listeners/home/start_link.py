"""Home's "Start link" button: the start link in a modal only the clicker sees, and only for
the session's own technician (anyone else is told whose it is)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.deps import deps_of
from bot.listeners.start_links import answer_start_link
from bot.slack.home import render_notice_modal, render_start_link_modal

log = logging.getLogger(__name__)


async def home_start_link(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    session_id = str(body["actions"][0].get("value", ""))
    answer = await answer_start_link(deps_of(context), session_id, body["user"]["id"])
    if answer.refusal is not None or answer.session is None:
        view = render_notice_modal(answer.refusal or "No such session.")
    else:
        view = render_start_link_modal(answer.session, answer.launch_url)
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:
        log.warning("views.open for a Home start link failed: %s", exc.response.get("error"))
